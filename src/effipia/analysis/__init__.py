"""Statistics of a campaign: kernel, shares, registers, annex tables, weights, disclosure.

``compute(responses, ...)`` (:mod:`effipia.analysis.compute`) returns the whole statistics
set (layout in :mod:`effipia.analysis.layout`); ``headline(statistics)`` its French headline.
"""

from __future__ import annotations

from effipia.analysis.compute import compute, headline

__all__ = ["compute", "headline"]

"""Statistics of a campaign: kernel, shares, registers, annex tables, weights, disclosure.

``compute(responses, ...)`` (:mod:`effipia.analysis.compute`) returns the whole statistics
set (layout in :mod:`effipia.analysis.layout`).
"""

from __future__ import annotations

__all__ = ["compute", "headline"]


def __getattr__(name: str):
    # Lazy: importing a submodule (kernel, shares) must not import every statistic.
    if name in ("compute", "headline"):
        from effipia.analysis import compute as _compute

        return getattr(_compute, name)
    raise AttributeError(name)

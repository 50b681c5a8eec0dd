"""Synthetic campaign generator: a campaign as the Céreq 2024 report describes it.

``generate(seed, campuses=32, partners=None, campaign="synthetique")`` returns a
:class:`SyntheticCampaign` (campuses, partners, invitations, responses) whose structure
and marginals reproduce the published figures (``data/reference/published_cereq_2024.toml``),
deterministic for a seed and scalable to national size.
"""

from __future__ import annotations

from effipia.synth.generator import STEPS, SyntheticCampaign, generate

__all__ = ["STEPS", "SyntheticCampaign", "generate"]

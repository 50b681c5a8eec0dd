"""Ranking sentences of the reports: whatever says « above » or « below » another campus
goes through :func:`effipia.analysis.comparison.ranked_in_words` (two campuses are ordered
only when their 95 % intervals do not overlap heavily, Cumming & Finch's rule).

- :func:`campus_rank_sentence` (campus report): where the campus stands on one register
  among the other campuses — how many it is above, below, and not distinguishable from —
  without naming any of them.
- :func:`top_profile_lecture` (national report, Illustration 7): the campus with the highest
  profile is said « le plus élevé » only when it is above every other campus; otherwise the
  sentence says how many campuses it cannot be told apart from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from effipia.analysis.comparison import ranked_in_words
from effipia.report.common import fmt
from effipia.report.texts import fill

__all__ = ["standing", "campus_rank_sentence", "top_profile_lecture"]


def standing(mine: Mapping[str, Any], others: Iterable[Mapping[str, Any]]) -> tuple[int, int, int]:
    """``(above, below, tied)``: how many of ``others`` (statistics-set rows) ``mine`` may be
    said above, below, or neither (heavy overlap, or a missing bound)."""
    above = below = tied = 0
    for other in others:
        order = ranked_in_words(mine, other)
        if order > 0:
            above += 1
        elif order < 0:
            below += 1
        else:
            tied += 1
    return above, below, tied


def _published(row: Mapping[str, Any] | None) -> bool:
    return row is not None and not row.get("suppressed") and row.get("estimate") is not None


def campus_rank_sentence(mine: Mapping[str, Any] | None, others: Iterable[Mapping[str, Any]], register: str, texts: Mapping[str, str]) -> str | None:
    """« Rang pour l'indicateur « Dynamique du partenariat » : le campus (72) se situe au-dessus de
    3 campus et en dessous de 1 campus ; il ne se distingue pas de 4 autres campus. »
    (``texts``: ``[ranking]`` of campus.toml). ``None`` when the campus's score is not published."""
    if not _published(mine):
        return None
    rows = [o for o in others if _published(o)]
    if not rows:
        return None
    above, below, tied = standing(mine, rows)
    values = {"register": register, "value": fmt(float(mine["estimate"]))}
    if not above and not below:
        return fill(texts["none"], **values)
    parts = [fill(texts[key], count=fmt(n)) for key, n in (("above", above), ("below", below)) if n]
    text = fill(texts["placed"], parts=" et ".join(parts), **values)
    if tied:
        text += fill(texts["tied_one" if tied == 1 else "tied_many"], count=fmt(tied))
    return text + "."


def top_profile_lecture(profiles: list[Mapping[str, Any]], letters: Mapping[str, str], texts: Mapping[str, str]) -> str | None:
    """Lecture of Illustration 7 from the ``campus_profile`` rows: the highest profile, said
    the highest only if it is above every other campus (:func:`ranked_in_words`)."""
    rows = sorted((r for r in profiles if _published(r)), key=lambda r: (-float(r["estimate"]), str(r["campus"])))
    if not rows:
        return None
    best, others = rows[0], rows[1:]
    above, _, tied = standing(best, others)
    values = {"row": letters.get(best["campus"], best["campus"]), "value": fmt(float(best["estimate"]))}
    if tied == 0:
        return fill(texts["lecture"], **values)
    return fill(texts["lecture_tied"], count=fmt(tied), **values)

"""Ranking sentences (report/rankings.py) on a hand-made set of campus scores, the expected
sentences worked out by hand with Cumming & Finch's rule as written in
effipia.analysis.comparison.ranked_in_words: two campuses are ordered only when the
overlap of their 95 % intervals (lower one's upper bound minus higher one's lower bound)
is at most half the mean of the two facing margins."""

from __future__ import annotations

import re

import polars as pl

from effipia.analysis.registers import load_rules
from effipia.report import load_texts
from effipia.report.rankings import campus_rank_sentence, standing, top_profile_lecture

from .htmlparse import parse


def _row(campus: str, estimate: float | None, low: float | None, high: float | None, suppressed: bool = False) -> dict:
    return {"statistic": "register", "item": "dyn", "campus": campus, "estimate": estimate, "ci_low": low, "ci_high": high, "suppressed": suppressed}


# Campus A: 70 [65 ; 75] (margin 5) against
#   B 50 [45 ; 55]: overlap 55 − 65 = −10 ≤ 0,5 × (5 + 5)/2 → A above B
#   C 68 [60 ; 76]: overlap 76 − 65 = 11 > 0,5 × (5 + 8)/2 = 3,25 → not ordered
#   D 85 [80 ; 90]: overlap 75 − 80 = −5 → D above A (A below D)
#   E 60 [55 ; 66]: overlap 66 − 65 = 1 ≤ 0,5 × (5 + 6)/2 = 2,75 → A above E
#   F suppressed: left out
MINE = _row("A", 70, 65, 75)
OTHERS = [_row("B", 50, 45, 55), _row("C", 68, 60, 76), _row("D", 85, 80, 90), _row("E", 60, 55, 66), _row("F", None, None, None, True)]


def test_standing_counts_by_hand():
    assert standing(MINE, OTHERS[:4]) == (2, 1, 1)


def test_campus_rank_sentence_by_hand():
    texts = load_texts().campus["ranking"]
    assert campus_rank_sentence(MINE, OTHERS, "Dynamique du partenariat", texts) == (
        "Rang pour l'indicateur « Dynamique du partenariat » : le campus (70) se situe au-dessus de 2 campus "
        "et en dessous de 1 campus ; il ne se distingue pas d'un autre campus, dont l'intervalle de confiance recouvre largement le sien."
    )
    # only C (heavy overlap): no order at all
    assert campus_rank_sentence(MINE, [OTHERS[1]], "Dynamique du partenariat", texts) == (
        "Rang pour l'indicateur « Dynamique du partenariat » : le campus (70) ne se distingue d'aucun autre campus, "
        "les intervalles de confiance se recouvrant largement."
    )
    # B and E only: above both, nothing tied
    assert campus_rank_sentence(MINE, [OTHERS[0], OTHERS[3]], "Dynamique du partenariat", texts) == (
        "Rang pour l'indicateur « Dynamique du partenariat » : le campus (70) se situe au-dessus de 2 campus."
    )
    assert campus_rank_sentence(OTHERS[4], OTHERS[:4], "Dynamique du partenariat", texts) is None  # suppressed: no sentence


def test_top_profile_lecture_by_hand():
    texts = load_texts().national["figures"]["illustration_7"]
    letters = {"X": "A", "Y": "B", "Z": "C"}
    x, y, z = (_row("X", 80, 75, 85), _row("Y", 70, 66, 74), _row("Z", 79, 70, 88))
    # X vs Y: overlap 74 − 75 = −1 → above; X vs Z: overlap 88 − 75 = 13 > 0,5 × (5 + 9)/2 = 3,5 → not ordered
    assert top_profile_lecture([y, z, x], letters, texts) == (
        "le campus A a le profil moyen le plus haut (80 en moyenne sur les indicateurs), mais il ne se distingue pas "
        "de 1 autre(s) campus dont l'intervalle de confiance recouvre largement le sien."
    )
    assert top_profile_lecture([y, x], letters, texts) == (
        "le campus A a le profil le plus élevé : 80 en moyenne sur les indicateurs, au-dessus de chacun des autres campus."
    )


def _ordered(a: dict, b: dict) -> int:
    """Cumming & Finch, written again here: 1 / −1 / 0."""
    hi, lo = (a, b) if a["estimate"] > b["estimate"] else (b, a)
    overlap = lo["ci_high"] - hi["ci_low"]
    margins = ((hi["estimate"] - hi["ci_low"]) + (lo["ci_high"] - lo["estimate"])) / 2
    if a["estimate"] == b["estimate"] or overlap > 0.5 * margins:
        return 0
    return 1 if a is hi else -1


def test_campus_report_ranking_sentences_count_every_other_campus(written, statistics):
    html = written.campus["CMQ01"][0].read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", " ".join(parse(html).text))
    rows = statistics.filter((pl.col("statistic") == "register") & (pl.col("group") == "ensemble") & (pl.col("campus") != "ensemble")
                             & ~pl.col("suppressed") & pl.col("ci_low").is_not_null())
    rules = load_rules()
    for reg in ("dyn", "lead", "res_level_sat", "res_use", "mgmt"):
        part = rows.filter(pl.col("item") == reg).to_dicts()
        mine = next(r for r in part if r["campus"] == "CMQ01")
        orders = [_ordered(mine, r) for r in part if r["campus"] != "CMQ01"]
        above, below, tied = orders.count(1), orders.count(-1), orders.count(0)
        said = re.search(rf"Rang pour l'indicateur « {re.escape(rules[reg].title)} » : le campus \(\d+\) ((?:se situe|ne se distingue d'aucun)[^.]*)\.", text)
        assert said, reg
        sentence = said.group(1)
        assert (f"au-dessus de {above} campus" in sentence) == bool(above), (reg, sentence)
        assert (f"en dessous de {below} campus" in sentence) == bool(below), (reg, sentence)
        assert ("ne se distingue pas" in sentence or "ne se distingue d'aucun" in sentence) == bool(tied), (reg, sentence)

"""A seeded hand-written generator of valid response frames (every item, every group).

The routing rules are written here from the codebook's « Routing » table, not read
from the questionnaire, so that a frame it makes is an independent valid input.
Run ``python -m tests.exchange.factory out.csv`` to look at one.
"""

from __future__ import annotations

import random

import polars as pl

GROUPS = ["entreprise", "lycee", "of_cfa", "superieur", "autre"]
PARTNER_TYPES = {"entreprise": None, "lycee": "lycee", "of_cfa": None, "superieur": "universite", "autre": None}


def _answer(rng: random.Random, codes: list[int], blank: float = 0.1) -> int | None:
    return None if rng.random() < blank else rng.choice(codes)


def make_responses(questionnaire, n: int = 40, seed: int = 7, campuses: tuple[str, ...] = ("C01", "C02")) -> pl.DataFrame:
    """``n`` respondents cycling through the five groups, answers drawn with ``seed``."""
    rng = random.Random(seed)
    q = questionnaire
    codes = {item.name: [int(c) for c in item.codes] for item in q.items if item.integer_coded}
    offered = {g: [c.code for c in q.expectation_choices(g)] for g in GROUPS}
    rows = []
    for i in range(n):
        group = GROUPS[i % len(GROUPS)]
        row: dict[str, object] = {
            "respondent_id": f"P{i:04d}",
            "campus_id": campuses[i % len(campuses)],
            "category": group,
            "partner_type": PARTNER_TYPES[group],
        }
        everyone = [c for c in q.columns if c.split("_")[0] in ("rel", "dyn", "lead", "mgmt")]
        everyone += [c for c in q.columns if c.startswith("res_")] + ["collab", "benef_network", "workload_more"]
        for name in everyone:
            row[name] = _answer(rng, codes[name])
        if group != "autre":
            row["consortium"] = rng.choice([0, 1])
            row["pia_concerned"] = _answer(rng, [0, 1])
            k = rng.randint(0, 4)
            row["expectations"] = " ".join(rng.sample(offered[group], min(k, len(offered[group])))) or None
            for r in range(1, 20):
                if r == 6 and group != "entreprise":
                    continue
                known = _answer(rng, [0, 1])
                row[f"real_known_{r}"] = known
                if known == 1:
                    row[f"real_pia_{r}"] = _answer(rng, [0, 1])
        if group == "entreprise":
            row["benef_skills"] = _answer(rng, [0, 1])
            row["benef_notoriety"] = _answer(rng, [0, 1])
        if group == "superieur":
            row["intl_strategy"] = _answer(rng, codes["intl_strategy"])
            row["intl_parcours"] = _answer(rng, codes["intl_parcours"])
            if row["intl_strategy"] in (1, 2):
                row["intl_pia_effect"] = _answer(rng, codes["intl_pia_effect"])
        if group == "lycee":
            row["intl_known"] = _answer(rng, [0, 1])
            row["intl_below_expect"] = _answer(rng, [0, 1])
            if row["intl_known"] == 1:
                row["intl_contrib"] = _answer(rng, [0, 1])
        rows.append(row)
    schema = {
        "respondent_id": pl.String, "campus_id": pl.String, "category": pl.String, "partner_type": pl.String,
        "consortium": pl.Int64, "pia_concerned": pl.Int64,
        **{c: (pl.String if c == "expectations" else pl.Int64) for c in q.columns},
    }
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)


if __name__ == "__main__":  # pragma: no cover - a look at the fixture
    import sys

    from effipia.questionnaire import load_questionnaire

    make_responses(load_questionnaire()).write_csv(sys.argv[1])

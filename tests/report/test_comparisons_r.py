"""Campus comparisons against R's survey package (live Rscript): svyby + svycontrast.

A one-item register (dyn_1 scored 1 → 100, 2 → 0, 9 → 50) makes the register score of a
campus the plain mean of its respondents' scores, the very estimate svyby gives; the
comparison's difference and standard error must equal svycontrast's to 1e-9.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest

from effipia.analysis import compute
from effipia.report.comparisons import compare, comparison_groups
from effipia.report.statistics import StatisticsView

RULES = """
[rule]
key = "T"
label = "un seul item"

[registers.dyn]
title = "Dynamique du partenariat (dyn_1 seul)"
items = ["dyn_1"]
scores = { "1" = 100, "2" = 0, "9" = 50 }
average = "item"
"""


@pytest.mark.rlang
def test_comparisons_equal_svycontrast(rscript, tmp_path: Path, synthetic):
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    responses = synthetic.responses
    stats = compute(responses, campuses=synthetic.campuses, include=["registers"], scoring=rules, min_n=1)
    view = StatisticsView(stats)
    filieres = dict(zip(synthetic.campuses["campus_id"], synthetic.campuses["filiere"], strict=True))
    mapping = {1: 100.0, 2: 0.0, 9: 50.0}
    scores = responses.select("campus_id", pl.col("dyn_1").replace_strict(mapping, default=None, return_dtype=pl.Float64).alias("s"))
    scores.write_csv(tmp_path / "scores.csv")
    ours, rows = {}, []
    for campus in ("CMQ01", "CMQ07", "CMQ20"):
        for group, members in comparison_groups(view, campus, "dyn", filieres).items():
            if not members:
                continue
            c = compare(view, campus, "dyn", group, members)
            name = f"{campus}:{group}"
            ours[name] = c
            rows.append({"name": name, "campus": campus, "coef": 1.0})
            rows += [{"name": name, "campus": m, "coef": -1.0 / len(members)} for m in members]
    pl.DataFrame(rows).write_csv(tmp_path / "contrasts.csv")
    subprocess.run([rscript, str(Path(__file__).parent / "r" / "contrast.R"), str(tmp_path / "scores.csv"), str(tmp_path / "contrasts.csv"), str(tmp_path / "r.csv")],
                   check=True, capture_output=True, timeout=120)
    r = pl.read_csv(tmp_path / "r.csv")
    assert r.height == len(ours) >= 6
    for row in r.iter_rows(named=True):
        c = ours[row["name"]]
        assert c.diff == pytest.approx(row["est"], abs=1e-9), row["name"]
        assert c.se == pytest.approx(row["se"], abs=1e-9), row["name"]


@pytest.mark.rlang
def test_weighted_sd_equals_svyvar(rscript, tmp_path: Path, synthetic):
    """The per-campus SD behind the effect size (register rows' ``sd``) with unequal weights
    equals √ of R's ``svyby(~s, ~campus_id, svydesign(ids = ~1, weights = ~w), svyvar)``."""
    import numpy as np

    from effipia.analysis.registers import load_rules, register_rows

    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    responses = synthetic.responses
    w = np.random.default_rng(7).uniform(0.5, 3.0, responses.height)
    rows = register_rows(responses, {"dyn": load_rules(rules)["dyn"]}, weights=w, domains=("campus",), min_n=1)
    mapping = {1: 100.0, 2: 0.0, 9: 50.0}
    scores = responses.select("campus_id", pl.col("dyn_1").replace_strict(mapping, default=None, return_dtype=pl.Float64).alias("s"))
    scores.with_columns(pl.Series("w", w)).write_csv(tmp_path / "scores.csv")
    subprocess.run([rscript, str(Path(__file__).parent / "r" / "svyvar.R"), str(tmp_path / "scores.csv"), str(tmp_path / "r.csv")],
                   check=True, capture_output=True, timeout=120)
    r = pl.read_csv(tmp_path / "r.csv")
    ours = dict(zip(rows["campus"], rows["sd"], strict=True))
    assert r.height == len(ours) >= 30
    for campus, var in r.iter_rows():
        assert ours[campus] == pytest.approx(var ** 0.5, rel=1e-9), campus

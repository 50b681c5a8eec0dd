"""``effipia compute --model-controls``: the count model with controls, from the command line."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from effipia.analysis import model
from effipia.cli import app
from effipia.store import Store
from effipia.synth import generate


def test_compute_with_model_controls(tmp_path: Path):
    campaign = generate(seed=1)
    url = f"sqlite:///{tmp_path / 'effipia.db'}"
    store = Store(url)
    try:
        campaign.write_to(store)
    finally:
        store.close()
    runner = CliRunner()
    run = runner.invoke(app, ["--db", url, "compute", "--out", str(tmp_path / "out"),
                              "--model-controls", "campus_id, filiere"])
    assert run.exit_code == 0, run.output
    stats = pl.read_parquet(tmp_path / "out" / "statistics.parquet")
    rows = stats.filter(pl.col("statistic") == "model_relations")
    assert set(rows["spec"]) == {"profile + campus_id + filiere"}
    # the same figure as the library on the same frames (the store gives back what was written)
    m = model.fit(campaign.responses, controls=["campus_id", "filiere"], campuses=campaign.campuses)
    autre = rows.filter((pl.col("group") == "autre") & (pl.col("item") == "predicted_count"))
    assert autre["estimate"][0] == m.profile("autre", None).predicted
    assert "effets fixes de campus, filière du campus" in model.summary_fr(stats)

    bad = runner.invoke(app, ["--db", url, "compute", "--out", str(tmp_path / "bad"), "--model-controls", "taille"])
    assert bad.exit_code != 0
    assert "variable de contrôle inconnue pour le modèle de variété des relations : taille" in bad.output

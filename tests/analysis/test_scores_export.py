"""``effipia responses export --with-scores``: per-respondent scores appended to the microdata."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from effipia.analysis.scores import respondent_scores


def test_export_with_scores(tmp_path) -> None:
    from effipia.cli import app
    from effipia.store import Store
    from effipia.synth import generate

    campaign = generate(5, campuses=4)
    url = f"sqlite:///{tmp_path / 'e.db'}"
    store = Store(url)
    store.write_campaign("c", campuses=campaign.campuses, partners=campaign.partners,
                         invitations=campaign.invitations, responses=campaign.responses)
    store.close()
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(app, ["--db", url, "responses", "export", "--format", "csv", "--out", str(out), "--with-scores"])
    assert result.exit_code == 0, result.output
    exported = pl.read_csv(out, infer_schema_length=None)
    expected = respondent_scores(campaign.responses)
    for column in ("score_dyn", "score_lead", "score_res_level_sat", "score_res_level_dissat", "score_res_use", "score_mgmt"):
        assert column in exported.columns
    joined = exported.select("respondent_id", "score_mgmt").join(expected.select("respondent_id", "score_mgmt"), on="respondent_id")
    assert joined.height == campaign.responses.height
    diff = joined.select((pl.col("score_mgmt") - pl.col("score_mgmt_right")).abs().max()).item()
    assert diff is None or diff < 1e-9

"""``effipia synth``: writes the campaign into the store (and files), French summary."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from effipia.cli import app
from effipia.errors import message
from effipia.synth import SyntheticCampaign
from effipia.store import Store

runner = CliRunner()


def test_synth_into_store_and_files(db_url: str, tmp_path: Path, campaign: SyntheticCampaign) -> None:
    out = tmp_path / "fichiers"
    result = runner.invoke(app, ["--db", db_url, "synth", "--seed", "2024", "--campaign", "essai", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    # French number formatting: 1 914 with a narrow no-break space (Babel, fr_FR)
    assert lines[0] == message(
        "synth.summary", campaign="essai", seed=2024, campuses="32", partners="1\u202f914", respondents="620"
    )
    assert lines[-1] == message(
        "synth.files", path=str(out), names="campuses.csv, partners.csv, invitations.csv, responses.csv"
    )
    store = Store(db_url)
    try:
        assert store.campaign_names() == ["essai"]
        assert_frame_equal(store.responses("essai"), campaign.responses, check_row_order=False)
        assert store.partners("essai").height == campaign.partners.height
        assert store.invitations("essai").height == campaign.invitations.height
        assert store.campuses().height == 32
    finally:
        store.close()
    files = pl.read_csv(out / "responses.csv", schema_overrides={"expectations": pl.String})
    assert files.height == 620 and files.columns == campaign.responses.columns
    partners = pl.read_csv(out / "partners.csv", infer_schema=False)
    # codes stay text: INSEE commune codes such as « 01269 » keep their leading zero
    assert partners["commune_insee"].to_list() == campaign.partners["commune_insee"].to_list()
    assert partners["siret"].to_list() == campaign.partners["siret"].to_list()


def test_synth_rejects_bad_sizes_in_french(sqlite_url: str) -> None:
    result = runner.invoke(app, ["--db", sqlite_url, "synth", "--seed", "1", "--campuses", "0"])
    assert result.exit_code == 1
    assert message("synth.bad_campuses", value=0) in result.stderr


def test_written_files_load_back_through_the_importers(tmp_path: Path, campaign: SyntheticCampaign) -> None:
    # The files are in the canonical layouts: the registry and response importers take them
    # as they are, merge no partner and reject nothing.
    campaign.write_files(tmp_path / "f")
    url = f"sqlite:///{tmp_path / 'b.db'}"
    steps = [
        ["campuses", "import", str(tmp_path / "f" / "campuses.csv")],
        ["partners", "import", str(tmp_path / "f" / "partners.csv"), "--campaign", "x"],
        ["responses", "import", str(tmp_path / "f" / "responses.csv"), "--campaign", "x"],
    ]
    for step in steps:
        result = runner.invoke(app, ["--db", url, *step])
        assert result.exit_code == 0, (step, result.output)
    store = Store(url)
    try:
        assert store.partners("x").height == campaign.partners.height
        assert_frame_equal(store.responses("x"), campaign.responses, check_row_order=False)
    finally:
        store.close()

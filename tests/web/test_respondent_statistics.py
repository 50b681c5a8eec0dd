"""A campaign collected on the web enters the analyses exactly as the same answers imported
from a file: same stored frame, same statistics set."""

from __future__ import annotations

import random
from pathlib import Path

from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from effipia.analysis.compute import compute
from effipia.cli import app
from effipia.store import Store
from tests.web.conftest import Campaign, write_campaign
from tests.web.walk import complete


def test_statistics_of_a_web_campaign_equal_those_of_the_same_answers_imported(
    client, campaign: Campaign, tmp_path: Path
) -> None:
    rng = random.Random(2024)
    for partner in sorted(campaign.tokens):
        complete(client, campaign.tokens[partner], rng)
    exported = tmp_path / "reponses.csv"
    runner = CliRunner()
    done = runner.invoke(app, ["--db", campaign.url, "responses", "export", "--format", "csv", "--out", str(exported)])
    assert done.exit_code == 0, done.output
    # The same registry in another store, the answers imported from the file.
    imported_url = f"sqlite:///{tmp_path / 'importe.db'}"
    write_campaign(imported_url)
    done = runner.invoke(app, ["--db", imported_url, "responses", "import", str(exported), "--campaign", campaign.name])
    assert done.exit_code == 0, done.output

    def inputs(url: str) -> dict:
        with Store(url) as store:
            return {
                "responses": store.responses(campaign.name),
                "partners": store.partners(campaign.name),
                "invitations": store.invitations(campaign.name).drop("status", "token_salt"),
                "campuses": store.campuses(),
            }

    web, imported = inputs(campaign.url), inputs(imported_url)
    assert web["responses"].height == len(campaign.tokens) == 12
    assert_frame_equal(web["responses"], imported["responses"])
    statistics_web = compute(**web, min_n=2)
    statistics_imported = compute(**imported, min_n=2)
    assert statistics_web.height > 100  # a real set, not an empty one
    assert_frame_equal(statistics_web, statistics_imported)

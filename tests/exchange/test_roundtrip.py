"""Round trips: a campaign exported in each format re-imports identically into a fresh store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from effipia.operations.responses import export_responses as _export_operation
from effipia.operations.responses import import_responses as _import_operation

from .conftest import open_store
from .factory import make_responses


def import_responses(*args, **kwargs):
    """The import operation's report (the store side of an import lives in effipia.operations)."""
    return _import_operation(*args, **kwargs).value


def export_responses(*args, **kwargs):
    """The export operation's report."""
    return _export_operation(*args, **kwargs).value


FORMATS = ("csv", "xlsx", "parquet", "sav", "dta")


def test_every_format_round_trips(db_url: str, fresh_urls, tmp_path: Path, questionnaire) -> None:
    original = make_responses(questionnaire, n=40, seed=11)
    source = open_store(db_url)
    try:
        source.write_responses("vague1", original)
        stored = source.responses("vague1")
        assert_frame_equal(stored, original)  # the store gives back what was written
        for fmt in FORMATS:
            path = tmp_path / f"reponses.{fmt}"
            report = export_responses(source, path, fmt)
            assert (report.rows, report.columns) == (40, original.width)
            target = open_store(fresh_urls())
            try:
                imported = import_responses(target, path, "copie")
                assert (imported.inserted, imported.created_campaign) == (40, True)
                assert_frame_equal(target.responses("copie"), original, check_column_order=True)
            finally:
                target.close()
    finally:
        source.close()


def test_blocks_not_collected_stay_absent(store, tmp_path: Path, questionnaire) -> None:
    # A campaign that collected only identification, dynamics and collaboration.
    full = make_responses(questionnaire, n=10, seed=3)
    partial = full.select("respondent_id", "campus_id", "category", "partner_type", "consortium", "pia_concerned",
                          *[f"dyn_{k}" for k in range(1, 7)], "collab")
    store.write_responses("vague1", partial)
    for fmt in FORMATS:
        path = tmp_path / f"partiel.{fmt}"
        export_responses(store, path, fmt, "vague1")
        import_responses(store, path, f"copie_{fmt}")
        assert_frame_equal(store.responses(f"copie_{fmt}"), partial)
    assert store.responses("copie_dta").columns[6:] == [f"dyn_{k}" for k in range(1, 7)] + ["collab"]


def test_synthetic_campaign_round_trips(db_url: str, fresh_urls, tmp_path: Path) -> None:
    from effipia.store import Store
    from effipia.synth import generate

    campaign = generate(2024, campuses=3)
    source = Store(db_url)
    try:
        source.write_campaign("synthetique", campuses=campaign.campuses, partners=campaign.partners,
                              invitations=campaign.invitations, responses=campaign.responses)
        stored = source.responses("synthetique")
        assert_frame_equal(stored, campaign.responses.sort("respondent_id"))
        for fmt in FORMATS:
            path = tmp_path / f"synth.{fmt}"
            export_responses(source, path, fmt)
            target = Store(fresh_urls())
            try:
                # The fresh store knows the registry and the directory, so every partner check runs.
                target.write_campaign("copie", campuses=campaign.campuses, partners=campaign.partners)
                report = import_responses(target, path, "copie")
                assert (report.inserted, report.created_campaign) == (stored.height, False)
                assert_frame_equal(target.responses("copie"), stored)
            finally:
                target.close()
    finally:
        source.close()


def test_file_on_its_own_into_an_empty_store(db_url: str, fresh_urls, tmp_path: Path) -> None:
    # Evaluators often receive a response file without any registry: the campuses it names
    # are registered (id only) in the same transaction, and the answers come back identical.
    from effipia.store import Store
    from effipia.synth import generate

    campaign = generate(2024, campuses=3)
    path = tmp_path / "reponses.csv"
    campaign.responses.write_csv(path)
    target = Store(db_url)
    try:
        assert target.campuses().height == 0
        report = import_responses(target, path, "recue")
        assert report.registered_campuses == 3
        assert sorted(target.campuses()["campus_id"].to_list()) == sorted(campaign.campuses["campus_id"].to_list())
        assert_frame_equal(target.responses("recue"), campaign.responses.sort("respondent_id"))
        # Once a registry exists, a campus outside it is an error again (see test_importing).
        assert import_responses(target, path, "recue").unchanged == campaign.responses.height
    finally:
        target.close()

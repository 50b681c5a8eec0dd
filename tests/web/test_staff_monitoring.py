"""Monitoring operations: AAPOR dispositions from the store, daily completions, the SVG curve,
and the disclosure rule with secondary suppression (hand-worked cases)."""

from __future__ import annotations

import polars as pl

from effipia.operations import monitoring
from effipia.store import Store
from effipia.store import collection as stored

from .conftest import CAMPAIGN, write_campaign


def test_dispositions_and_rates_from_the_store(sqlite_url: str) -> None:
    campaign = write_campaign(sqlite_url)
    with Store(sqlite_url) as store:
        # AERO entreprise-1 saved one page (partial), entreprise-2 submitted, autre-1 bounced.
        invitee = stored.find_invitee(store, campaign.tokens["AERO-entreprise-1"])
        stored.save_page(store, invitee, "save-0001", "p1", "d" * 64, {"q1": 1}, "p2")
        store.write_invitations(CAMPAIGN, store.invitations(CAMPAIGN).filter(pl.col("partner_id") == "AERO-entreprise-2")
                                .with_columns(pl.lit("submitted").alias("status")))
        store.write_mail_sends(CAMPAIGN, [{"partner_id": "AERO-autre-1", "kind": "invitation", "recipient": "autre1@aero.example",
                                           "outcome": "bounced", "smtp_code": 550, "smtp_reply": "5.1.1 unknown"}])
        table = monitoring.progress(store, CAMPAIGN).value
        remind = monitoring.partners_to_remind(store, CAMPAIGN).value
    row = table.filter((pl.col("campus_id") == "CMQ-AERO") & (pl.col("group") == "entreprise")).row(0, named=True)
    # Hand-worked: I = 1, P = 1 of 2 invited -> RR1 = 1/2, RR2 = 2/2, CON1 = 2/2, REF1 = 0.
    assert (row["completed"], row["started"], row["rr1"], row["rr2"], row["con1"], row["ref1"]) == (1, 1, 0.5, 1.0, 1.0, 0.0)
    autre = table.filter((pl.col("campus_id") == "CMQ-AERO") & (pl.col("group") == "autre")).row(0, named=True)
    assert (autre["bounced"], autre["rr1"], autre["con1"]) == (1, 0.0, 0.0)
    assert table["invited"].sum() == 12 and table["partners"].sum() == 12
    # Nobody was e-mailed their invitation yet: nobody to remind.
    assert remind.height == 0


def test_daily_completions_and_svg() -> None:
    import datetime as dt

    daily = pl.DataFrame({"day": [dt.date(2027, 1, 4), dt.date(2027, 1, 5), dt.date(2027, 1, 6)],
                          "completed": [3, 0, 2], "cumulative": [3, 3, 5]})
    svg = monitoring.completions_svg(daily)
    assert svg.startswith("<svg") and svg.count("<rect") == 3 and "<title" in svg
    assert "Du 04/01/2027 au 06/01/2027 : 5 questionnaires complets" in svg
    empty = monitoring.completions_svg(daily.clear())
    assert "Aucun questionnaire complet" in empty


def _cells(values: dict[str, int]) -> pl.DataFrame:
    rows = [{"campus_id": "C", "campus_name": "C", "group": g, "group_label": g, "partners": 10, "invited": 10,
             "emailed": 10, "started": 0, "completed": n, "refused": 0, "bounced": 0} for g, n in values.items()]
    return monitoring._with_rates(pl.DataFrame(rows)).select(monitoring.PROGRESS_COLUMNS)


def test_disclosure_with_secondary_suppression() -> None:
    # k = 5. Cells 2, 7, 9, 0 (margin 18): the 2 is hidden; alone it would be 18 - 7 - 9, so the
    # smallest other non-empty cell (7) is hidden too; the empty cell and the margin stay.
    cells = _cells({"a": 2, "b": 7, "c": 9, "d": 0})
    out = monitoring.protect_progress(cells, monitoring.totals(cells, "campus_id"), 5)
    assert out["suppressed"].to_list() == [True, True, False, False, False]
    assert out["completed"].to_list() == [None, None, 9, 0, 18]
    assert out["invited"].to_list() == [10, 10, 10, 10, 40]  # invitations are not hidden
    # Cells 3 and 0 (margin 3 < 5): both the cell and the margin are hidden, nothing else needed.
    cells = _cells({"a": 3, "b": 0})
    out = monitoring.protect_progress(cells, monitoring.totals(cells, "campus_id"), 5)
    assert out["suppressed"].to_list() == [True, False, True]
    # Cells 6 and 0 (margin 6): nothing below 5, nothing hidden.
    cells = _cells({"a": 6, "b": 0})
    assert not monitoring.protect_progress(cells, monitoring.totals(cells, "campus_id"), 5)["suppressed"].any()

"""Warnings of the statistics set, each caused on purpose by a small hand-made campaign.

Issue 7, item 3: an invited campus × group cell without respondent, a campus below the
disclosure minimum (and one with no respondent), a register nobody answered or not
collected, a model that cannot be fitted, producers that cannot run — each reaches the
operation's result, ``warnings.csv`` and, through ``effipia compute``, stderr in French.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from effipia.cli import app
from effipia.errors import message
from effipia.operations.statistics import compute_statistics
from effipia.results import WARNING_COLUMNS, Warning, write_warnings
from effipia.schema import CAMPUS_COLUMNS, INVITATION_COLUMNS, PARTNER_COLUMNS, RESPONSE_ID_COLUMNS, conform
from effipia.store import Store

DYN = [f"dyn_{k}" for k in range(1, 7)]
REL = [f"rel_{k}" for k in range(1, 17)]


def _campuses(*ids: str) -> pl.DataFrame:
    return conform(pl.DataFrame({"campus_id": list(ids), "name": [f"Campus {i}" for i in ids], "letter": list("ABC"[: len(ids)])}), CAMPUS_COLUMNS)


def _people(campus: str, group: str, count: int, start: int) -> list[dict]:
    return [{"partner_id": f"{campus}-{group}-{start + k}", "campus_id": campus, "category": group} for k in range(count)]


def _campaign(store: Store, campuses: pl.DataFrame, invited: list[dict], responding: list[dict], answers: dict) -> None:
    """Write a campaign: ``invited`` partners (invited, all), ``responding`` (a subset) with ``answers``."""
    partners = conform(
        pl.DataFrame([{**p, "name": p["partner_id"], "consortium": 1, "pia_concerned": 1} for p in invited]), PARTNER_COLUMNS
    )
    invitations = conform(
        pl.DataFrame([{**{k: p[k] for k in ("partner_id", "campus_id", "category")}, "token": f"t{i:031d}", "status": "sent"}
                      for i, p in enumerate(invited)]),
        INVITATION_COLUMNS,
    )
    rows = []
    for i, person in enumerate(responding):
        row = {"respondent_id": person["partner_id"], "campus_id": person["campus_id"], "category": person["category"],
               "consortium": 1, "pia_concerned": 1}
        row |= {item: (values[i % len(values)] if values else None) for item, values in answers.items()}
        rows.append(row)
    schema = {**RESPONSE_ID_COLUMNS, **{item: pl.Int64 for item in answers}}
    responses = pl.DataFrame(rows, schema=schema)
    store.write_campaign("vague", campuses=campuses, partners=partners, invitations=invitations, responses=responses)


@pytest.fixture
def uneven(tmp_path: Path) -> str:
    """C1: six companies answer, three lycées invited answer nobody; C2: two companies
    answer (below the minimum of 5); C3: in the registry, nobody invited or answering.
    Only the dynamics register and the collaboration question were collected."""
    url = f"sqlite:///{tmp_path / 'uneven.db'}"
    c1 = _people("C1", "entreprise", 6, 0)
    c2 = _people("C2", "entreprise", 4, 0)
    invited = [*c1, *_people("C1", "lycee", 3, 0), *c2]
    answers = {**{item: [1, 1, 2] for item in DYN}, "collab": [1, 2, 3]}
    with Store(url) as store:
        _campaign(store, _campuses("C1", "C2", "C3"), invited, [*c1, *c2[:2]], answers)
    return url


def _codes(warnings: list[Warning]) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(w.code.partition(".")[2], w.campus, w.group, w.item) for w in warnings]


def test_uneven_campaign_warns_about_cells_campuses_registers_and_producers(uneven: str, tmp_path: Path) -> None:
    with Store(uneven) as store:
        result = compute_statistics(store, out=tmp_path / "out", weights="calibrated")
    codes = _codes(result.warnings)
    assert ("empty_calibration_cell", "C1", "lycee", None) in codes
    assert ("campus_below_minimum", "C2", None, None) in codes
    assert ("campus_no_respondent", "C3", None, None) in codes
    assert ("campus_below_minimum", "C1", None, None) not in codes  # 6 respondents ≥ 5
    # only dyn was collected: every other register says so, dyn does not
    not_collected = {item for code, _, _, item in codes if code == "register_not_collected"}
    assert not_collected == {"lead", "res_level_sat", "res_level_dissat", "res_use", "mgmt"}
    # relations and the model need rel_1 … rel_16: each says it could not run
    assert {w.producer for w in result.warnings if w.code == "analysis_warnings.no_relation_items"} == {"relations", "model"}
    below = next(w for w in result.warnings if w.code == "analysis_warnings.campus_below_minimum")
    assert below.message == (
        "Campus C2 : 2 répondant(s), moins que l'effectif minimal de diffusion (5) ; ses chiffres propres "
        "ne sont pas publiés (il reste compté dans l'ensemble)."
    )
    # the same warnings, in the same order, in warnings.csv
    with (tmp_path / "out" / "warnings.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(WARNING_COLUMNS)
    assert [(r["code"], r["message"], r["campus"]) for r in rows] == [
        (w.code, w.message, w.campus or "") for w in result.warnings
    ]


def test_the_disclosure_minimum_comes_from_the_setting(uneven: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFFIPIA_DISCLOSURE_MIN", "7")
    with Store(uneven) as store:
        result = compute_statistics(store)
    assert result.value.min_n == 7
    below = {w.campus: dict(w.params) for w in result.warnings if w.code == "analysis_warnings.campus_below_minimum"}
    assert below == {"C1": {"n": 6, "min_n": 7}, "C2": {"n": 2, "min_n": 7}}
    with Store(uneven) as store:  # an explicit minimum wins over the setting
        assert compute_statistics(store, min_n=2).value.min_n == 2


def test_effipia_compute_prints_the_warnings_in_french(uneven: str, tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["--db", uneven, "compute", "--out", str(tmp_path / "cli"), "--weights", "calibrated"])
    assert run.exit_code == 0, run.output
    with Store(uneven) as store:
        expected = compute_statistics(store, weights="calibrated").warnings
    lines = run.stderr.splitlines()
    assert lines[0] == f"Avertissements ({len(expected)}) :"
    assert lines[1:] == [f"  {w.message}" for w in expected]
    assert (
        "  Calage : aucun répondant dans la cellule campus C1 × Lycée, où des partenaires sont invités ; "
        "ces partenaires ne sont représentés par personne dans les chiffres calés."
    ) in lines
    assert "  Campus C3 : aucun répondant ; il n'a aucun chiffre propre." in lines
    assert all(w.message not in run.stdout for w in expected)  # warnings go to stderr only


def test_a_model_on_one_campus_says_why_it_was_not_fitted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    people = _people("C1", "entreprise", 10, 0)
    answers = {item: [1, 0, 1, 1, 0] for item in REL}
    with Store(url) as store:
        _campaign(store, _campuses("C1"), people, people, answers)
        result = compute_statistics(store)
    fitted = [w for w in result.warnings if w.code == "analysis_warnings.model_not_fitted"]
    reason = message("model.too_few_clusters", clusters=1)
    assert [(w.producer, w.statistic, w.message) for w in fitted] == [
        ("model", "model_relations", f"Modèle de variété des relations non estimé : {reason}.")
    ]
    assert result.value.statistics.filter(pl.col("statistic") == "model_relations").height == 0
    assert result.value.statistics.filter(pl.col("statistic") == "relations_count").height > 0  # relations ran
    run = CliRunner().invoke(app, ["--db", url, "compute", "--out", str(tmp_path / "cli")])
    assert run.exit_code == 0, run.output
    assert f"  Modèle de variété des relations non estimé : {reason}." in run.stderr.splitlines()


def test_a_register_nobody_answered_and_missing_inputs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'blank.db'}"
    people = [*_people("C1", "entreprise", 6, 0), *_people("C2", "lycee", 6, 0)]
    answers = {**{item: [] for item in DYN}, "collab": [1, 2]}  # the dynamics block asked, left blank by all
    with Store(url) as store:
        store.write_campaign(
            "vague",
            campuses=_campuses("C1", "C2"),
            responses=pl.DataFrame(
                [{"respondent_id": p["partner_id"], "campus_id": p["campus_id"], "category": p["category"],
                  "consortium": 1, "pia_concerned": 0, **{i: None for i in DYN}, "collab": 1 + k % 2}
                 for k, p in enumerate(people)],
                schema={**RESPONSE_ID_COLUMNS, **{i: pl.Int64 for i in DYN}, "collab": pl.Int64},
            ),
        )
        assert set(DYN) <= set(store.responses("vague").columns)  # the blank block is kept as collected
        result = compute_statistics(store)
    by_code = {w.code.partition(".")[2]: w for w in result.warnings}
    assert by_code["register_no_answer"].item == "dyn"
    assert by_code["register_no_answer"].message == (
        "Registre « Dynamique du partenariat » (dyn) non calculé : aucun répondant n'a répondu à l'une de ses questions."
    )
    # no invitation: no response rate; no partner directory: no partnership structure
    assert by_code["no_invitations"].producer == "response_rate"
    assert by_code["no_partners"].producer == "structure"
    dyn = result.value.statistics.filter((pl.col("statistic") == "register") & (pl.col("item") == "dyn"))
    assert dyn.height > 0 and dyn["n"].max() == 0 and dyn["estimate"].null_count() == dyn.height  # no score anywhere


def test_warnings_csv_is_its_header_when_there_is_nothing_to_say(tmp_path: Path) -> None:
    path = write_warnings([], tmp_path / "warnings.csv")
    assert path.read_text(encoding="utf-8") == ",".join(WARNING_COLUMNS) + "\n"

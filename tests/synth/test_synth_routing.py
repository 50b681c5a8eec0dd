"""The generated answers respect the codebook's routing exactly."""

from __future__ import annotations

import polars as pl

from effipia.questionnaire import load_questionnaire
from effipia.schema import RESPONSE_ID_COLUMNS
from effipia.synth import SyntheticCampaign


def test_questionnaire_validation_finds_nothing(campaign: SyntheticCampaign) -> None:
    # The questionnaire engineer's validator checks codes, scales, routing, duplicates.
    questionnaire = load_questionnaire()
    assert questionnaire.validate(campaign.responses, "responses.csv") == []
    assert campaign.responses.columns[len(RESPONSE_ID_COLUMNS) :] == list(questionnaire.columns)


def test_answers_exactly_where_asked(campaign: SyntheticCampaign) -> None:
    # Nothing answered where routing skips; every asked question answered (no item non-response).
    questionnaire = load_questionnaire()
    responses = campaign.responses
    asked = questionnaire.asked(responses)
    for column in questionnaire.columns:
        present = responses[column].is_not_null()
        assert not (present & ~asked[column]).any(), column
        assert (present == asked[column]).all(), column


def test_routing_rules_of_the_codebook(responses: pl.DataFrame) -> None:
    # Checked by hand against docs/codebook.md « Routing », independently of the validator.
    autre = responses.filter(pl.col("category") == "autre")
    others = responses.filter(pl.col("category") != "autre")
    assert autre["consortium"].null_count() == autre.height and autre["pia_concerned"].null_count() == autre.height
    assert others["consortium"].null_count() == 0 and others["pia_concerned"].null_count() == 0
    for k in range(1, 20):
        known, pia = f"real_known_{k}", f"real_pia_{k}"
        assert autre[known].null_count() == autre.height
        assert (responses[pia].is_not_null() == (responses[known] == 1).fill_null(False)).all(), k
    not_companies = responses.filter(pl.col("category") != "entreprise")
    for item in ("real_known_6", "benef_skills", "benef_notoriety"):
        assert not_companies[item].null_count() == not_companies.height
    sup = responses.filter(pl.col("category") == "superieur")
    assert (sup["intl_pia_effect"].is_not_null() == sup["intl_strategy"].is_in([1, 2])).all()
    lycees = responses.filter(pl.col("category") == "lycee")
    assert (lycees["intl_contrib"].is_not_null() == (lycees["intl_known"] == 1)).all()
    assert autre["expectations"].null_count() == autre.height


def test_expectations_come_from_the_group_list(responses: pl.DataFrame) -> None:
    choices = load_questionnaire().item("expectations").choices
    allowed = {c.code: set(c.get("group").split()) for c in choices}
    exploded = (
        responses.filter(pl.col("expectations").is_not_null())
        .select("category", pl.col("expectations").str.split(" "))
        .explode("expectations")
    )
    for category, choice in exploded.iter_rows():
        assert category in allowed[choice], (category, choice)

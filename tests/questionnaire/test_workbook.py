"""The shipped workbook: a real XLSForm that pyxform converts cleanly, matching the codebook."""

from __future__ import annotations

from openpyxl import load_workbook
from pyxform.xls2xform import convert

from effipia.questionnaire import shipped_path


def test_pyxform_converts_the_shipped_workbook_without_warnings():
    warnings: list[str] = []
    result = convert(str(shipped_path()), warnings=warnings)
    assert warnings == []
    assert result.xform.startswith("<?xml")


def test_settings_sheet_names_the_form_in_french():
    sheets = load_workbook(shipped_path(), read_only=True)
    assert {"survey", "choices", "settings"} <= set(sheets.sheetnames)
    header, values = list(sheets["settings"].iter_rows(values_only=True))[:2]
    settings = dict(zip(header, values, strict=True))
    assert settings["form_id"] == "enquete_unique"
    assert settings["default_language"] == "French (fr)"
    assert settings["form_title"].startswith("Enquête unique")
    assert settings["version"]


def test_every_codebook_item_is_in_the_workbook_with_the_codebook_scale_and_codes(q, codebook):
    # The block items of the workbook are exactly the codebook's (none missing, none invented).
    assert set(q.columns) == set(codebook.items)
    for name, scale in codebook.items.items():
        item = q.item(name)
        if scale == "select_multiple":
            assert item.type == "select_multiple"
            continue
        assert item.type == "select_one", name
        assert item.list_name == scale, name
        assert item.codes == codebook.scales[scale], name


def test_identification_columns_follow_the_codebook(q, codebook):
    assert q.id_columns == list(codebook.identification)
    for name, codes in codebook.identification.items():
        assert q.item(name).codes == codes, name
    # The three columns a response file cannot do without (codebook: identification of each row).
    assert q.required_columns == ["respondent_id", "campus_id", "category"]


def test_codebook_expectations_are_offered_to_their_group(q, codebook):
    for group, named in codebook.expectations.items():
        offered = [c.code for c in q.expectation_choices(group)]
        assert set(named) <= set(offered), group
        assert len(offered) >= 4, group  # « select up to 4 » needs at least four to choose from
    assert q.expectation_choices("autre") == []
    assert q.item("expectations").max_choices == 4


def test_blocks_are_groups_with_kobo_prefixes(q):
    assert [b.name for b in q.blocks] == [
        "grp_exp", "grp_rel", "grp_dyn", "grp_lead", "grp_res_level", "grp_res_use",
        "grp_mgmt", "grp_collab", "grp_real", "grp_intl", "grp_benef",
    ]
    assert q.block_columns("grp_dyn") == [f"dyn_{k}" for k in range(1, 7)]
    assert q.item("lead_3").block == "grp_lead"


def test_labels_are_french_from_the_report(q):
    # Tableau 3, first row; Tableau 4 answer scale; codebook scale labels.
    assert q.item("dyn_1").label == "Développer des objectifs largement compris et partagés"
    assert q.choice_labels("lead_1")["1"] == "Très bonne"
    assert q.choice_labels("res_level_4") == {"1": "Satisfaisant", "2": "Insuffisant", "9": "NA (non concerné / sans réponse)"}
    assert q.choice_labels("bin") == {"1": "Oui", "0": "Non"}


def test_dtypes_follow_the_response_frame_contract(q):
    dtypes = q.dtypes
    assert str(dtypes["dyn_1"]) == "Int64" and str(dtypes["consortium"]) == "Int64"
    assert str(dtypes["expectations"]) == "String" and str(dtypes["category"]) == "String"

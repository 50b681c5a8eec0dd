"""One home for each rule: NAF section, size class, analysis category and the INSEE
reference are coded once in ``effipia.reference`` and give the same answer in every stage."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest

from effipia.analysis import structure
from effipia.errors import EffipiaError
from effipia.reference import insee, naf, partners, sizes
from effipia.schema import PARTNER_COLUMNS, conform
from effipia.territories.companies import describe_companies

def _value(rows: pl.DataFrame, **keys) -> float:
    """``estimate`` of the one statistics-set row matching ``keys``."""
    for column, wanted in keys.items():
        rows = rows.filter(pl.col(column) == wanted)
    assert rows.height == 1, keys
    return rows["estimate"][0]


# Codes as directors type them. Expected sections from the NAF rév. 2 hierarchy (INSEE 2008):
# 25.62B « Usinage » is in C, 62.01Z in J, division 47 in G, section letter M itself;
# 28.99Q is not a sous-classe (28.99 has only A and B), "xx" is no code.
_NAF = ["25.62 B", "2562b", "6201Z", "47", "M", "28.99Q", "xx", None]
_SECTIONS = ["C", "C", "J", "G", "M", None, None, None]


def test_naf_section_scalar_and_column_agree():
    assert [naf.naf_section(c) for c in _NAF] == _SECTIONS
    assert naf.naf_sections_of(pl.Series(_NAF, dtype=pl.String)).to_list() == _SECTIONS
    assert [naf.naf_division(c) for c in _NAF] == ["25", "25", "62", "47", None, None, None, None]


def _companies(codes: list[str | None], size_classes: list[str | None]) -> pl.DataFrame:
    n = len(codes)
    frame = pl.DataFrame(
        {
            "partner_id": [f"p{i}" for i in range(n)],
            "campus_id": ["C1"] * n,
            "category": ["entreprise"] * n,
            "partner_type": ["entreprise"] * n,
            "naf": codes,
            "size_class": size_classes,
        }
    )
    return conform(frame, PARTNER_COLUMNS)


def test_territories_and_analysis_read_naf_codes_alike():
    frame = _companies(_NAF, ["11"] * len(_NAF))
    described, problems = describe_companies(frame)
    assert described["naf_section"].to_list() == _SECTIONS
    # « 28.99Q » and « xx » are reported; analysis leaves the same two out of its shares.
    assert sorted(dict(p.params)["naf"] for p in problems) == ["28.99Q", "xx"]
    rows = structure.naf_rows(frame, min_n=1)
    # 5 known codes: C twice, J, G, M once -> C = 2 / 5
    assert _value(rows, answer="C", domain="ensemble") == pytest.approx(40.0)
    assert _value(rows, answer="M", domain="ensemble") == pytest.approx(20.0)


def test_size_class_nn_and_typed_forms_read_alike():
    classes = ["NN", "1", "01", "21.0", "53", "99", None]
    # Sirene: NN = non-employer unit (TPE, 0 employees), 01 = 1-2 (TPE), 21 = 50-99 (PME),
    # 53 = 10 000+ (GE); 99 is no Sirene class.
    assert [sizes.size_group(c) for c in classes] == ["TPE", "TPE", "TPE", "PME", "GE", None, None]
    assert sizes.class_bounds()["NN"] == (0, 0.0)
    frame = _companies(["25.62B"] * len(classes), classes)
    described, problems = describe_companies(frame)
    assert described["size_group"].to_list() == ["TPE", "TPE", "TPE", "PME", "GE", None, None]
    assert [dict(p.params)["size"] for p in problems] == ["99"]
    rows = structure.size_rows(frame, min_n=1)
    # 5 known: TPE 3, PME 1, GE 1 -> TPE 60 %
    assert _value(rows, answer="TPE", domain="ensemble") == pytest.approx(60.0)
    assert _value(rows, answer="GE", domain="ensemble") == pytest.approx(20.0)


def test_analysis_uses_the_stored_analysis_category():
    frame = _companies(["25.62B", "25.62B"], ["11", "11"]).with_columns(
        pl.Series("analysis_category", ["entreprises", "intermediation"])  # as stored, e.g. an older rule
    )
    rows = structure.partnership_rows(frame, min_n=1)
    assert _value(rows, answer="intermediation", domain="ensemble") == pytest.approx(50.0)
    # Without the stored column the rule applies: both are companies.
    rows = structure.partnership_rows(frame.drop("analysis_category"), min_n=1)
    assert _value(rows, answer="entreprises", domain="ensemble") == pytest.approx(100.0)


def test_analysis_category_rule_of_the_store_is_the_reference_rule():
    from effipia.store.api import _analysis_categories

    frame = conform(
        pl.DataFrame(
            {
                "partner_id": ["a", "b", "c", "d"],
                "category": ["lycee", "autre", "autre", None],
                "partner_type": [None, "opco", None, "greta"],
            }
        ),
        PARTNER_COLUMNS,
    )
    # partner_types.csv: opco -> intermediation, greta -> of_cfa; group lycee -> secondaire
    # (lycee and college both secondaire); group autre has several categories -> unknown.
    expected = ["secondaire", "intermediation", None, "of_cfa"]
    assert partners.analysis_categories(frame).to_list() == expected
    assert _analysis_categories(frame).to_list() == expected


def test_one_insee_loader_one_setting(tmp_path, monkeypatch):
    shipped = insee.company_counts()
    assert shipped["count"].sum() == 2925124  # CES Repères statistiques 2008, enterprises at 1/1/2007
    user = tmp_path / "national.csv"
    user.write_text("sector,naf_divisions,size_band,count\nind,10-33,0-9,7\nind,10-33,10+,3\n", encoding="utf-8")
    monkeypatch.setenv("EFFIPIA_INSEE_REFERENCE", str(user))
    assert insee.company_counts()["count"].to_list() == [7.0, 3.0]
    assert structure.load_reference()["count"].to_list() == [7.0, 3.0]  # analysis reads the same
    monkeypatch.delenv("EFFIPIA_INSEE_REFERENCE")
    # the folder of newer reference files replaces both tables under their shipped names
    folder = tmp_path / "ref"
    folder.mkdir()
    (folder / insee.SECTOR_SIZE_FILE).write_text(user.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / insee.CATEGORIES_FILE).write_text(
        "champ,indicateur,GE,ETI,PME_hors_MIC,MIC,Ensemble\nx,nombre_entreprises,1,2,3,4,10\n", encoding="utf-8"
    )
    monkeypatch.setenv("EFFIPIA_REFERENCE", str(folder))
    assert insee.company_counts()["count"].sum() == 10
    categories = dict(insee.company_counts(by="category").select("category", "value").iter_rows())
    assert categories == {"GE": 1, "ETI": 2, "PME": 3, "TPE": 4, "Ensemble": 10}
    (folder / insee.CATEGORIES_FILE).write_text("champ,indicateur,GE\nx,n,beaucoup\n", encoding="utf-8")
    with pytest.raises(EffipiaError, match="ligne 2 : effectif non numérique ou négatif \\(beaucoup\\)"):
        insee.company_counts(by="category")
    (folder / insee.CATEGORIES_FILE).write_text("indicateur,GE\nn,1\n", encoding="utf-8")
    with pytest.raises(EffipiaError, match="colonnes obligatoires absentes \\(champ\\)"):
        insee.company_counts(by="category")


def test_synth_analysis_and_store_do_not_import_territories():
    code = (
        "import sys, effipia.synth, effipia.analysis.structure, effipia.store;"
        "from effipia.synth import sources; sources.lycees();"
        "print(sorted(m for m in sys.modules if m.startswith('effipia.territories')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

"""Campus registry files: French headers, recoding to reference values, every problem at once."""

from __future__ import annotations

import pytest
from utils.registry import campus_frame

from effipia.errors import ValidationFailed
from effipia.registry import read_campuses
from effipia.schema import CAMPUS_COLUMNS

HEADER = (
    "Identifiant;Nom du campus;Lettre;Filière;Région;Académie;Année de création;Excellence;"
    "Vague PIA;Durée (années);Montant PIA (€);Structure support"
)


def test_french_headers_are_read_and_recoded(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "campus.csv",
        [
            HEADER,
            "CMQ-AERO;CMQ d'excellence aéronautique et spatial Occitanie;A;"
            "Mobilité, aéronautique, transports terrestres et maritimes;occitanie;TOULOUSE;2015;oui;1;8;3 500 000;Université",
            "CMQ-BDB;CMQ bâtiment durable Bretagne;zb;F04;Bretagne;Rennes;2016;Non;2;7;2500000;Lycée",
        ],
        "utf-8",
        bom=True,
    )
    df = read_campuses(path)
    # The two real campuses as recoded: filieres.csv gives F06 for « Mobilité, aéronautique… »
    # and keeps F04; regions and académies take the spelling of departements_academies_regions.csv;
    # « zb » is upper-cased, « oui »/« Non » are 1/0, « 3 500 000 » is 3500000; the support
    # types take the partner-type codes of nomenclatures/partner_types.csv (« Université », « Lycée »).
    expected = campus_frame(letter=["A", "ZB"], excellence=[1, 0], support_type=["universite", "lycee"])
    assert df.equals(expected)


def test_canonical_xlsx_is_accepted(tmp_path, write_xlsx) -> None:
    path = write_xlsx(
        tmp_path / "campus.xlsx",
        [list(CAMPUS_COLUMNS), ["C1", "Campus un", "ZF", "F12", "Grand Est", "Nancy-Metz", 2019, 1, 5, 5, 1200000.0, None]],
    )
    row = read_campuses(path).to_dicts()[0]
    assert (row["letter"], row["pia_wave"], row["pia_amount_eur"], row["academie"]) == ("ZF", 5, 1_200_000, "Nancy-Metz")


def test_every_problem_is_reported(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "campus.csv",
        [
            HEADER,
            "C1;Campus un;A;Aéronautique;Occitanie;Toulouse;2015;oui;6;8;;",
            "C1;;A;F01;Atlantide;Toulouse;deux mille;peut-être;1;8;;",
            "C3;Campus trois;ZG;F01;Bretagne;Gotham;2016;non;1;8;1,5 M;",
        ],
        "utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        read_campuses(path)
    f = str(path)
    assert [str(p) for p in info.value.problems] == [
        f"{f}:2:Filière: filière inconnue : « Aéronautique »",
        f"{f}:2:Vague PIA: valeur hors limites : 6 (attendu entre 1 et 5)",
        f"{f}:3:Année de création: nombre entier attendu : « deux mille »",
        f"{f}:3:Excellence: valeur non reconnue : « peut-être » (attendu : oui ou non)",
        f"{f}:3:Identifiant: identifiant de campus en double : C1 (déjà en ligne 2)",
        f"{f}:3:Lettre: lettre A déjà attribuée (ligne 2)",
        f"{f}:3:Nom du campus: nom du campus manquant",
        f"{f}:3:Région: région inconnue : « Atlantide »",
        f"{f}:4:Académie: académie inconnue : « Gotham »",
        f"{f}:4:Lettre: lettre invalide : « ZG » (attendu : une lettre de A à Z, ou ZA à ZF)",
        f"{f}:4:Montant PIA (€): nombre entier attendu : « 1,5 M »",
    ]


def test_support_type_under_its_usual_headers_and_unknown_types(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "campus.csv",
        [
            "Identifiant du campus;Nom du campus;Type de structure porteuse",
            "C1;Campus un;IUT",
            "C2;Campus deux;Lycée professionnel",
            "C3;Campus trois;Vaisseau spatial",
        ],
        "utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        read_campuses(path)
    # « IUT » → universite and « Lycée professionnel » → lycee in category_recoding.csv; the third is unknown.
    assert [str(p) for p in info.value.problems] == [
        f"{path}:4:Type de structure porteuse: type de structure support inconnu : « Vaisseau spatial »"
        " (à ajouter à une table de recodage category_recoding.csv : option --recoding ou dossier EFFIPIA_REGISTRY_TABLES)"
    ]
    path.write_text(path.read_text(encoding="utf-8").replace("\nC3;Campus trois;Vaisseau spatial", ""), encoding="utf-8")
    assert read_campuses(path)["support_type"].to_list() == ["universite", "lycee"]


def test_missing_name_column(tmp_path, write_csv) -> None:
    path = write_csv(tmp_path / "campus.csv", ["Identifiant;Lettre", "C1;A"], "utf-8")
    with pytest.raises(ValidationFailed) as info:
        read_campuses(path)
    assert [str(p) for p in info.value.problems] == [f"{path}:1:: colonne obligatoire absente : nom du campus"]


def test_academie_must_belong_to_the_region(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "campus.csv",
        [
            "Identifiant;Nom du campus;Région;Académie",
            # departements_academies_regions.csv: Rennes is in Bretagne, Lyon in Auvergne-Rhône-Alpes;
            # names as people type them (case, accents, hyphens as spaces) still match.
            "C1;Campus un;BRETAGNE;rennes",
            "C2;Campus deux;auvergne rhone alpes;LYON",
            "C3;Campus trois;Auvergne-Rhône-Alpes;Clermont Ferrand",
            # Lille is in Hauts-de-France: not in Bretagne.
            "C4;Campus quatre;Bretagne;Lille",
        ],
        "utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        read_campuses(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5:Académie: l'académie « Lille » appartient à la région Hauts-de-France, pas à « Bretagne »"
    ]
    path.write_text(path.read_text(encoding="utf-8").replace("\nC4;Campus quatre;Bretagne;Lille", ""), encoding="utf-8")
    df = read_campuses(path)
    assert df.select("region", "academie").rows() == [
        ("Bretagne", "Rennes"),
        ("Auvergne-Rhône-Alpes", "Lyon"),
        ("Auvergne-Rhône-Alpes", "Clermont-Ferrand"),
    ]

"""User-extensible registry tables: ``EFFIPIA_REGISTRY_TABLES`` and explicit files, added to
the shipped tables (user rows win), validated with French problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from effipia.errors import EffipiaError, ValidationFailed
from effipia.registry import read_campuses, read_directories
from effipia.registry.tables import default_tables, load_tables

DIRECTORY = [
    "Entité;Famille d'acteur;Adhérent",
    "Incubateur Breizh;Incubateur;adhérent",
    "Fondation du Bâtiment;Fondation;non",
    "Bouygues Bâtiment Grand Ouest;Entreprise;",
]


def test_shipped_tables_do_not_know_these_headers_and_texts(tmp_path, write_csv) -> None:
    # column_aliases.csv has no « Entité » nor « Famille d'acteur »; the file has no name column.
    path = write_csv(tmp_path / "annuaire.csv", DIRECTORY, "utf-8")
    with pytest.raises(ValidationFailed) as info:
        read_directories(path, campus="CMQ-BDB")
    assert [p.code for p in info.value.problems] == ["registry.missing_name_column"]
    shipped = default_tables()
    # category_recoding.csv: « fondation » → association; nothing for « incubateur »; yes_no.csv has no « adhérent ».
    assert shipped.recode_category("Fondation") == "association"
    assert shipped.recode_category("Incubateur") is None
    assert shipped.recode_yes_no("adhérent") is None


def _user_tables(folder: Path, write_csv) -> dict[str, Path]:
    return {
        "aliases": write_csv(
            folder / "column_aliases.csv",
            ["table;column;alias", "partner;name;Entité", "partner;category;Famille d'acteur", "partner;consortium;Adhérent"],
            "cp1252",  # as Excel saves a French CSV
        ),
        "recoding": write_csv(
            folder / "category_recoding.csv",
            # « Fondation » conflicts with the shipped row (association): the user's row wins.
            ["text,partner_type", "Incubateur,cluster", "Fondation,etablissement_public"],
            "utf-8",
        ),
        "yes_no": write_csv(folder / "yes_no.csv", ["text,value", "adhérent,1"], "utf-8", bom=True),
    }


def test_explicit_files_extend_the_shipped_tables(tmp_path, write_csv) -> None:
    user = _user_tables(tmp_path, write_csv)
    path = write_csv(tmp_path / "annuaire.csv", DIRECTORY, "utf-8")
    tables = load_tables(aliases=user["aliases"], recoding=user["recoding"], yes_no=user["yes_no"])
    frame = read_directories(path, campus="CMQ-BDB", tables=tables).partners.sort("name")
    # Types from the user's rows (Incubateur → cluster, Fondation → etablissement_public), shipped
    # « Entreprise »; survey groups from partner_types.csv (cluster and etablissement_public → autre);
    # « adhérent » → 1 from the user's yes/no, « non » → 0 shipped, empty → 0 (README rule).
    assert frame.select("name", "partner_type", "category", "consortium").rows() == [
        ("Bouygues Bâtiment Grand Ouest", "entreprise", "entreprise", 0),
        ("Fondation du Bâtiment", "etablissement_public", "autre", 0),
        ("Incubateur Breizh", "cluster", "autre", 1),
    ]


def test_environment_folder_extends_and_explicit_files_win(tmp_path, write_csv, monkeypatch) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    _user_tables(folder, write_csv)
    monkeypatch.setenv("EFFIPIA_REGISTRY_TABLES", str(folder))
    path = write_csv(tmp_path / "annuaire.csv", DIRECTORY, "utf-8")
    frame = read_directories(path, campus="CMQ-BDB").partners.sort("name")
    assert frame["partner_type"].to_list() == ["entreprise", "etablissement_public", "cluster"]
    # An explicit file is above the folder: « Fondation » back to association.
    explicit = write_csv(tmp_path / "mine.csv", ["text;partner_type", "Fondation;association"], "utf-8")
    frame = read_directories(path, campus="CMQ-BDB", tables=load_tables(recoding=explicit)).partners.sort("name")
    assert frame["partner_type"].to_list() == ["entreprise", "association", "cluster"]


def test_user_alias_wins_over_a_shipped_header(tmp_path, write_csv) -> None:
    # column_aliases.csv maps both « Identifiant » and « Code » to campus_id (Identifiant first):
    # « Code » is ignored. A user whose « Code » column holds the filière maps it to filiere.
    path = write_csv(tmp_path / "campus.csv", ["Identifiant;Nom du campus;Code", "C1;Campus un;F04"], "utf-8")
    assert read_campuses(path).select("campus_id", "filiere").rows() == [("C1", None)]
    aliases = write_csv(tmp_path / "aliases.csv", ["table;column;alias", "campus;filiere;Code"], "utf-8")
    assert read_campuses(path, tables=load_tables(aliases=aliases)).select("campus_id", "filiere").rows() == [
        ("C1", "F04")
    ]


def test_malformed_user_files_are_french_problems(tmp_path, write_csv) -> None:
    aliases = write_csv(
        tmp_path / "aliases.csv",
        [
            "table;column;alias",
            "partner;raison_sociale;Nom légal",  # not a canonical column of schema.PARTNER_COLUMNS
            "partenaire;name;Nom légal",  # tables are « partner » or « campus »
            "campus;filiere;",  # empty alias
        ],
        "utf-8",
    )
    recoding = write_csv(tmp_path / "recoding.csv", ["text;partner_type", "Incubateur;incubateur"], "utf-8")
    yes_no = write_csv(tmp_path / "yes_no.csv", ["text;value", "adhérent;oui"], "utf-8")
    headerless = write_csv(tmp_path / "headerless.csv", ["texte;type", "Incubateur;cluster"], "utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_tables(aliases=aliases, recoding=[recoding, headerless], yes_no=yes_no)
    partner_columns = "partner_id, campus_id, name, category, partner_type, consortium, pia_concerned, email, siret, naf, size_class, uai, commune_insee"
    codes = (  # partner_types.csv, in file order
        "lycee, college, universite, ecole_superieure, laboratoire, entreprise, cfa, organisme_formation, greta, "
        "organisation_professionnelle, federation, chambre_consulaire, opco, pole_competitivite, cluster, association, "
        "etablissement_public, rectorat, region, collectivite, service_etat, autre"
    )
    assert [str(p) for p in info.value.problems] == [
        f"{aliases}:2:column: colonne canonique inconnue pour la table partner : « raison_sociale » (colonnes : {partner_columns})",
        f"{aliases}:3:table: table inconnue : « partenaire » (attendu : partner ou campus)",
        f"{aliases}:4:alias: valeur manquante",
        (
            f"{headerless}::: en-tête de la table category_recoding.csv introuvable dans les 10 premières lignes"
            " (colonnes attendues : text, partner_type)"
        ),
        f"{recoding}:2:partner_type: type de partenaire inconnu : « incubateur » (codes de partner_types.csv : {codes})",
        f"{yes_no}:2:value: valeur invalide : « oui » (attendu : 1 pour oui, 0 pour non)",
    ]


def test_missing_environment_folder_is_a_french_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EFFIPIA_REGISTRY_TABLES", str(tmp_path / "absent"))
    with pytest.raises(EffipiaError) as info:
        default_tables()
    assert str(info.value) == f"dossier des tables du registre introuvable (EFFIPIA_REGISTRY_TABLES) : {tmp_path / 'absent'}"


def test_malformed_environment_file_fails_every_import(tmp_path, write_csv, monkeypatch) -> None:
    write_csv(tmp_path / "yes_no.csv", ["text,value", "adhérent,2"], "utf-8")
    monkeypatch.setenv("EFFIPIA_REGISTRY_TABLES", str(tmp_path))
    path = write_csv(tmp_path / "annuaire.csv", ["Raison sociale;Catégorie", "Airbus;Entreprise"], "utf-8")
    with pytest.raises(ValidationFailed) as info:
        read_directories(path, campus="CMQ-BDB")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'yes_no.csv'}:2:value: valeur invalide : « 2 » (attendu : 1 pour oui, 0 pour non)"
    ]


def test_contradictory_rows_of_one_file_and_repeated_files(tmp_path, write_csv) -> None:
    contradictory = write_csv(
        tmp_path / "recoding.csv",
        # « Incubateurs » normalises like « incubateur » (plural rule of registry.text.normalize).
        ["text;partner_type", "Incubateur;cluster", "Incubateur;cluster", "Incubateurs;association"],
        "utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        load_tables(recoding=contradictory)
    assert [str(p) for p in info.value.problems] == [
        f"{contradictory}:4:partner_type: contredit la ligne 2, qui donne « cluster » pour le même texte"
    ]
    # Files given one after the other: the later one wins.
    first = write_csv(tmp_path / "first.csv", ["text;partner_type", "Incubateur;cluster"], "utf-8")
    second = write_csv(tmp_path / "second.csv", ["text;partner_type", "Incubateur;association"], "utf-8")
    assert load_tables(recoding=[first, second]).recode_category("Incubateur") == "association"
    assert load_tables(recoding=[second, first]).recode_category("Incubateur") == "cluster"


def test_xlsx_user_table_with_numeric_values(tmp_path, write_xlsx) -> None:
    # A workbook types 1 and 0 as numbers; a title line above the header is skipped.
    path = write_xlsx(
        tmp_path / "oui_non.xlsx",
        [["Mes réponses oui/non"], ["text", "value"], ["adhérent", 1], ["ex-adhérent", 0.0]],
    )
    tables = load_tables(yes_no=path)
    assert (tables.recode_yes_no("Adhérent"), tables.recode_yes_no("ex adherent"), tables.recode_yes_no("oui")) == (1, 0, 1)

"""Partner directories as directors send them: encodings, separators, XLSX, French
headers, recoding, duplicates, all-or-nothing with every problem listed."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from effipia.errors import Problem, ValidationFailed
from effipia.registry import read_directories
from effipia.schema import PARTNER_COLUMNS

KNOWN = ["CMQ-BDB", "CMQ-AERO"]


def expected_id(campus: str, normalised_name: str) -> str:
    # The documented rule: campus + first 10 hex digits of SHA-1 of "campus␟normalised name".
    return f"{campus}-" + hashlib.sha1(f"{campus}\x1f{normalised_name}".encode()).hexdigest()[:10]


def refused(paths, **options) -> list[str]:
    """Every problem, as printed, of reading ``paths`` that must fail."""
    with pytest.raises(ValidationFailed) as info:
        read_directories(paths, **options)
    return [str(p) for p in info.value.problems]


def read_bdb(path):
    """``path`` read as the directory of CMQ-BDB, against the two known campuses."""
    return read_directories(path, campus="CMQ-BDB", known_campuses=KNOWN)


def test_utf8_bom_semicolon_file_for_one_campus(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "bdb.csv",
        [
            "Raison sociale;Catégorie;Membre du consortium;SIRET;UAI;Courriel",
            "Lycée professionnel Abbé Pierre;Lycée professionnel;x;;0351962T;ce.0351962t@ac-rennes.fr",
            "Google France;Entreprises;;732 829 320 00074;;",
            "La Poste;Entreprise;non;35600000049837;;",
            "OPCO 2i;OPCO;oui;;;",
            "CCI Ille-et-Vilaine;Chambre de commerce et d'industrie;;;;",
        ],
        bom=True,
    )
    result = read_bdb(path)
    df = result.partners
    assert df.columns == list(PARTNER_COLUMNS)
    assert result.rows_read == 5 and result.merges == []
    by_name = {row["name"]: row for row in df.to_dicts()}
    lycee = by_name["Lycée professionnel Abbé Pierre"]
    assert (lycee["category"], lycee["partner_type"], lycee["consortium"], lycee["uai"]) == ("lycee", "lycee", 1, "0351962T")
    assert lycee["partner_id"] == expected_id("CMQ-BDB", "lycee professionnel abbe pierre")
    assert lycee["email"] == "ce.0351962t@ac-rennes.fr"
    google = by_name["Google France"]
    assert (google["category"], google["partner_type"], google["consortium"], google["siret"]) == (
        "entreprise",
        "entreprise",
        0,  # empty cell of a present consortium column = not a member
        "73282932000074",
    )
    assert by_name["La Poste"]["siret"] == "35600000049837"
    # OPCO and CCI: survey group "autre", partner types of the « intermédiation » aggregate.
    assert (by_name["OPCO 2i"]["category"], by_name["OPCO 2i"]["partner_type"], by_name["OPCO 2i"]["consortium"]) == ("autre", "opco", 1)
    assert by_name["CCI Ille-et-Vilaine"]["partner_type"] == "chambre_consulaire"
    assert set(df["campus_id"]) == {"CMQ-BDB"}
    assert df["pia_concerned"].null_count() == 5  # no such column in the file: unknown


def test_cp1252_comma_file_and_header_variants(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "aero.csv",
        [
            "Nom de la structure,Type de partenaire,Consortium,N° SIRET,Code UAI,E-mail,Code commune",
            "Lycée polyvalent Xavier Bichat,LPO,Oui,,0010032E,,1269",
            "Université de Toulouse,Université,Oui,,,,31555",
            '"Fédération des industries, mécaniques",Fédération professionnelle,Non,,,,',
        ],
        "cp1252",
    )
    df = read_directories(path, campus="CMQ-AERO", known_campuses=KNOWN).partners.sort("name")
    assert df["name"].to_list() == [
        "Fédération des industries, mécaniques",
        "Lycée polyvalent Xavier Bichat",
        "Université de Toulouse",
    ]
    assert df["partner_type"].to_list() == ["federation", "lycee", "universite"]
    assert df["category"].to_list() == ["autre", "lycee", "superieur"]
    assert df["consortium"].to_list() == [0, 1, 1]
    assert df["commune_insee"].to_list() == [None, "01269", "31555"]  # Excel dropped Nantua's leading zero


def test_xlsx_with_a_title_line_and_numeric_cells(tmp_path, write_xlsx) -> None:
    path = write_xlsx(
        tmp_path / "annuaire.xlsx",
        [
            ["Annuaire des partenaires du campus — automne 2022"],
            [],
            ["Raison sociale", "Catégorie", "Membre du consortium", "SIRET", "Code NAF", "Tranche d'effectif"],
            ["EDF", "Grande entreprise", "X", 55208131766522, "3511Z", 53],
            ["Association Bâtir ensemble", "Association", None, None, None, None],
        ],
    )
    result = read_bdb(path)
    edf = result.partners.filter(pl.col("name") == "EDF").to_dicts()[0]
    assert (edf["siret"], edf["naf"], edf["size_class"], edf["consortium"]) == ("55208131766522", "35.11Z", "53", 1)
    assert result.rows_read == 2


def test_combined_file_with_a_campus_column(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "tous.csv",
        ["Campus;Raison sociale;Catégorie", "CMQ-BDB;Google France;Entreprise", "CMQ-AERO;Google France;Entreprise"],
    )
    df = read_directories(path, known_campuses=KNOWN).partners
    # Same name in two campuses: two partners, not a duplicate.
    assert sorted(df["partner_id"].to_list()) == sorted(
        [expected_id("CMQ-BDB", "google france"), expected_id("CMQ-AERO", "google france")]
    )


def test_duplicates_within_a_campus_are_merged_and_reported(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "bdb.csv",
        [
            "Raison sociale;Catégorie;Membre du consortium;SIRET;UAI;Courriel",
            "Google France;Entreprise;;73282932000074;;",
            "GOOGLE FRANCE SARL;Entreprise;x;732 829 320 00074;;contact@example.fr",
            "Lycée Abbé Pierre;Lycée;;;0351962T;",
            "Lycee professionnel Abbe Pierre;Lycée;;;0351962T;",
            "Google  france;Entreprise;;;;",
        ],
    )
    result = read_bdb(path)
    assert result.rows_read == 5 and result.partners.height == 2
    google = result.partners.filter(pl.col("siret") == "73282932000074").to_dicts()[0]
    # The first row is kept; empty cells are filled from the merged rows; membership is kept.
    assert (google["name"], google["email"], google["consortium"]) == ("Google France", "contact@example.fr", 1)
    merges = {m.reason: m for m in result.merges}
    assert merges["siret"].sources == ((str(path), 2), (str(path), 3), (str(path), 6))
    assert merges["uai"].sources == ((str(path), 4), (str(path), 5))
    assert str(merges["uai"]) == f"campus CMQ-BDB : « Lycée Abbé Pierre » fusionné (même UAI) : lignes {path}:4, {path}:5"


def test_every_problem_is_reported_at_once(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "tous.csv",
        [
            "Campus;Raison sociale;Catégorie;SIRET;UAI;Courriel",
            "CMQ-BDB;Google France;Entreprise;73282932000075;;",
            "CMQ-BDB;Lycée Xavier Bichat;Lycée;;0010032F;",
            "CMQ-XYZ;Truc;Machin chose;;;pas-une-adresse",
            "CMQ-BDB;;Entreprise;7328293200007;;",
        ],
    )
    f = str(path)
    assert refused(path, known_campuses=KNOWN) == [
        f"{f}:2:SIRET: SIRET invalide : 73282932000075 (clé de contrôle incorrecte)",
        f"{f}:3:UAI: UAI invalide : 0010032F (la lettre de contrôle devrait être E)",
        f"{f}:4:Campus: campus inconnu du registre : CMQ-XYZ",
        f"{f}:4:Catégorie: catégorie inconnue : « Machin chose » (à ajouter à une table de recodage category_recoding.csv : option --recoding ou dossier EFFIPIA_REGISTRY_TABLES)",
        f"{f}:4:Courriel: adresse électronique invalide : « pas-une-adresse »",
        f"{f}:5:Raison sociale: nom du partenaire manquant",
        f"{f}:5:SIRET: SIRET invalide : « 7328293200007 » (14 chiffres attendus)",
    ]


def test_file_level_problems(tmp_path, write_csv) -> None:
    undecodable = tmp_path / "latin.csv"
    # Line 2 holds 0x81: not UTF-8, and undefined in Windows-1252 (UTF-16 with a BOM is read).
    undecodable.write_bytes("Raison sociale;Catégorie\n".encode("cp1252") + b"A\x81;B\n")
    no_name = write_csv(tmp_path / "sans_nom.csv", ["Catégorie;SIRET", "Entreprise;73282932000074"])
    no_campus = write_csv(tmp_path / "sans_campus.csv", ["Raison sociale;Catégorie", "EDF;Entreprise"])
    assert refused([undecodable, no_name, no_campus], known_campuses=KNOWN) == [
        f"{undecodable}:2:: octets illisibles en Windows-1252 : enregistrez le fichier en UTF-8",
        f"{no_campus}:1:: colonne du campus absente : ajoutez une colonne « Campus » ou précisez --campus",
        f"{no_name}::: colonne du nom du partenaire introuvable dans les 10 premières lignes "
        "(en-têtes reconnus : « Raison sociale », « Nom de la structure », « Nom »…)",
    ]


def test_cp1252_undefined_bytes_cannot_be_decoded(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"Raison sociale;Cat\x81gorie\nA;B\n")  # 0x81: invalid UTF-8, undefined in Windows-1252
    with pytest.raises(ValidationFailed) as info:
        read_directories(path, campus="CMQ-BDB")
    assert info.value.problems == [Problem.at(str(path), 1, None, "reading.undecodable_line", encoding="Windows-1252")]


def test_unknown_campus_option(tmp_path, write_csv) -> None:
    path = write_csv(tmp_path / "a.csv", ["Raison sociale;Catégorie", "EDF;Entreprise"])
    assert refused(path, campus="CMQ-NOPE", known_campuses=KNOWN) == [f"{path}::: campus inconnu du registre : CMQ-NOPE"]


def test_reimporting_the_same_file_changes_nothing(tmp_path, store, write_csv) -> None:
    path = write_csv(
        tmp_path / "bdb.csv",
        ["Raison sociale;Catégorie;SIRET", "Google France;Entreprise;73282932000074", "OPCO 2i;OPCO;"],
    )
    first = read_bdb(path).partners
    stats = store.write_partners("2022", first)
    assert (stats.created, stats.updated, stats.unchanged) == (2, 0, 0)
    before = store.partners("2022")
    again = read_bdb(path).partners
    stats = store.write_partners("2022", again)
    assert (stats.created, stats.updated, stats.unchanged) == (0, 0, 2)
    assert store.partners("2022").equals(before)
    assert sorted(before["analysis_category"].to_list()) == ["entreprises", "intermediation"]


def test_an_annuaire_de_l_education_extract_imports_as_it_is(tmp_path, shared_dir) -> None:
    """The ministry's directory layout (86 Ille-et-Vilaine lycées, real UAIs): its headers
    « Identifiant_de_l_etablissement »… are not aliases, so the file is mapped through
    « Nom de l'établissement » / « Catégorie » / « UAI » / « Code commune » copies of its columns."""
    source = pl.read_csv(shared_dir / "data" / "lycees" / "annuaire_education_lycees_ille_et_vilaine.csv", infer_schema=False)
    directory = source.select(
        pl.col("Nom_etablissement").alias("Nom de l'établissement"),
        pl.col("libelle_nature").alias("Catégorie"),
        pl.col("Identifiant_de_l_etablissement").alias("UAI"),
        pl.col("Code_commune").alias("Code commune"),
    )
    path = tmp_path / "lycees_35.csv"
    directory.write_csv(path, separator=";")
    result = read_bdb(path)
    assert result.rows_read == 86
    # The extract lists two establishments twice under two names (0352072M Saint-Malo,
    # 0350778F Rennes/Retiers): same UAI, merged. Two lycées are both « Lycée professionnel
    # Notre-Dame » (Redon 0350790U, Saint-Méen-le-Grand 0350807M): different UAIs, kept apart.
    merged_uais = {result.partners.filter(pl.col("name") == m.name)["uai"].item() for m in result.merges}
    assert [m.reason for m in result.merges] == ["uai", "uai"] and merged_uais == {"0352072M", "0350778F"}
    assert result.partners.height == 84 and result.partners["partner_id"].n_unique() == 84
    assert set(result.partners["category"]) == {"lycee"}
    assert set(result.partners["uai"]) == set(source["Identifiant_de_l_etablissement"])
    notre_dame = result.partners.filter(pl.col("name") == "Lycée professionnel Notre-Dame").sort("uai")
    assert notre_dame["partner_id"].to_list() == [
        expected_id("CMQ-BDB", "lycee professionnel notre dame\x1f0350790U"),
        expected_id("CMQ-BDB", "lycee professionnel notre dame\x1f0350807M"),
    ]

    # One wrong check letter in the real file: the whole import is refused, at that line.
    first = directory["UAI"][0]
    wrong = first[:7] + ("A" if first[7] != "A" else "B")
    directory.with_columns(pl.col("UAI").replace({first: wrong})).write_csv(path, separator=";")
    assert refused(path, campus="CMQ-BDB", known_campuses=KNOWN) == [f"{path}:2:UAI: UAI invalide : {wrong} (la lettre de contrôle devrait être {first[7]})"]


def test_the_annuaire_de_l_education_file_itself_imports_with_its_own_headers(shared_dir) -> None:
    """The ministry's headers as published (« Nom_etablissement », « libelle_nature »,
    « Identifiant_de_l_etablissement », « Code_commune ») are aliases: the real file, unchanged."""
    path = shared_dir / "data" / "lycees" / "annuaire_education_lycees_ille_et_vilaine.csv"
    source = pl.read_csv(path, infer_schema=False)
    result = read_bdb(path)
    # Same counts as the renamed copy above: 86 rows, 2 merged on their UAI, 84 partners.
    assert result.rows_read == 86 and result.partners.height == 84
    assert set(result.partners["category"]) == {"lycee"}
    assert set(result.partners["uai"]) == set(source["Identifiant_de_l_etablissement"])
    # First data row of the file: 0351962T, Lycée professionnel Abbé Pierre, Tinténiac (35337).
    abbe = result.partners.filter(pl.col("uai") == "0351962T").row(0, named=True)
    assert (abbe["name"], abbe["commune_insee"]) == ("Lycée professionnel Abbé Pierre", "35337")


def test_homonyms_with_different_sirets_stay_apart(tmp_path, write_csv) -> None:
    path = write_csv(
        tmp_path / "bdb.csv",
        ["Raison sociale;Catégorie;SIRET", "Dupont;Entreprise;73282932000074", "DUPONT;Entreprise;55208131766522"],
    )
    result = read_directories(path, campus="CMQ-BDB")
    assert result.merges == []
    assert sorted(result.partners["partner_id"]) == sorted(
        [expected_id("CMQ-BDB", "dupont\x1f73282932000074"), expected_id("CMQ-BDB", "dupont\x1f55208131766522")]
    )


def test_missing_file_and_unknown_format(tmp_path) -> None:
    old_excel = tmp_path / "annuaire.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # OLE2 signature of Excel 97-2003 files
    absent = tmp_path / "absent.csv"
    assert refused([absent, old_excel], campus="CMQ-BDB") == [
        f"{absent}::: fichier introuvable : {absent}",
        f"{old_excel}::: format de fichier non reconnu (.xls) : formats acceptés CSV et XLSX",
    ]


def test_excel_sep_line_and_a_title_line(tmp_path, write_csv) -> None:
    # « sep=, » (Excel's directive) then a title with a semicolon: the directive decides.
    path = write_csv(
        tmp_path / "excel.csv",
        [
            "sep=,",
            "Annuaire du campus ; automne 2022",
            "Raison sociale,Catégorie,SIRET",
            '"Dupont, Durand et fils",Entreprise,73282932000074',
            "OPCO 2i,OPCO,",
        ],
        "cp1252",
    )
    result = read_bdb(path)
    assert result.partners.sort("name")["name"].to_list() == ["Dupont, Durand et fils", "OPCO 2i"]
    # Lines as in the file: the sep= line is line 1, the header line 2, the bad SIRET row line 3.
    path = write_csv(tmp_path / "bad.csv", ["sep=;", "Raison sociale;Catégorie;SIRET", "EDF;Entreprise;123"], bom=True)
    assert refused(path, campus="CMQ-BDB", known_campuses=KNOWN) == [f"{path}:3:SIRET: SIRET invalide : « 123 » (14 chiffres attendus)"]


def test_title_line_without_directive_does_not_decide_the_separator(tmp_path, write_csv) -> None:
    # The title's comma is the only one: counted over the first lines, « ; » wins.
    path = write_csv(
        tmp_path / "titre.csv",
        ["Partenaires, automne 2022", "Raison sociale;Catégorie;Consortium", "EDF;Entreprise;oui", "OPCO 2i;OPCO;non"],
    )
    df = read_bdb(path).partners.sort("name")
    assert df["consortium"].to_list() == [1, 0]


def test_codebook_layout_keeps_the_partner_type_and_checks_the_group(tmp_path, write_csv) -> None:
    # A directory in the codebook layout (as `effipia synth` writes it): « partner_type » is the
    # finer type, « category » the survey group. partner_types.csv: association → group autre,
    # lycee → group lycee.
    path = write_csv(
        tmp_path / "canonique.csv",
        [
            "partner_id,campus_id,name,category,partner_type",
            "P1,CMQ-BDB,Association Bâtir,autre,association",
            "P2,CMQ-BDB,Google France,entreprise,",
            "P3,CMQ-BDB,Lycée Abbé Pierre,,lycee",
        ],
    )
    df = read_directories(path, known_campuses=KNOWN).partners
    assert df.select("partner_id", "category", "partner_type").rows() == [
        ("P1", "autre", "association"),  # the category column alone would have given type « autre »
        ("P2", "entreprise", None),  # no type given: unknown, not guessed from the group
        ("P3", "lycee", "lycee"),
    ]
    bad = write_csv(tmp_path / "incoherent.csv", ["partner_id,campus_id,name,category,partner_type", "P1,CMQ-BDB,EDF,lycee,entreprise"])
    assert refused(bad, known_campuses=KNOWN) == [
        f"{bad}:2:category: catégorie « lycee » incompatible avec le type entreprise (groupe d'enquête entreprise)"
    ]


def test_damaged_workbook_is_a_problem_of_its_file(tmp_path) -> None:
    damaged = tmp_path / "annuaire.xlsx"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 60)  # a ZIP signature and nothing readable after it
    [problem] = refused(damaged, campus="CMQ-BDB")
    assert problem == f"{damaged}::: classeur XLSX illisible : archive zip endommagée ou tronquée (fichier incomplet ?)"


def test_usual_variants_of_training_and_consular_categories(tmp_path, write_csv) -> None:
    # Category texts met in directors' directories, each mapped in category_recoding.csv:
    # CFA variants are CFAs, the CNAM a higher-education school, an EPLE a lycée, regional
    # chambers consular chambers.
    cases = {
        "CFA académique": "cfa", "CFAI": "cfa", "CFA BTP": "cfa", "CNAM": "ecole_superieure",
        "EPLE": "lycee", "Lycée privé sous contrat": "lycee", "Chambre régionale d'agriculture": "chambre_consulaire",
        "CRMA": "chambre_consulaire",
    }
    lines = ["Raison sociale;Catégorie"] + [f"Structure {i};{text}" for i, text in enumerate(cases)]
    result = read_bdb(write_csv(tmp_path / "bdb.csv", lines))
    got = dict(zip(result.partners.sort("name")["name"], result.partners.sort("name")["partner_type"], strict=True))
    assert got == {f"Structure {i}": code for i, code in enumerate(cases.values())}

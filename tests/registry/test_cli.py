"""``effipia campuses import`` and ``effipia partners import`` end to end (Typer runner)."""

from __future__ import annotations

from typer.testing import CliRunner

from effipia.cli import app
from effipia.store import Store

CAMPUS_LINES = [
    "Identifiant;Nom du campus;Lettre;Filière;Région",
    "CMQ-BDB;CMQ bâtiment durable Bretagne;A;F04;Bretagne",
    "CMQ-AERO;CMQ d'excellence aéronautique et spatial Occitanie;B;F06;Occitanie",
]


def run(url: str, *args: str):
    return CliRunner().invoke(app, ["--db", url, *args])


def test_import_campuses_then_partners(tmp_path, sqlite_url, write_csv) -> None:
    campuses = write_csv(tmp_path / "campus.csv", CAMPUS_LINES, "utf-8")
    result = run(sqlite_url, "campuses", "import", str(campuses))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Campus : 2 lus, 2 créés, 0 mis à jour, 0 inchangés."
    assert run(sqlite_url, "campuses", "import", str(campuses)).stdout.strip() == (
        "Campus : 2 lus, 0 créés, 0 mis à jour, 2 inchangés."
    )

    directory = write_csv(
        tmp_path / "bdb.csv",
        [
            "Raison sociale,Catégorie,Membre du consortium,SIRET",
            "Google France,Entreprise,x,73282932000074",
            "GOOGLE FRANCE,Entreprise,,",
            "OPCO Constructys,OPCO,,",
        ],
        "cp1252",
    )
    result = run(sqlite_url, "partners", "import", str(directory), "--campus", "CMQ-BDB", "--campaign", "2022")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"campus CMQ-BDB : « Google France » fusionné (même nom) : lignes {directory}:2, {directory}:3",
        "Partenaires (campagne « 2022 ») : 3 lignes lues, 1 doublons fusionnés, 2 créés, 0 mis à jour, 0 inchangés.",
    ]
    # One campaign in the store: --campaign may be left out; nothing changes the second time.
    result = run(sqlite_url, "partners", "import", str(directory), "--campus", "CMQ-BDB")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "Partenaires (campagne « 2022 ») : 3 lignes lues, 1 doublons fusionnés, 0 créés, 0 mis à jour, 2 inchangés."
    )
    assert Store(sqlite_url).counts() == {"campaigns": 1, "campuses": 2, "partners": 2, "invitations": 0, "responses": 0}


def test_failing_import_lists_every_problem_and_writes_nothing(tmp_path, sqlite_url, write_csv) -> None:
    run(sqlite_url, "campuses", "import", str(write_csv(tmp_path / "campus.csv", CAMPUS_LINES, "utf-8")))
    good = write_csv(tmp_path / "aero.csv", ["Campus;Raison sociale;Catégorie", "CMQ-AERO;Airbus;Entreprise"], "utf-8")
    bad = write_csv(
        tmp_path / "bdb.csv",
        ["Raison sociale;Catégorie;UAI", "Lycée Xavier Bichat;Lycée;0010032F", "Truc;Bidule;"],
        "utf-8",
    )
    result = run(sqlite_url, "partners", "import", str(good), str(bad), "--campaign", "2022")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Échec : 3 problème(s), rien n'a été enregistré.",
        f"{bad}:1:: colonne du campus absente : ajoutez une colonne « Campus » ou précisez --campus",
        f"{bad}:2:UAI: UAI invalide : 0010032F (la lettre de contrôle devrait être E)",
        f"{bad}:3:Catégorie: catégorie inconnue : « Bidule » (à ajouter à une table de recodage category_recoding.csv : option --recoding ou dossier EFFIPIA_REGISTRY_TABLES)",
    ]
    counts = Store(sqlite_url).counts()
    assert (counts["partners"], counts["campaigns"]) == (0, 0)  # not even the campaign was created


def test_campaign_errors(tmp_path, sqlite_url, write_csv) -> None:
    run(sqlite_url, "campuses", "import", str(write_csv(tmp_path / "campus.csv", CAMPUS_LINES, "utf-8")))
    directory = write_csv(tmp_path / "bdb.csv", ["Raison sociale;Catégorie", "EDF;Entreprise"], "utf-8")
    result = run(sqlite_url, "partners", "import", str(directory), "--campus", "CMQ-BDB")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Erreur : aucune campagne dans la base : précisez --campaign NOM pour la créer"
    for name in ("2021", "2022"):
        assert run(sqlite_url, "partners", "import", str(directory), "--campus", "CMQ-BDB", "--campaign", name).exit_code == 0
    result = run(sqlite_url, "partners", "import", str(directory), "--campus", "CMQ-BDB")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Erreur : plusieurs campagnes dans la base (2021, 2022) : précisez --campaign"


def test_bad_campus_file_exit_code(tmp_path, sqlite_url, write_csv) -> None:
    path = write_csv(tmp_path / "campus.csv", ["Identifiant;Nom du campus;Vague PIA", "C1;Campus;9"], "utf-8")
    result = run(sqlite_url, "campuses", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == f"{path}:2:Vague PIA: valeur hors limites : 9 (attendu entre 1 et 5)"
    assert Store(sqlite_url).counts()["campuses"] == 0


def test_user_tables_given_on_the_command_line(tmp_path, sqlite_url, write_csv) -> None:
    # « Code » is the filière here (the shipped aliases read it as the campus identifier, after « Identifiant »).
    aliases = write_csv(
        tmp_path / "aliases.csv",
        ["table;column;alias", "campus;filiere;Code", "partner;name;Entité", "partner;category;Famille d'acteur"],
        "utf-8",
    )
    recoding = write_csv(tmp_path / "recoding.csv", ["text;partner_type", "Incubateur;cluster"], "utf-8")
    campuses = write_csv(tmp_path / "campus.csv", ["Identifiant;Nom du campus;Code", "CMQ-BDB;CMQ bâtiment durable;F04"], "utf-8")
    result = run(sqlite_url, "campuses", "import", str(campuses), "--aliases", str(aliases))
    assert result.exit_code == 0, result.stderr
    assert Store(sqlite_url).campuses()["filiere"].to_list() == ["F04"]
    directory = write_csv(tmp_path / "bdb.csv", ["Entité;Famille d'acteur", "Incubateur Breizh;Incubateur"], "utf-8")
    args = ["partners", "import", str(directory), "--campus", "CMQ-BDB", "--campaign", "2022"]
    result = run(sqlite_url, *args, "--aliases", str(aliases), "--recoding", str(recoding))
    assert result.exit_code == 0, result.stderr
    # partner_types.csv: cluster is in survey group « autre ».
    assert Store(sqlite_url).partners("2022").select("name", "partner_type", "category").rows() == [
        ("Incubateur Breizh", "cluster", "autre")
    ]


def test_malformed_user_table_is_refused_before_anything_is_written(tmp_path, sqlite_url, write_csv) -> None:
    run(sqlite_url, "campuses", "import", str(write_csv(tmp_path / "campus.csv", CAMPUS_LINES, "utf-8")))
    recoding = write_csv(tmp_path / "recoding.csv", ["text;partner_type", "Incubateur;incubateur"], "utf-8")
    directory = write_csv(tmp_path / "bdb.csv", ["Raison sociale;Catégorie", "EDF;Entreprise"], "utf-8")
    result = run(sqlite_url, "partners", "import", str(directory), "--campus", "CMQ-BDB", "--campaign", "2022",
                 "--recoding", str(recoding))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Échec : 1 problème(s), rien n'a été enregistré."
    assert lines[1].startswith(f"{recoding}:2:partner_type: type de partenaire inconnu : « incubateur » (codes de partner_types.csv : lycee, ")
    assert Store(sqlite_url).counts()["campaigns"] == 0
    result = run(sqlite_url, "campuses", "import", str(tmp_path / "campus.csv"), "--aliases", str(tmp_path / "absent.csv"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'absent.csv'}" in result.stderr


def test_user_tables_from_the_environment_folder(tmp_path, sqlite_url, write_csv, monkeypatch) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    write_csv(folder / "category_recoding.csv", ["text;partner_type", "Incubateur;cluster"], "utf-8")
    run(sqlite_url, "campuses", "import", str(write_csv(tmp_path / "campus.csv", CAMPUS_LINES, "utf-8")))
    directory = write_csv(tmp_path / "bdb.csv", ["Raison sociale;Catégorie", "Incubateur Breizh;Incubateur"], "utf-8")
    args = ["partners", "import", str(directory), "--campus", "CMQ-BDB", "--campaign", "2022"]
    assert run(sqlite_url, *args).exit_code == 1  # « Incubateur » is not in the shipped recoding
    monkeypatch.setenv("EFFIPIA_REGISTRY_TABLES", str(folder))
    result = run(sqlite_url, *args)
    assert result.exit_code == 0, result.stderr
    assert Store(sqlite_url).partners("2022")["partner_type"].to_list() == ["cluster"]

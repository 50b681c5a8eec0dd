"""A write the database refuses is reported in French with its table and key, the
driver's own text translated (never its English) in parentheses."""

from __future__ import annotations

import sqlite3

import polars as pl
import pytest
import sqlalchemy as sa
from utils.registry import campus_frame, store_with_campuses

from effipia.errors import EffipiaError, message
from effipia.store import Store
from effipia.store.failures import write_error

PARTNERS = pl.DataFrame({"partner_id": ["P1"], "campus_id": ["CMQ-AERO"], "name": ["Lycée Déodat de Séverac"]})


def test_text_longer_than_its_column_names_table_and_column(postgres_url: str) -> None:
    # PostgreSQL enforces VARCHAR lengths (SQLite does not): partners.name is VARCHAR(500).
    store = store_with_campuses(postgres_url, campus_frame())
    long_name = PARTNERS.with_columns(pl.lit("x" * 501).alias("name"))
    with pytest.raises(EffipiaError) as info:
        store.write_partners("2022", long_name)
    assert info.value.code == "store.constraint_too_long"
    french = "table partenaires : texte trop long pour la colonne name (500), rien n'a été enregistré ("
    assert str(info.value).startswith(french)
    assert str(info.value).endswith("(texte plus long que les 500 caractères de la colonne)")
    assert "value too long" not in str(info.value)
    assert store.counts()["partners"] == 0 and store.campaign_names() == []


@pytest.mark.parametrize(
    ("statement", "driver", "code", "table", "columns", "french"),
    [
        # Texts of sqlite3's errors as SQLite 3 words them.
        ("INSERT INTO partners (campus_id) VALUES (?)", "NOT NULL constraint failed: partners.campus_id",
         "store.constraint_not_null", "partenaires", "campus_id", "driver.not_null"),
        ("INSERT INTO invitations (token) VALUES (?)", "FOREIGN KEY constraint failed",
         "store.constraint_foreign_key", "invitations", "?", "driver.foreign_key"),
        ("UPDATE responses SET answers=? WHERE respondent_id=?", "CHECK constraint failed: answers",
         "store.constraint_check", "réponses", "?", "driver.check"),
    ],
)
def test_sqlite_constraint_texts_are_translated(statement, driver, code, table, columns, french) -> None:
    exc = sa.exc.IntegrityError(statement, (), sqlite3.IntegrityError(driver))
    error = write_error(exc)
    assert error.code == code
    assert str(error) == message(code, table=table, columns=columns, key="", detail=message(french))
    assert driver not in str(error)


def test_other_refusals_keep_a_french_sentence() -> None:
    exc = sa.exc.OperationalError("INSERT INTO responses (answers) VALUES (?)", (), sqlite3.OperationalError("database is locked"))
    error = write_error(exc)
    assert str(error) == "écriture refusée par la base de données (table réponses), rien n'a été enregistré (base verrouillée par un autre programme : réessayez dans un instant)"


def test_a_failing_read_is_reported_in_french(sqlite_url: str) -> None:
    store = store_with_campuses(sqlite_url, campus_frame())
    with store.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("DROP TABLE campuses")  # a database damaged behind the store's back
    with pytest.raises(EffipiaError) as info:
        store.campuses()
    assert str(info.value) == (
        f"lecture impossible dans la base de données {sqlite_url} (schéma de la base incomplet ou endommagé (table campuses absente))"
    )


def test_read_only_database_is_said_in_french(tmp_path) -> None:
    # A store on a database file without write permission (as root, chmod is not enough:
    # SQLite opened read-only through its URI gives the same « readonly database » refusal).
    path = tmp_path / "effipia.db"
    store_with_campuses(f"sqlite:///{path}", campus_frame()).close()
    store = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(EffipiaError) as info:
        store.write_campuses(campus_frame().with_columns(pl.lit("Autre nom").alias("name")))
    assert str(info.value).endswith(f"({message('driver.readonly')})")
    assert "readonly" not in str(info.value)


def test_unopenable_database_file_is_said_in_french(tmp_path) -> None:
    with pytest.raises(EffipiaError) as info:
        Store(f"sqlite:///{tmp_path}/absent/dossier/effipia.db")
    assert str(info.value).endswith(f" : {message('driver.cannot_open')}")
    assert "unable to open" not in str(info.value)


def test_refused_postgres_connection_is_said_in_french() -> None:
    # Port 1 on the loopback: nothing listens there, psycopg says « connection failed … refused ».
    with pytest.raises(EffipiaError) as info:
        Store("postgresql+psycopg://effipia@127.0.0.1:1/effipia?connect_timeout=3")
    assert str(info.value).endswith(f" : {message('driver.connection_refused')}")
    assert "connection failed" not in str(info.value)


def test_empty_database_url_is_refused() -> None:
    with pytest.raises(EffipiaError) as info:
        Store("")
    assert str(info.value) == message("reading.empty_database_url")

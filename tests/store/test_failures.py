"""A write the database refuses is reported in French with its table and key, the
driver's own text only in parentheses."""

from __future__ import annotations

import sqlite3

import polars as pl
import pytest
import sqlalchemy as sa
from utils.registry import campus_frame, store_with_campuses

from effipia.errors import EffipiaError, message
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
    assert "value too long for type character varying(500)" in str(info.value)
    assert store.counts()["partners"] == 0 and store.campaign_names() == []


@pytest.mark.parametrize(
    ("statement", "driver", "code", "table", "columns"),
    [
        # Texts of sqlite3's errors as SQLite 3 words them.
        ("INSERT INTO partners (campus_id) VALUES (?)", "NOT NULL constraint failed: partners.campus_id",
         "store.constraint_not_null", "partenaires", "campus_id"),
        ("INSERT INTO invitations (token) VALUES (?)", "FOREIGN KEY constraint failed",
         "store.constraint_foreign_key", "invitations", "?"),
        ("UPDATE responses SET answers=? WHERE respondent_id=?", "CHECK constraint failed: answers",
         "store.constraint_check", "réponses", "?"),
    ],
)
def test_sqlite_constraint_texts_are_translated(statement, driver, code, table, columns) -> None:
    exc = sa.exc.IntegrityError(statement, (), sqlite3.IntegrityError(driver))
    error = write_error(exc)
    assert error.code == code
    assert str(error) == message(code, table=table, columns=columns, key="", detail=driver)
    assert str(error).endswith(f"({driver})")


def test_other_refusals_keep_a_french_sentence() -> None:
    exc = sa.exc.OperationalError("INSERT INTO responses (answers) VALUES (?)", (), sqlite3.OperationalError("database is locked"))
    error = write_error(exc)
    assert str(error) == "écriture refusée par la base de données (table réponses), rien n'a été enregistré (database is locked)"


def test_a_failing_read_is_reported_in_french(sqlite_url: str) -> None:
    store = store_with_campuses(sqlite_url, campus_frame())
    with store.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("DROP TABLE campuses")  # a database damaged behind the store's back
    with pytest.raises(EffipiaError) as info:
        store.campuses()
    assert str(info.value) == f"lecture impossible dans la base de données {sqlite_url} (no such table: campuses)"

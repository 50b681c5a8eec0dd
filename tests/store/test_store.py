"""Store API on SQLite and PostgreSQL: migrations, round trips, upserts, all-or-nothing."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib.resources import files

import polars as pl
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from utils.registry import campus_frame, store_with_campuses

from effipia.errors import EffipiaError, message
from effipia.schema import INVITATION_COLUMNS, PARTNER_COLUMNS, RESPONSE_ID_COLUMNS
from effipia.store import PARTNER_STORE_COLUMNS, Store, WriteStats
from effipia.store.engine import head_revision
from effipia.store.models import Base

CAMPUSES = campus_frame()

PARTNERS = pl.DataFrame(
    {
        "partner_id": ["P1", "P2", "P3", "P4"],
        "campus_id": ["CMQ-AERO", "CMQ-AERO", "CMQ-BDB", "CMQ-BDB"],
        "name": ["Lycée Déodat de Séverac", "OPCO 2i", "Google France", "Association Bâtir"],
        "category": ["lycee", "autre", "entreprise", "autre"],
        "partner_type": ["lycee", "opco", None, None],
        "consortium": [1, 0, 1, None],
        "pia_concerned": [1, None, 0, None],
        "email": ["ce.0310044a@ac-toulouse.fr", None, "contact@example.fr", None],
        "siret": [None, None, "73282932000074", None],
        "naf": [None, None, "70.10Z", None],
        "size_class": [None, None, "41", None],
        "uai": ["0310044A", None, None, None],
        "commune_insee": ["31555", None, "75108", None],
    },
    schema=PARTNER_COLUMNS,
)

INVITATIONS = pl.DataFrame(
    {
        "partner_id": ["P1", "P3"],
        "campus_id": ["CMQ-AERO", "CMQ-BDB"],
        "category": ["lycee", "entreprise"],
        "token": ["tok-aaa", "tok-bbb"],
        "status": ["sent", "pending"],
    },
    schema=INVITATION_COLUMNS,
)

RESPONSES = pl.DataFrame(
    {
        "respondent_id": ["P3", "P1"],
        "campus_id": ["CMQ-BDB", "CMQ-AERO"],
        "category": ["entreprise", "lycee"],
        "partner_type": [None, "lycee"],
        "consortium": [1, 1],
        "pia_concerned": [0, 1],
        "dyn_1": [1, 9],
        "lead_1": [None, 8],
        "real_known_6": [1, None],
        "expectations": ["exp_anticiper_competences exp_liens_recherche", None],
    },
    schema={**RESPONSE_ID_COLUMNS, "dyn_1": pl.Int64, "lead_1": pl.Int64, "real_known_6": pl.Int64, "expectations": pl.String},
)


def full_store(url: str) -> Store:
    store = Store(url)
    store.write_campaign("2022", campuses=CAMPUSES, partners=PARTNERS, invitations=INVITATIONS, responses=RESPONSES)
    return store


def snapshot(store: Store) -> tuple:
    names = store.campaign_names()
    per_campaign = tuple((store.partners(n), store.invitations(n), store.responses(n)) for n in names)
    return store.counts(), names, store.campuses(), per_campaign


def assert_same(a: tuple, b: tuple) -> None:
    assert a[0] == b[0] and a[1] == b[1]
    assert a[2].equals(b[2])
    for frames_a, frames_b in zip(a[3], b[3], strict=True):
        for fa, fb in zip(frames_a, frames_b, strict=True):
            assert fa.equals(fb)


def test_migration_creates_the_models_schema(db_url: str) -> None:
    store = Store(db_url)
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        # The newest migration file (NNNN_*.py) is the head, and the store is at it.
        versions = files("effipia.store") / "alembic" / "versions"
        newest = max(p.name[:4] for p in versions.iterdir() if p.name[:4].isdigit())
        assert ctx.get_current_revision() == head_revision() == newest
        # The hand-written migration and the models must describe the same schema.
        assert compare_metadata(ctx, Base.metadata) == []
    assert store.counts() == {"campaigns": 0, "campuses": 0, "partners": 0, "invitations": 0, "responses": 0}
    Store(db_url)  # reopening an up-to-date store is a no-op


def test_migrations_downgrade_and_upgrade_again(db_url: str) -> None:
    from alembic import command

    from effipia.store.engine import _config

    store = full_store(db_url)
    with store.engine.connect() as conn, conn.begin():
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(sa.inspect(store.engine).get_table_names()) <= {"alembic_version"}
    store.close()
    assert Store(db_url).counts() == {"campaigns": 0, "campuses": 0, "partners": 0, "invitations": 0, "responses": 0}


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_two_processes_create_the_same_store_at_once(db_url: str) -> None:
    code = "import sys; from effipia.store import Store; Store(sys.argv[1]); print('ok')"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert Store(db_url).counts()["campaigns"] == 0


def test_round_trip_of_every_frame(db_url: str) -> None:
    store = full_store(db_url)
    assert store.campuses().equals(CAMPUSES.sort("campus_id"))
    partners = store.partners("2022")
    assert list(partners.columns) == list(PARTNER_STORE_COLUMNS)
    assert partners.drop("analysis_category").equals(PARTNERS.sort("partner_id"))
    # partner_types.csv: lycee → secondaire, opco → intermediation; without a type, the survey
    # group decides when all its types share one category (entreprise → entreprises), else unknown.
    assert partners["analysis_category"].to_list() == ["secondaire", "intermediation", "entreprises", None]
    # Only the tokens' hashes are stored: invitations come back without them (no salt: these
    # tokens were not derived from a secret key).
    stored = INVITATIONS.drop("token").with_columns(pl.lit(None, pl.String).alias("token_salt"))
    assert store.invitations("2022").equals(stored.sort("partner_id"))
    responses = store.responses("2022")
    assert responses.schema == RESPONSES.schema
    assert responses.equals(RESPONSES.sort("respondent_id"))
    assert store.campaign_items("2022") == {"dyn_1": pl.Int64, "lead_1": pl.Int64, "real_known_6": pl.Int64, "expectations": pl.String}
    assert store.counts() == {"campaigns": 1, "campuses": 2, "partners": 4, "invitations": 2, "responses": 2}


def test_rewriting_the_same_data_changes_nothing(db_url: str) -> None:
    store = full_store(db_url)
    before = snapshot(store)
    stats = store.write_campaign("2022", campuses=CAMPUSES, partners=PARTNERS, invitations=INVITATIONS, responses=RESPONSES)
    assert stats == {
        "campuses": WriteStats(0, 0, 2),
        "partners": WriteStats(0, 0, 4),
        "invitations": WriteStats(0, 0, 2),
        "responses": WriteStats(0, 0, 2),
    }
    assert_same(before, snapshot(store))


def test_upsert_updates_changed_rows_and_inserts_new_ones(db_url: str) -> None:
    store = full_store(db_url)
    changed = PARTNERS.with_columns(
        pl.when(pl.col("partner_id") == "P2").then(pl.lit("OPCO 2i Occitanie")).otherwise(pl.col("name")).alias("name")
    )
    extra = PARTNERS.head(1).with_columns(pl.lit("P5").alias("partner_id"), pl.lit(None, pl.String).alias("uai"))
    assert store.write_partners("2022", pl.concat([changed, extra])) == WriteStats(created=1, updated=1, unchanged=3)
    assert store.partners("2022").filter(pl.col("partner_id") == "P2")["name"].item() == "OPCO 2i Occitanie"
    answers = RESPONSES.with_columns(pl.lit(None, pl.Int64).alias("lead_1"))
    assert store.write_responses("2022", answers) == WriteStats(created=0, updated=1, unchanged=1)
    assert store.responses("2022")["lead_1"].to_list() == [None, None]


def test_responses_merge_by_column(db_url: str) -> None:
    store = full_store(db_url)
    # lead_1 and expectations absent: P1 and P3 keep them; dyn_1 present with a null erases P3's.
    partial = RESPONSES.select(*RESPONSE_ID_COLUMNS, "dyn_1", "real_known_6").with_columns(
        pl.Series("dyn_1", [None, 9], dtype=pl.Int64)
    )
    assert store.write_responses("2022", partial) == WriteStats(created=0, updated=1, unchanged=1)
    stored = store.responses("2022")  # sorted: P1 then P3
    assert stored["dyn_1"].to_list() == [9, None]
    assert stored["lead_1"].to_list() == [8, None]
    assert stored["expectations"].to_list() == [None, "exp_anticiper_competences exp_liens_recherche"]
    new = RESPONSES.head(1).select(*RESPONSE_ID_COLUMNS, "dyn_1").with_columns(pl.lit("P9").alias("respondent_id"))
    assert store.write_responses("2022", new) == WriteStats(created=1)
    assert store.responses("2022").filter(pl.col("respondent_id") == "P9")["lead_1"].item() is None


def test_responses_keep_exactly_the_collected_columns(db_url: str) -> None:
    store = store_with_campuses(db_url, CAMPUSES)
    ids_only = RESPONSES.select(list(RESPONSE_ID_COLUMNS))
    store.write_responses("2023", ids_only)
    assert store.responses("2023").columns == list(RESPONSE_ID_COLUMNS)
    store.write_responses("2023", RESPONSES.select([*RESPONSE_ID_COLUMNS, "dyn_1"]))
    assert store.responses("2023").columns == [*RESPONSE_ID_COLUMNS, "dyn_1"]


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ({"partners": PARTNERS.with_columns(pl.lit("CMQ-XX").alias("campus_id"))}, "store.unknown_campuses"),
        ({"partners": pl.concat([PARTNERS, PARTNERS.head(1)])}, "store.duplicate_key"),
        ({"invitations": INVITATIONS.with_columns(pl.lit("lost").alias("status"))}, "store.bad_status"),
        ({"invitations": INVITATIONS.head(1).with_columns(pl.lit("P404").alias("partner_id"))}, "store.unknown_partners"),
        ({"responses": RESPONSES.with_columns(pl.lit(None, pl.String).alias("respondent_id"))}, "store.missing_key"),
    ],
)
def test_a_failing_write_campaign_writes_nothing(db_url: str, frames: dict, code: str) -> None:
    store = full_store(db_url)
    before = snapshot(store)
    new_campus = pl.DataFrame({"campus_id": ["CMQ-NEW"], "name": ["Nouveau campus"]})
    fresh_tokens = INVITATIONS.with_columns((pl.col("token") + "-2023").alias("token"))
    args = {"campuses": new_campus, "partners": PARTNERS, "invitations": fresh_tokens, "responses": RESPONSES, **frames}
    with pytest.raises(EffipiaError) as info:
        store.write_campaign("2023", **args)
    assert info.value.code == code
    assert_same(before, snapshot(store))


def test_a_database_constraint_rolls_back_the_whole_campaign(db_url: str) -> None:
    store = full_store(db_url)
    before = snapshot(store)
    # Token tok-aaa already belongs to P1 of campaign 2022: the unique index refuses it.
    with pytest.raises(EffipiaError) as info:
        store.write_campaign(
            "2023",
            campuses=pl.DataFrame({"campus_id": ["CMQ-NEW"], "name": ["Nouveau campus"]}),
            partners=PARTNERS,
            invitations=INVITATIONS.head(1),
        )
    # The refusal names the table and the key in French, the driver's text translated in parentheses.
    assert info.value.code == "store.constraint_unique"
    # The key is the token's SHA-256 (the token itself is never stored, nor shown).
    digest = hashlib.sha256(b"tok-aaa").hexdigest()
    french = f"table invitations : valeur déjà enregistrée pour token_hash : {digest} (contrainte d'unicité), rien n'a été enregistré ("
    assert str(info.value).startswith(french)
    assert str(info.value)[len(french):] == f"{message('driver.unique')})"
    assert "constraint failed" not in str(info.value) and "duplicate key" not in str(info.value)
    assert_same(before, snapshot(store))


def test_invitations_take_campus_and_group_from_the_partner(db_url: str) -> None:
    store = full_store(db_url)
    bare = pl.DataFrame({"partner_id": ["P2"], "token": ["tok-ccc"]})
    assert store.write_invitations("2022", bare) == WriteStats(created=1)
    row = store.invitations("2022").filter(pl.col("partner_id") == "P2").to_dicts()[0]
    # P2 is OPCO 2i of CMQ-AERO, survey group "autre" (PARTNERS above); a new invitation is pending.
    assert row == {"partner_id": "P2", "campus_id": "CMQ-AERO", "category": "autre", "status": "pending", "token_salt": None}
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM invitations WHERE partner_id = 'P2'")).scalar_one()
    assert stored == hashlib.sha256(b"tok-ccc").hexdigest()


def test_campaign_resolution_errors_are_french(db_url: str) -> None:
    store = Store(db_url)
    with pytest.raises(EffipiaError, match="^" + message("generic.no_campaign") + "$"):
        store.resolve_campaign(None)
    store.write_campuses(CAMPUSES)
    store.write_partners("2022", PARTNERS)
    assert store.resolve_campaign(None) == "2022"
    with pytest.raises(EffipiaError) as info:
        store.partners("2021")
    assert str(info.value) == "campagne inconnue : 2021"
    assert store.resolve_campaign("2023", create=True) == "2023"
    with pytest.raises(EffipiaError) as info:
        store.responses()
    assert str(info.value) == "plusieurs campagnes dans la base (2022, 2023) : précisez --campaign"


def test_bad_url_is_reported_in_french() -> None:
    with pytest.raises(EffipiaError) as info:
        Store("pas-une-url")
    assert info.value.code == "store.bad_url"


def test_unreachable_database_is_reported_in_french(tmp_path) -> None:
    with pytest.raises(EffipiaError) as info:
        Store(f"sqlite:///{tmp_path}/absent/dossier/effipia.db")
    assert info.value.code == "store.unreachable"
    assert str(info.value).startswith("base de données inaccessible (sqlite:///")


def test_bulk_write_is_fast_on_sqlite(sqlite_url: str) -> None:
    """20 000 partners and responses of 60 items: the full 200 000 benchmark lives in benchmarks/."""
    import time

    n = 20_000
    store = store_with_campuses(sqlite_url, CAMPUSES)
    partners = pl.DataFrame(
        {"partner_id": [f"P{i:06d}" for i in range(n)], "campus_id": ["CMQ-BDB"] * n, "name": [f"Partenaire {i}" for i in range(n)], "category": ["entreprise"] * n}
    )
    items = {f"lead_{k}": pl.int_range(0, n, eager=True) % 4 + 1 for k in range(60)}
    responses = pl.DataFrame({"respondent_id": partners["partner_id"], "campus_id": partners["campus_id"], **items})
    start = time.perf_counter()
    store.write_campaign("2022", partners=partners, responses=responses)
    elapsed = time.perf_counter() - start
    assert store.counts()["responses"] == n
    assert store.responses("2022").select(items.keys()).equals(responses.select(items.keys()))
    assert elapsed < 15, elapsed  # measured about 1 s on the 2-core machine

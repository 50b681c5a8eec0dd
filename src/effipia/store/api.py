"""The Store: frames in, frames out, over SQLAlchemy (SQLite by default, PostgreSQL by URL).

Every ``write_*`` is an upsert by natural key inside one transaction: rows absent
from the store are inserted, rows that differ are updated, identical rows are left
alone (so writing the same frame twice changes nothing), and nothing is deleted.
Bulk paths use Core ``insert()``/``update()`` executemany in chunks.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from effipia.errors import EffipiaError
from effipia.reference.partners import analysis_categories
from effipia.schema import CAMPUS_COLUMNS, INVITATION_COLUMNS, PARTNER_COLUMNS, RESPONSE_ID_COLUMNS, conform
from effipia.store.engine import make_engine, migrate
from effipia.store.failures import driver_detail, write_error
from effipia.store.models import Base

__all__ = ["Store", "WriteStats", "PARTNER_STORE_COLUMNS", "INVITATION_STATUSES", "INVITATION_STORE_COLUMNS"]

_CHUNK = 20_000
_T = Base.metadata.tables
CAMPAIGNS, CAMPUSES, PARTNERS, INVITATIONS, RESPONSES = (
    _T["campaigns"],
    _T["campuses"],
    _T["partners"],
    _T["invitations"],
    _T["responses"],
)

#: Frame returned by :meth:`Store.partners`: the canonical columns plus the analysis category.
PARTNER_STORE_COLUMNS: dict[str, pl.DataType] = {**PARTNER_COLUMNS, "analysis_category": pl.String}

#: Frame of :meth:`Store.interviews` (the interview log of a campaign, Tableau 1).
INTERVIEW_STORE_COLUMNS: dict[str, pl.DataType] = {
    "interview_id": pl.String,
    "campus_id": pl.String,
    "structure": pl.String,
    "category": pl.String,
    "interview_date": pl.Date,
    "source": pl.String,
}

#: Allowed invitation statuses (see ``schema.INVITATION_COLUMNS``): ``refused`` by the
#: respondent's « je ne souhaite pas répondre » link, ``revoked`` by the evaluation team.
INVITATION_STATUSES = ("pending", "sent", "opened", "submitted", "bounced", "refused", "revoked")

#: Frame returned by :meth:`Store.invitations`: no token (only its hash is stored), the salt
#: that regenerates it with the secret key instead.
INVITATION_STORE_COLUMNS: dict[str, pl.DataType] = {
    **{k: v for k, v in INVITATION_COLUMNS.items() if k != "token"},
    "token_salt": pl.String,
}


@dataclass(frozen=True)
class WriteStats:
    """What one write did: rows inserted, rows updated, rows already identical."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _frame(rows: list[Any], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _conform(df: pl.DataFrame, columns: dict[str, pl.DataType], what: str) -> pl.DataFrame:
    for name, dtype in columns.items():
        if name in df.columns:
            try:
                df.get_column(name).cast(dtype, strict=True)
            except pl.exceptions.PolarsError:
                raise EffipiaError("store.bad_column", table=what, column=name) from None
    return conform(df, columns)


def _check_keys(df: pl.DataFrame, key: str, what: str) -> None:
    if df.get_column(key).null_count():
        raise EffipiaError("store.missing_key", table=what, column=key)
    dups = df.filter(pl.col(key).is_duplicated()).get_column(key).unique().sort().to_list()
    if dups:
        raise EffipiaError("store.duplicate_key", table=what, column=key, values=", ".join(dups[:10]))


def _analysis_categories(partners: pl.DataFrame) -> pl.Series:
    """Analysis category of each partner, by the reference stage's one rule
    (:func:`effipia.reference.partners.analysis_categories`)."""
    return analysis_categories(partners)


class Store:
    """Persistent registry and responses; creates and migrates the database on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        if not (url or "").strip():  # « --db "" » must not fall back to ./effipia.db
            raise EffipiaError("reading.empty_database_url")
        try:
            self.engine = make_engine(url)
            migrate(self.engine)
        except (ArgumentError, NoSuchModuleError, ValueError):
            raise EffipiaError("store.bad_url", url=url) from None
        except SQLAlchemyError as exc:
            raise EffipiaError("store.unreachable", url=_safe(url), detail=driver_detail(exc)) from None

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- plumbing
    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            raise write_error(exc, None, self._stored_values) from None

    def _execute(self, conn: sa.Connection, stmt: Any, rows: list[dict[str, Any]]) -> None:
        """Run ``stmt`` for ``rows``; a refusal of the database names the table and the key."""
        try:
            conn.execute(stmt, rows)
        except DBAPIError as exc:
            raise write_error(exc, rows, self._stored_values) from None

    def _insert_many(self, conn: sa.Connection, stmt: Any, extra: dict[str, Any], frame: pl.DataFrame) -> None:
        """Insert the rows of ``frame`` (plus the values ``extra`` common to all) in chunks
        with the driver's ``executemany``: the statement is compiled once and each row
        passed as a tuple (SQLAlchemy's own executemany builds and processes one dictionary
        per row, which costs more than the database's work for 10^5 short rows). Bind
        processors (dates on SQLite…) are applied as SQLAlchemy would: once for ``extra``,
        per value for a column of ``frame`` that has one."""
        dialect = conn.dialect
        columns = [*extra, *frame.columns]
        compiled = stmt.compile(dialect=dialect, column_keys=columns)
        binds = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in compiled.binds.items()}
        containers = any(isinstance(v, (dict, list)) for v in extra.values())  # not a Polars literal
        if set(binds) != set(columns) or containers:  # SQLAlchemy's own path
            for chunk in frame.iter_slices(_CHUNK):
                self._execute(conn, stmt, [{**extra, **row} for row in chunk.to_dicts()])
            return
        constant = {k: (binds[k](v) if binds[k] else v) for k, v in extra.items()}
        order = list(compiled.positiontup) if compiled.positional else columns
        for chunk in frame.iter_slices(_CHUNK):
            processed = chunk.with_columns(
                pl.Series(c, [binds[c](v) for v in chunk.get_column(c).to_list()], dtype=pl.Object)
                for c in chunk.columns if binds[c] is not None
            )
            named = processed.select([pl.lit(constant[c]).alias(c) if c in constant else pl.col(c) for c in order])
            rows: list[Any] = named.rows() if compiled.positional else named.to_dicts()
            try:
                conn.exec_driver_sql(compiled.string, rows)
            except DBAPIError as exc:
                raise write_error(exc, [dict(zip(order, r)) for r in named.rows()], self._stored_values) from None

    def _stored_values(self, table: str, column: str, values: list[Any]) -> list[Any]:
        """Those of ``values`` already in ``table.column`` (to name a duplicate key)."""
        if table not in _T or column not in _T[table].c or not values:
            return []
        col = _T[table].c[column]
        with self._read() as conn:
            return sorted(conn.execute(sa.select(col).where(col.in_(values[:1000])).distinct()).scalars())

    @contextlib.contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise EffipiaError("store.read_failed", url=_safe(self.url), detail=driver_detail(exc)) from None

    @staticmethod
    def _campaign_row(conn: sa.Connection, name: str) -> Any:
        return conn.execute(sa.select(CAMPAIGNS.c.id, CAMPAIGNS.c["items"]).where(CAMPAIGNS.c.name == name)).first()

    def _campaign_id(self, conn: sa.Connection, name: str | None, create: bool) -> int:
        resolved = self._resolve(conn, name, create)
        row = self._campaign_row(conn, resolved)
        if row is None:
            conn.execute(sa.insert(CAMPAIGNS).values(name=resolved, items=[], created_at=_now()))
            row = self._campaign_row(conn, resolved)
        return row.id

    @staticmethod
    def _campaign_frame(conn: sa.Connection, table: sa.Table, columns: dict[str, pl.DataType], cid: int) -> pl.DataFrame:
        """The rows of ``table`` belonging to campaign ``cid``, as a frame of ``columns``."""
        rows = conn.execute(sa.select(*[table.c[c] for c in columns]).where(table.c.campaign_id == cid)).all()
        return _frame(rows, columns)

    def _read_campaign_table(self, table: sa.Table, columns: dict[str, pl.DataType], campaign: str | None) -> pl.DataFrame:
        """A campaign's partners or invitations sorted by ``partner_id`` (code-point order,
        the same on every back-end whatever its collation)."""
        with self._read() as conn:
            return self._campaign_frame(conn, table, columns, self._campaign_id(conn, campaign, create=False)).sort(
                "partner_id"
            )

    @staticmethod
    def _resolve(conn: sa.Connection, name: str | None, create: bool) -> str:
        names = sorted(conn.execute(sa.select(CAMPAIGNS.c.name)).scalars())
        if name is None:
            if len(names) == 1:
                return names[0]
            if not names:
                raise EffipiaError("generic.no_campaign")
            raise EffipiaError("generic.campaign_required", names=", ".join(names))
        if name in names or create:
            return name
        raise EffipiaError("generic.unknown_campaign", name=name)

    def _upsert(
        self,
        conn: sa.Connection,
        table: sa.Table,
        fixed: dict[str, Any],
        key: str,
        incoming: pl.DataFrame,
        existing: pl.DataFrame,
        *,
        on_insert: dict[str, Any] | None = None,
        on_update: dict[str, Any] | None = None,
        bind_types: dict[str, Any] | None = None,
        prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> WriteStats:
        """Insert new keys, update differing rows, count identical ones. ``prepare`` turns
        the compared frame into the table's columns (only for the rows to write)."""
        compare = [c for c in incoming.columns if c != key]
        new = incoming.join(existing.select(key), on=key, how="anti")
        both = incoming.join(existing, on=key, how="inner", suffix="__old")
        if compare:
            differs = pl.any_horizontal([~pl.col(c).eq_missing(pl.col(f"{c}__old")) for c in compare])
            changed = both.filter(differs).select(incoming.columns)
        else:
            changed = both.clear()
        unchanged = both.height - changed.height
        if prepare is not None:
            new, changed = prepare(new), prepare(changed)
            compare = [c for c in new.columns if c != key]
        bind_types = bind_types or {}

        if new.height:
            values = {c: sa.bindparam(c, type_=bind_types[c]) for c in bind_types}
            stmt = sa.insert(table).values(values) if values else sa.insert(table)
            self._insert_many(conn, stmt, {**fixed, **(on_insert or {})}, new)
        if changed.height:
            where = [table.c[k] == sa.bindparam(f"k__{k}") for k in [*fixed, key]]
            values = {c: sa.bindparam(f"v__{c}", type_=bind_types.get(c, table.c[c].type)) for c in compare}
            values.update({c: sa.bindparam(f"v__{c}") for c in (on_update or {})})
            stmt = sa.update(table).where(*where).values(values)
            extra = {f"k__{k}": v for k, v in fixed.items()} | {f"v__{c}": v for c, v in (on_update or {}).items()}
            for chunk in changed.iter_slices(_CHUNK):
                rows = [
                    {**extra, f"k__{key}": row[key], **{f"v__{c}": row[c] for c in compare}}
                    for row in chunk.to_dicts()
                ]
                self._execute(conn, stmt, rows)
        return WriteStats(created=new.height, updated=changed.height, unchanged=unchanged)

    # ---------------------------------------------------------------- campaigns
    def campaign_names(self) -> list[str]:
        """Names of the campaigns in the store, sorted."""
        with self._read() as conn:
            return sorted(conn.execute(sa.select(CAMPAIGNS.c.name)).scalars())

    def resolve_campaign(self, name: str | None = None, create: bool = False) -> str:
        """The campaign to work on: ``name`` if it exists (created when ``create``), else the
        only campaign of the store; French error when unknown or ambiguous."""
        if create and name is not None:
            with self._write() as conn:
                self._campaign_id(conn, name, create=True)
            return name
        with self._read() as conn:
            return self._resolve(conn, name, create=False)

    def campaign_items(self, campaign: str | None = None) -> dict[str, pl.DataType]:
        """Item columns collected in ``campaign`` with their dtypes, in order."""
        with self._read() as conn:
            row = self._campaign_row(conn, self._resolve(conn, campaign, False))
        return _item_schema(row.items)

    # ---------------------------------------------------------------- campuses
    def campuses(self) -> pl.DataFrame:
        """The campus registry in the canonical layout, sorted by ``campus_id``."""
        cols = [CAMPUSES.c[c] for c in CAMPUS_COLUMNS]
        with self._read() as conn:
            rows = conn.execute(sa.select(*cols)).all()
        return _frame(rows, CAMPUS_COLUMNS).sort("campus_id")

    def write_campuses(self, df: pl.DataFrame) -> WriteStats:
        """Upsert campuses by ``campus_id``."""
        with self._write() as conn:
            return self._write_campuses(conn, df)

    def _write_campuses(self, conn: sa.Connection, df: pl.DataFrame) -> WriteStats:
        incoming = _conform(df, CAMPUS_COLUMNS, "campus")
        _check_keys(incoming, "campus_id", "campus")
        if incoming.get_column("name").null_count():
            raise EffipiaError("store.missing_key", table="campus", column="name")
        existing = _frame(conn.execute(sa.select(*[CAMPUSES.c[c] for c in CAMPUS_COLUMNS])).all(), CAMPUS_COLUMNS)
        return self._upsert(conn, CAMPUSES, {}, "campus_id", incoming, existing)

    # ---------------------------------------------------------------- partners
    def partners(self, campaign: str | None = None) -> pl.DataFrame:
        """Partners of ``campaign``: canonical columns then ``analysis_category``, sorted by id
        (code-point order, the same on every back-end whatever its collation)."""
        return self._read_campaign_table(PARTNERS, PARTNER_STORE_COLUMNS, campaign)

    def write_partners(self, campaign: str, df: pl.DataFrame) -> WriteStats:
        """Upsert the partners of ``campaign`` (created if new) by ``partner_id``;
        every ``campus_id`` must be in the campus registry."""
        with self._write() as conn:
            return self._write_partners(conn, self._campaign_id(conn, campaign, create=True), df)

    def _write_partners(self, conn: sa.Connection, cid: int, df: pl.DataFrame) -> WriteStats:
        incoming = _conform(df, PARTNER_COLUMNS, "partenaires")
        _check_keys(incoming, "partner_id", "partenaires")
        if incoming.get_column("campus_id").null_count():
            raise EffipiaError("store.missing_key", table="partenaires", column="campus_id")
        known = set(conn.execute(sa.select(CAMPUSES.c.campus_id)).scalars())
        unknown = sorted(set(incoming.get_column("campus_id").unique().to_list()) - known)
        if unknown:
            raise EffipiaError("store.unknown_campuses", ids=", ".join(unknown[:10]))
        incoming = incoming.with_columns(_analysis_categories(incoming).alias("analysis_category"))
        if "analysis_category" in df.columns:  # keep a category given for an unmapped type
            incoming = incoming.with_columns(
                pl.coalesce("analysis_category", df.get_column("analysis_category").cast(pl.String))
            )
        existing = self._campaign_frame(conn, PARTNERS, PARTNER_STORE_COLUMNS, cid)
        return self._upsert(conn, PARTNERS, {"campaign_id": cid}, "partner_id", incoming, existing)

    # ---------------------------------------------------------------- invitations
    def invitations(self, campaign: str | None = None) -> pl.DataFrame:
        """Invitations of ``campaign`` (:data:`INVITATION_STORE_COLUMNS`), sorted by ``partner_id``.

        The personal tokens are not stored (only their SHA-256): ``token_salt`` regenerates
        them with the secret key (:func:`effipia.registry.invitations.derive_token`)."""
        return self._read_campaign_table(INVITATIONS, INVITATION_STORE_COLUMNS, campaign)

    def write_invitations(self, campaign: str, df: pl.DataFrame) -> WriteStats:
        """Upsert invitations by ``partner_id`` (the partner must exist in the campaign).

        ``df`` carries the clear ``token`` (kept only as its SHA-256) and, for derived tokens,
        ``token_salt``; a row without token keeps the stored one (e.g. a status change)."""
        with self._write() as conn:
            return self._write_invitations(conn, self._campaign_id(conn, campaign, create=True), df)

    def _write_invitations(self, conn: sa.Connection, cid: int, df: pl.DataFrame) -> WriteStats:
        from effipia.registry.invitations import token_digest

        incoming = _conform(df, {**INVITATION_COLUMNS, "token_salt": pl.String}, "invitations")
        _check_keys(incoming, "partner_id", "invitations")
        if not {"token", "token_salt"} & set(df.columns):
            incoming = incoming.drop("token_salt")
        with_token = incoming.filter(pl.col("token").is_not_null())
        _check_keys(with_token, "token", "invitations")
        incoming = incoming.with_columns(
            pl.col("token").map_elements(token_digest, return_dtype=pl.String).alias("token_hash")
        ).drop("token")
        incoming = incoming.with_columns(pl.col("status").fill_null("pending"))
        bad = sorted(set(incoming.get_column("status").to_list()) - set(INVITATION_STATUSES))
        if bad:
            raise EffipiaError("store.bad_status", values=", ".join(bad), allowed=", ".join(INVITATION_STATUSES))
        known = _frame(
            conn.execute(
                sa.select(PARTNERS.c.partner_id, PARTNERS.c.campus_id, PARTNERS.c.category).where(
                    PARTNERS.c.campaign_id == cid
                )
            ).all(),
            {"partner_id": pl.String, "campus_id": pl.String, "category": pl.String},
        )
        unknown = sorted(set(incoming.get_column("partner_id").to_list()) - set(known.get_column("partner_id").to_list()))
        if unknown:
            raise EffipiaError("store.unknown_partners", ids=", ".join(unknown[:10]))
        stored_columns = {**INVITATION_STORE_COLUMNS, "token_hash": pl.String}
        existing = self._campaign_frame(conn, INVITATIONS, stored_columns, cid)
        # Campus and survey group left empty are those of the invited partner; a row without a
        # token keeps the stored token (and its salt).
        kept = existing.select("partner_id", pl.col("token_hash").alias("hash__stored"), pl.col("token_salt").alias("salt__stored"))
        incoming = incoming.join(known, on="partner_id", how="left", suffix="__partner").join(
            kept, on="partner_id", how="left"
        )
        no_token = incoming.filter(pl.col("token_hash").is_null() & pl.col("hash__stored").is_null())
        if no_token.height:
            raise EffipiaError("store.missing_key", table="invitations", column="token")
        columns = [c for c in stored_columns if c in incoming.columns or c == "token_salt"]
        incoming = incoming.with_columns(
            pl.coalesce("campus_id", "campus_id__partner").alias("campus_id"),
            pl.coalesce("category", "category__partner").alias("category"),
            pl.when(pl.col("token_hash").is_null()).then(pl.col("salt__stored")).otherwise(
                pl.col("token_salt") if "token_salt" in incoming.columns else pl.lit(None, pl.String)
            ).alias("token_salt"),
            pl.coalesce("token_hash", "hash__stored").alias("token_hash"),
        ).select(columns)
        now = _now()
        return self._upsert(
            conn,
            INVITATIONS,
            {"campaign_id": cid},
            "partner_id",
            incoming,
            existing.select(columns),
            on_insert={"created_at": now, "updated_at": now},
            on_update={"updated_at": now},
        )

    # ---------------------------------------------------------------- responses
    def responses(self, campaign: str | None = None) -> pl.DataFrame:
        """Wide response frame of ``campaign``: identification columns then exactly the
        collected item columns (Int64, ``expectations`` String), sorted by respondent."""
        with self._read() as conn:
            cid = self._campaign_id(conn, campaign, create=False)
            items = _item_schema(conn.execute(sa.select(CAMPAIGNS.c["items"]).where(CAMPAIGNS.c.id == cid)).scalar_one())
            return self._read_responses(conn, cid, items)

    @staticmethod
    def _read_responses(conn: sa.Connection, cid: int, items: dict[str, pl.DataType]) -> pl.DataFrame:
        cols = [RESPONSES.c[c] for c in RESPONSE_ID_COLUMNS]
        stmt = (
            sa.select(*cols, sa.cast(RESPONSES.c.answers, sa.Text))
            .where(RESPONSES.c.campaign_id == cid)
        )
        rows = conn.execute(stmt).all()
        ids = _frame([r[:-1] for r in rows], RESPONSE_ID_COLUMNS)
        if not items:
            return ids.sort("respondent_id")
        if not rows:
            return pl.DataFrame(schema={**RESPONSE_ID_COLUMNS, **items})
        # One JSON object per line: Polars' NDJSON reader is several times faster than json_decode.
        ndjson = "\n".join(r[-1] for r in rows).encode()
        answers = pl.read_ndjson(io.BytesIO(ndjson), schema=items)
        return pl.concat([ids, answers], how="horizontal").sort("respondent_id")

    def write_responses(self, campaign: str, df: pl.DataFrame, source: str | None = None) -> WriteStats:
        """Upsert responses by ``respondent_id``; the campaign's collected items become the
        union of those it had and the item columns of ``df``.

        The merge is by column: a column absent from ``df`` keeps the stored values of the
        respondents already in the campaign (null for new ones); a column present with
        nulls stores nulls."""
        with self._write() as conn:
            return self._write_responses(conn, self._campaign_id(conn, campaign, create=True), df, source)

    def _write_responses(self, conn: sa.Connection, cid: int, df: pl.DataFrame, source: str | None) -> WriteStats:
        ids = _conform(df, RESPONSE_ID_COLUMNS, "réponses")
        _check_keys(ids, "respondent_id", "réponses")
        new_items: dict[str, pl.DataType] = {}
        for name in df.columns:
            if name not in RESPONSE_ID_COLUMNS:
                new_items[name] = pl.String if df.schema[name] in (pl.String, pl.Categorical) else pl.Int64
        old_items = _item_schema(conn.execute(sa.select(CAMPAIGNS.c["items"]).where(CAMPAIGNS.c.id == cid)).scalar_one())
        for name, dtype in new_items.items():
            if name in old_items and old_items[name] != dtype:
                raise EffipiaError("store.item_type_changed", item=name)
        items = {**old_items, **{k: v for k, v in new_items.items() if k not in old_items}}
        if items != old_items:
            conn.execute(
                sa.update(CAMPAIGNS).where(CAMPAIGNS.c.id == cid).values(items=[[k, _DTYPE_NAMES[v]] for k, v in items.items()])
            )
        incoming = pl.concat([ids, _conform(df.select(list(new_items)), new_items, "réponses")], how="horizontal")
        incoming = conform(incoming, {**RESPONSE_ID_COLUMNS, **items})
        existing = self._read_responses(conn, cid, items)
        absent = [c for c in incoming.columns if c not in df.columns]
        if absent and existing.height:
            # A column absent from df was not collected by this write: stored respondents
            # keep their values (an explicit null column does erase them).
            kept = existing.select("respondent_id", *absent)
            incoming = (
                incoming.drop(absent)
                .join(kept, on="respondent_id", how="left", maintain_order="left")
                .select(incoming.columns)
            )
        keep = [*RESPONSE_ID_COLUMNS, "answers"]

        def to_rows(frame: pl.DataFrame) -> pl.DataFrame:
            # Rows are compared on decoded values; the answers are stored as one JSON object
            # without its null entries.
            return frame.with_columns(_answers_json(frame, list(items)).alias("answers")).select(keep)

        now = _now()
        return self._upsert(
            conn,
            RESPONSES,
            {"campaign_id": cid},
            "respondent_id",
            incoming,
            existing,
            prepare=to_rows,
            on_insert={"submitted_at": now, "source": source},
            on_update={"source": source} if source is not None else None,
            bind_types={"answers": _JsonText(conn.dialect.name == "postgresql")},
        )

    # ---------------------------------------------------------------- whole campaign
    def write_campaign(
        self,
        campaign: str,
        campuses: pl.DataFrame | None = None,
        partners: pl.DataFrame | None = None,
        invitations: pl.DataFrame | None = None,
        responses: pl.DataFrame | None = None,
        source: str | None = None,
    ) -> dict[str, WriteStats]:
        """Write any of the four frames of a campaign in ONE transaction (all or nothing)."""
        stats: dict[str, WriteStats] = {}
        with self._write() as conn:
            cid = self._campaign_id(conn, campaign, create=True)
            if campuses is not None:
                stats["campuses"] = self._write_campuses(conn, campuses)
            if partners is not None:
                stats["partners"] = self._write_partners(conn, cid, partners)
            if invitations is not None:
                stats["invitations"] = self._write_invitations(conn, cid, invitations)
            if responses is not None:
                stats["responses"] = self._write_responses(conn, cid, responses, source)
        return stats

    # ---------------------------------------------------------------- interviews (Tableau 1)
    def interviews(self, campaign: str | None = None) -> pl.DataFrame:
        """The interview log of ``campaign`` (``INTERVIEW_STORE_COLUMNS``), by ``interview_id``."""
        table = _T["interviews"]
        with self._read() as conn:
            cid = self._campaign_id(conn, campaign, create=False)
            return self._campaign_frame(conn, table, INTERVIEW_STORE_COLUMNS, cid).sort("interview_id")

    def write_interviews(self, campaign: str, df: pl.DataFrame) -> WriteStats:
        """Upsert the interviews of ``campaign`` (created if new) by ``interview_id``
        (:func:`effipia.operations.interviews.import_interviews` checks campuses first)."""
        table = _T["interviews"]
        incoming = _conform(df, INTERVIEW_STORE_COLUMNS, "entretien")
        _check_keys(incoming, "interview_id", "entretien")
        with self._write() as conn:
            cid = self._campaign_id(conn, campaign, create=True)
            existing = self._campaign_frame(conn, table, INTERVIEW_STORE_COLUMNS, cid)
            return self._upsert(conn, table, {"campaign_id": cid}, "interview_id", incoming, existing)

    def counts(self) -> dict[str, int]:
        """Number of rows of each table (campaigns, campuses, partners, invitations, responses)."""
        with self._read() as conn:
            return {
                name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in (
                    ("campaigns", CAMPAIGNS),
                    ("campuses", CAMPUSES),
                    ("partners", PARTNERS),
                    ("invitations", INVITATIONS),
                    ("responses", RESPONSES),
                )
            }

    # ---------------------------------------------------------------- staff: accounts, tokens, limits, audit, mail
    # Tables of migration 0004, looked up by name (see effipia.operations.users / mailing / monitoring).
    def add_user(self, email: str, role: str, campus_id: str | None, password_hash: str | None) -> int:
        """Create a staff account; French error when the e-mail is already taken."""
        users = _T["staff_users"]
        with self._write() as conn:
            if conn.execute(sa.select(users.c.id).where(users.c.email == email)).first() is not None:
                raise EffipiaError("users.exists", email=email)
            return conn.execute(
                sa.insert(users)
                .values(email=email, role=role, campus_id=campus_id, password_hash=password_hash, active=True, created_at=_now())
                .returning(users.c.id)
            ).scalar_one()

    def update_user(self, email: str, **values: Any) -> bool:
        """Change columns of an account (``password_hash``, ``role``, ``campus_id``, ``active``)."""
        users = _T["staff_users"]
        with self._write() as conn:
            return conn.execute(sa.update(users).where(users.c.email == email).values(**values)).rowcount > 0

    def user(self, email: str | None = None, user_id: int | None = None) -> dict[str, Any] | None:
        """One staff account as a dict (by e-mail or by id), or None."""
        users = _T["staff_users"]
        where = users.c.email == email if email is not None else users.c.id == user_id
        with self._read() as conn:
            row = conn.execute(sa.select(users).where(where)).mappings().first()
        return dict(row) if row is not None else None

    def users(self) -> list[dict[str, Any]]:
        """Every staff account (without password hashes), by e-mail."""
        users = _T["staff_users"]
        tokens = _T["api_tokens"]
        active_tokens = (
            sa.select(sa.func.count())
            .where(tokens.c.user_id == users.c.id, tokens.c.revoked_at.is_(None))
            .scalar_subquery()
        )
        cols = [users.c.id, users.c.email, users.c.role, users.c.campus_id, users.c.active, users.c.created_at]
        with self._read() as conn:
            rows = conn.execute(
                sa.select(*cols, (users.c.password_hash.is_not(None)).label("has_password"), active_tokens.label("tokens"))
                .order_by(users.c.email)
            ).mappings()
            return [dict(r) for r in rows]

    def add_api_token(self, user_id: int, token_hash: str) -> None:
        """Record the hash of a new API token of account ``user_id``."""
        with self._write() as conn:
            conn.execute(sa.insert(_T["api_tokens"]).values(user_id=user_id, token_hash=token_hash, created_at=_now()))

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        """The active account owning the (unrevoked) API token of this hash, or None; the
        token's last use is recorded."""
        users, tokens = _T["staff_users"], _T["api_tokens"]
        with self._write() as conn:
            row = conn.execute(
                sa.select(users, tokens.c.id.label("token_id"))
                .join(tokens, tokens.c.user_id == users.c.id)
                .where(tokens.c.token_hash == token_hash, tokens.c.revoked_at.is_(None), users.c.active == sa.true())
            ).mappings().first()
            if row is None:
                return None
            conn.execute(sa.update(tokens).where(tokens.c.id == row["token_id"]).values(last_used_at=_now()))
            return {k: v for k, v in row.items() if k != "token_id"}

    def revoke_api_tokens(self, user_id: int) -> int:
        """Revoke every API token of account ``user_id``; how many were active."""
        tokens = _T["api_tokens"]
        with self._write() as conn:
            return conn.execute(
                sa.update(tokens)
                .where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            ).rowcount

    def hit_rate_limit(self, key: str, window: int) -> int:
        """Count one event under ``key`` in fixed time window ``window`` (an integer such as
        epoch seconds // length) and return the window's count, atomically across workers.
        Older windows of the key are dropped."""
        from sqlalchemy.dialects import postgresql, sqlite

        limits = _T["rate_limits"]
        with self._write() as conn:
            insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(limits)
            stmt = insert.values(key=key, window=window, count=1).on_conflict_do_update(
                index_elements=[limits.c.key, limits.c.window], set_={"count": limits.c.count + 1}
            )
            count = conn.execute(stmt.returning(limits.c.count)).scalar_one()
            conn.execute(sa.delete(limits).where(limits.c.key == key, limits.c.window < window))
            return count

    def rate_limit_count(self, key: str, window: int) -> int:
        """Events counted under ``key`` in ``window`` (0 if none)."""
        limits = _T["rate_limits"]
        with self._read() as conn:
            found = conn.execute(
                sa.select(limits.c.count).where(limits.c.key == key, limits.c.window == window)
            ).scalar()
        return found or 0

    def clear_rate_limit(self, key: str) -> None:
        """Forget the counts of ``key`` (a successful login clears its failures)."""
        limits = _T["rate_limits"]
        with self._write() as conn:
            conn.execute(sa.delete(limits).where(limits.c.key == key))

    def write_audit(
        self,
        action: str,
        *,
        actor: str | None = None,
        role: str | None = None,
        campaign: str | None = None,
        campus_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one staff action to the audit log."""
        with self._write() as conn:
            conn.execute(
                sa.insert(_T["audit_log"]).values(
                    at=_now(), actor=actor, role=role, action=action, campaign=campaign, campus_id=campus_id, detail=detail or {}
                )
            )

    def audit_log(self, limit: int = 1000) -> pl.DataFrame:
        """The newest ``limit`` audit entries, newest first."""
        log = _T["audit_log"]
        cols = {"at": pl.Datetime("us", "UTC"), "actor": pl.String, "role": pl.String, "action": pl.String,
                "campaign": pl.String, "campus_id": pl.String, "detail": pl.String}
        with self._read() as conn:
            rows = conn.execute(
                sa.select(log.c.at, log.c.actor, log.c.role, log.c.action, log.c.campaign, log.c.campus_id,
                          sa.cast(log.c.detail, sa.Text))
                .order_by(log.c.id.desc())
                .limit(limit)
            ).all()
        return _frame([(_utc(r[0]), *r[1:]) for r in rows], cols)

    def write_mail_sends(self, campaign: str, rows: list[dict[str, Any]]) -> int:
        """Record e-mail outcomes (``partner_id, kind, recipient, outcome, smtp_code,
        smtp_reply``) of ``campaign``'s invitations; an invitation still ``pending`` becomes
        ``sent``, and ``bounced`` on a refusal by the server (unless already submitted)."""
        sends, invitations = _T["mail_sends"], INVITATIONS
        if not rows:
            return 0
        with self._write() as conn:
            cid = self._campaign_id(conn, campaign, create=False)
            now = _now()
            conn.execute(sa.insert(sends), [{"campaign_id": cid, "at": now, **row} for row in rows])
            for outcome, status, before in (("sent", "sent", ("pending",)), ("bounced", "bounced", ("pending", "sent", "opened"))):
                ids = [r["partner_id"] for r in rows if r["outcome"] == outcome]
                for start in range(0, len(ids), 1000):
                    conn.execute(
                        sa.update(invitations)
                        .where(
                            invitations.c.campaign_id == cid,
                            invitations.c.partner_id.in_(ids[start : start + 1000]),
                            invitations.c.status.in_(before),
                        )
                        .values(status=status, updated_at=now)
                    )
            return len(rows)

    def mail_sends(self, campaign: str | None = None) -> pl.DataFrame:
        """Every recorded e-mail outcome of ``campaign``, oldest first."""
        sends = _T["mail_sends"]
        cols = {"partner_id": pl.String, "kind": pl.String, "recipient": pl.String, "outcome": pl.String,
                "smtp_code": pl.Int64, "smtp_reply": pl.String, "at": pl.Datetime("us", "UTC")}
        with self._read() as conn:
            cid = self._campaign_id(conn, campaign, create=False)
            rows = conn.execute(
                sa.select(*[sends.c[c] for c in cols]).where(sends.c.campaign_id == cid).order_by(sends.c.id)
            ).all()
        return _frame([(*r[:-1], _utc(r[-1])) for r in rows], cols)

    def draft_partner_ids(self, campaign: str | None = None) -> list[str]:
        """Partners of ``campaign`` with a web questionnaire begun (a page saved) and not submitted."""
        drafts = _T["web_drafts"]
        with self._read() as conn:
            cid = self._campaign_id(conn, campaign, create=False)
            return sorted(conn.execute(
                sa.select(drafts.c.partner_id).where(drafts.c.campaign_id == cid, drafts.c.submitted_at.is_(None))
            ).scalars())

    def response_times(self, campaign: str | None = None) -> pl.DataFrame:
        """``respondent_id, campus_id, category, submitted_at`` of every response of ``campaign``."""
        cols = {"respondent_id": pl.String, "campus_id": pl.String, "category": pl.String,
                "submitted_at": pl.Datetime("us", "UTC")}
        with self._read() as conn:
            cid = self._campaign_id(conn, campaign, create=False)
            rows = conn.execute(
                sa.select(RESPONSES.c.respondent_id, RESPONSES.c.campus_id, RESPONSES.c.category, RESPONSES.c.submitted_at)
                .where(RESPONSES.c.campaign_id == cid)
            ).all()
        return _frame([(*r[:-1], _utc(r[-1])) for r in rows], cols)


_DTYPE_NAMES = {pl.Int64: "Int64", pl.String: "String"}


def _item_schema(items: list[Any] | None) -> dict[str, pl.DataType]:
    return {name: (pl.String if dtype == "String" else pl.Int64) for name, dtype in (items or [])}


def _answers_json(df: pl.DataFrame, items: list[str]) -> pl.Expr:
    if not items:
        return pl.lit("{}")
    encoded = pl.struct([pl.col(c) for c in items]).struct.json_encode()
    return encoded.str.replace_all(r'"[^"]+":null,?', "").str.replace(r",\}$", "}")


class _JsonText(sa.types.TypeDecorator):
    """Bind an already-encoded JSON text (cast to JSONB on PostgreSQL)."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, postgresql: bool = False) -> None:
        super().__init__()
        self._pg = postgresql

    def bind_expression(self, bindvalue: Any) -> Any:
        return sa.cast(bindvalue, JSONB) if self._pg else bindvalue


def _safe(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _utc(value: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite gives back the naive UTC value)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

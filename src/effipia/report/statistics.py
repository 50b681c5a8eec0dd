"""Read access to the statistics set for the reports (never a recomputation).

:class:`StatisticsView` indexes the statistics set once — by statistic and domain set — and
gives rows by key; :func:`cell` turns one row into a printed :class:`~effipia.report.model.Cell`
under the disclosure flag (``suppressed``) and, when the set has them, the precision columns
(``precision`` = ``reliable`` | ``imprecise`` | ``unreliable``, ``precision_reason``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from effipia.errors import EffipiaError
from effipia.formatting import number
from effipia.report.model import Cell

__all__ = ["CONTRACT_COLUMNS", "StatisticsView", "cell", "read_statistics", "FLAG_MARKERS"]

CONTRACT_COLUMNS = ("statistic", "item", "answer", "group", "campus", "estimate", "n", "ci_low", "ci_high", "suppressed")
ENSEMBLE = "ensemble"

#: Printed marker of each precision flag (texts of the footnotes in ``common.toml``).
FLAG_MARKERS = {"imprecise": "†", "unreliable": "‡"}

Key = tuple[str | None, str | None, str | None, str | None]  # item, answer, group, campus


def read_statistics(path: str | Path) -> pl.DataFrame:
    """A statistics set written by ``effipia compute`` (Parquet or CSV), contract checked."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, infer_schema_length=None, schema_overrides={"answer": pl.String, "item": pl.String})
            if frame["suppressed"].dtype == pl.String:
                frame = frame.with_columns(pl.col("suppressed").str.to_lowercase() == "true")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise EffipiaError("report.statistics_unreadable", path=path, detail=exc) from None
    missing = [c for c in CONTRACT_COLUMNS if c not in frame.columns]
    if missing:
        raise EffipiaError("report.statistics_columns", path=path, columns=", ".join(missing))
    return frame


def _domain_expr() -> pl.Expr:
    g, c = pl.col("group") == ENSEMBLE, pl.col("campus") == ENSEMBLE
    return (
        pl.when(g & c).then(pl.lit("ensemble"))
        .when(c).then(pl.lit("group"))
        .when(g).then(pl.lit("campus"))
        .otherwise(pl.lit("campus_group"))
    )


class StatisticsView:
    """The statistics set indexed for reading: ``rows()``, ``get()``, ``value()``."""

    def __init__(self, statistics: pl.DataFrame) -> None:
        if statistics is None or statistics.is_empty():
            raise EffipiaError("report.no_statistics")
        frame = statistics
        if "domain" not in frame.columns or frame["domain"].null_count():
            frame = frame.with_columns(_domain_expr().alias("domain"))
        self.has_precision = "precision" in frame.columns
        keep = [c for c in (*CONTRACT_COLUMNS, "domain", "se", "sd", "unit", "spec", "precision", "precision_reason") if c in frame.columns]
        self.frame = frame.select(keep)
        self._parts: dict[tuple[str, str], pl.DataFrame] = {}
        self._index: dict[tuple[str, str], dict[Key, dict[str, Any]]] = {}
        for (statistic, domain), part in self.frame.partition_by(["statistic", "domain"], as_dict=True).items():
            self._parts[(statistic, domain)] = part

    @cached_property
    def statistics(self) -> set[str]:
        return {s for s, _ in self._parts}

    def rows(self, statistic: str, domain: str = "ensemble") -> pl.DataFrame:
        """Rows of one statistic in one domain set (empty frame when absent)."""
        part = self._parts.get((statistic, domain))
        return part if part is not None else self.frame.clear()

    def index(self, statistic: str, domain: str = "ensemble") -> dict[Key, dict[str, Any]]:
        key = (statistic, domain)
        if key not in self._index:
            self._index[key] = {
                (r["item"], r["answer"], r["group"], r["campus"]): r for r in self.rows(statistic, domain).iter_rows(named=True)
            }
        return self._index[key]

    def get(
        self, statistic: str, item: str | None, answer: str | None = None, group: str = ENSEMBLE, campus: str = ENSEMBLE
    ) -> dict[str, Any] | None:
        """The row of one statistic × item × answer × domain, or ``None``."""
        domain = "ensemble" if group == ENSEMBLE and campus == ENSEMBLE else (
            "group" if campus == ENSEMBLE else ("campus" if group == ENSEMBLE else "campus_group")
        )
        return self.index(statistic, domain).get((item, answer, group, campus))

    def value(self, *args: Any, **kwargs: Any) -> float | None:
        """The estimate of :meth:`get`'s row when published (not suppressed), else ``None``."""
        row = self.get(*args, **kwargs)
        if row is None or row["suppressed"] or row["estimate"] is None:
            return None
        return float(row["estimate"])

    def campuses(self) -> list[str]:
        """Campus identifiers present in the set (campus domain), in first-seen order."""
        seen: dict[str, None] = {}
        for name in ("register", "tableau_3", "response_rate"):
            for c in self.rows(name, "campus")["campus"].to_list():
                seen.setdefault(c, None)
        return list(seen)

    def respondents(self, campus: str) -> int:
        """Respondents of a campus: the largest base of its campus-domain rows."""
        best = 0
        for name in ("tableau_3", "register", "collab", "tableau_2"):
            part = self.rows(name, "campus")
            if part.height:
                hit = part.filter(pl.col("campus") == campus)["n"].max()
                if hit is not None:
                    best = max(best, int(hit))
        return best

    def items(self, statistic: str, domain: str = "ensemble") -> list[str]:
        """Items of a statistic in production (questionnaire) order."""
        return list(dict.fromkeys(self.rows(statistic, domain)["item"].to_list()))


def cell(row: dict[str, Any] | None, decimals: int, *, markers: dict[str, str] | None = None, missing: str = "–") -> Cell:
    """The printed cell of a statistics-set row: « s » when suppressed, the value rounded to
    ``decimals`` otherwise, followed by the precision marker when the row is flagged."""
    markers = markers or FLAG_MARKERS
    if row is None or (row.get("estimate") is None and not row.get("suppressed")):
        return Cell(missing)
    if row.get("suppressed"):
        return Cell("s", None, suppressed=True)
    rounded = round(float(row["estimate"]), decimals)
    flag = row.get("precision")
    flag = flag if flag in markers else None
    return Cell(number(rounded, decimals), rounded, flag=flag, marker=markers.get(flag, "") if flag else "")


def published_numbers(cells: Iterable[Cell]) -> list[float]:
    """Values of the printed cells (for checks: nothing suppressed is among them)."""
    return [c.value for c in cells if c.value is not None]

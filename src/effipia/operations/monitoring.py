"""Live monitoring of a campaign: response progress and AAPOR rates, daily completions,
partners to remind; tables exportable as CSV and XLSX.

Dispositions follow the AAPOR *Standard Definitions* (10th ed., 2023) for a list sample
of named persons invited by e-mail, every invited partner being eligible:

- I, complete: the questionnaire was submitted;
- P, partial: begun (at least one page saved) but not submitted;
- R, refusal: the partner said « je ne souhaite pas répondre »;
- NC, non-contact: the invitation bounced (address refused by a server or on a bounce list);
- the others (nothing received back): eligibility unknown, kept in the denominator.

RR1 = I / (I + P + R + NC + O + UH + UO) = completes / invited;
RR2 = (I + P) / (same) = (completes + partials) / invited;
REF1 = R / invited; CON1 = (I + P + R + O) / invited.

Staff views apply the privacy rules: a director's and a funder's breakdowns hide the
counts of respondents of any cell resting on fewer than ``disclosure_min`` respondents
(with secondary suppression within each margin), and never show an individual.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from effipia import nomenclatures
from effipia.csvsafe import write_csv
from effipia.errors import EffipiaError
from effipia.operations.mailing import REFUSED_STATUSES, FINISHED_STATUSES, mail_state, select_recipients
from effipia.operations.results import OperationResult
from effipia.store import Store

__all__ = [
    "PROGRESS_COLUMNS",
    "SENSITIVE_COLUMNS",
    "RATE_DEFINITIONS",
    "progress",
    "protect_progress",
    "daily_completions",
    "partners_to_remind",
    "completions_svg",
    "export_table",
    "dispositions",
]

#: Columns of a progress table (one row per campus × survey group).
PROGRESS_COLUMNS = (
    "campus_id", "campus_name", "group", "group_label", "partners", "invited", "emailed",
    "started", "completed", "refused", "bounced", "rr1", "rr2", "ref1", "con1",
)
#: Columns emptied in a cell below the disclosure minimum (who answered, who refused).
SENSITIVE_COLUMNS = ("started", "completed", "refused", "rr1", "rr2", "ref1", "con1")

RATE_DEFINITIONS = {
    "rr1": "RR1 = complets / invités : I / (I + P + R + NC + O + UH + UO), chaque partenaire invité étant éligible.",
    "rr2": "RR2 = (complets + partiels) / invités : (I + P) / (I + P + R + NC + O + UH + UO).",
    "ref1": "REF1 = refus / invités : R / (I + P + R + NC + O + UH + UO).",
    "con1": "CON1 = (complets + partiels + refus) / invités : (I + P + R + O) / (I + P + R + NC + O + UH + UO).",
}

_PARIS = ZoneInfo("Europe/Paris")


def dispositions(store: Store, campaign: str) -> pl.DataFrame:
    """One row per invitation: ``partner_id, campus_id, category, disposition`` among
    complete, refusal, partial, non_contact, no_reply (in that order of precedence)."""
    state = mail_state(store, campaign)
    started = _started_ids(store, campaign)
    disposition = (
        pl.when(pl.col("status").is_in(FINISHED_STATUSES) | pl.col("answered")).then(pl.lit("complete"))
        .when(pl.col("status").is_in(REFUSED_STATUSES)).then(pl.lit("refusal"))
        .when(pl.col("partner_id").is_in(started)).then(pl.lit("partial"))
        .when(pl.col("bounced")).then(pl.lit("non_contact"))
        .otherwise(pl.lit("no_reply"))
    )
    return state.filter(pl.col("status") != "revoked").with_columns(disposition.alias("disposition"))


def _started_ids(store: Store, campaign: str) -> list[str]:
    """Partners with a page of the web questionnaire saved and not submitted (merely opening
    the link is not a partial: nothing was answered)."""
    return store.draft_partner_ids(campaign)


def progress(store: Store, campaign: str | None = None, *, campus: str | None = None) -> OperationResult[pl.DataFrame]:
    """Progress of ``campaign`` by campus × survey group (:data:`PROGRESS_COLUMNS`), against
    the registry (``partners``: the campus's directory); ``campus`` keeps one campus."""
    name = store.resolve_campaign(campaign)
    cases = dispositions(store, name)
    partners = store.partners(name).select("campus_id", pl.col("category").alias("group"))
    if campus is not None:
        cases = cases.filter(pl.col("campus_id") == campus)
        partners = partners.filter(pl.col("campus_id") == campus)
    counts = cases.group_by("campus_id", pl.col("category").alias("group")).agg(
        pl.len().alias("invited"),
        pl.col("invited").sum().alias("emailed"),
        (pl.col("disposition") == "partial").sum().alias("started"),
        (pl.col("disposition") == "complete").sum().alias("completed"),
        (pl.col("disposition") == "refusal").sum().alias("refused"),
        (pl.col("disposition") == "non_contact").sum().alias("bounced"),
    )
    directory = partners.group_by("campus_id", "group").agg(pl.len().alias("partners"))
    table = directory.join(counts, on=["campus_id", "group"], how="full", coalesce=True)
    table = table.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in
                               ("partners", "invited", "emailed", "started", "completed", "refused", "bounced"))
    table = _with_rates(_labelled(store, table))
    return OperationResult(value=_ordered(table).select(PROGRESS_COLUMNS))


def _with_rates(table: pl.DataFrame) -> pl.DataFrame:
    invited = pl.col("invited").cast(pl.Float64)
    rate = lambda expr: pl.when(pl.col("invited") > 0).then(expr / invited).otherwise(None)  # noqa: E731
    return table.with_columns(
        rate(pl.col("completed")).alias("rr1"),
        rate(pl.col("completed") + pl.col("started")).alias("rr2"),
        rate(pl.col("refused")).alias("ref1"),
        rate(pl.col("completed") + pl.col("started") + pl.col("refused")).alias("con1"),
    )


def _labelled(store: Store, table: pl.DataFrame) -> pl.DataFrame:
    groups = nomenclatures.load("survey_groups")
    labels = dict(zip(groups["code"], groups["label"], strict=True))
    names = dict(store.campuses().select("campus_id", "name").iter_rows())
    return table.with_columns(
        pl.col("campus_id").replace_strict(names, default=pl.col("campus_id"), return_dtype=pl.String).alias("campus_name"),
        pl.col("group").replace_strict(labels, default=pl.col("group"), return_dtype=pl.String).alias("group_label"),
    )


def _ordered(table: pl.DataFrame) -> pl.DataFrame:
    groups = nomenclatures.load("survey_groups")
    order = {code: int(o) for code, o in zip(groups["code"], groups["order"], strict=True)}
    return table.with_columns(
        pl.col("group").replace_strict(order, default=99, return_dtype=pl.Int64).alias("_order")
    ).sort("campus_id", "_order", "group", nulls_last=True).drop("_order")


def totals(table: pl.DataFrame, by: str | None) -> pl.DataFrame:
    """Margins of a progress table: by campus (``by="campus_id"``, group « ensemble »), by
    survey group (``by="group"``, campus « ensemble ») or the whole campaign (``None``)."""
    counts = ("partners", "invited", "emailed", "started", "completed", "refused", "bounced")
    keys = [by] if by else []
    summed = (table.group_by(keys).agg(pl.col(c).sum() for c in counts) if keys
              else table.select(pl.col(c).sum() for c in counts))
    fill = {"campus_id": "ensemble", "campus_name": "Ensemble des campus", "group": "ensemble", "group_label": "Ensemble"}
    if by == "campus_id":
        names = table.select("campus_id", "campus_name").unique("campus_id")
        summed = summed.join(names, on="campus_id", how="left")
    if by == "group":
        labels = table.select("group", "group_label").unique("group")
        summed = summed.join(labels, on="group", how="left")
    summed = summed.with_columns(pl.lit(v).alias(k) for k, v in fill.items() if k not in summed.columns)
    return _with_rates(summed.with_columns(pl.col(c).cast(pl.Int64) for c in counts)).select(PROGRESS_COLUMNS)


def protect_progress(cells: pl.DataFrame, margin: pl.DataFrame, minimum: int) -> pl.DataFrame:
    """``cells`` then their ``margin`` row (its sum), with the :data:`SENSITIVE_COLUMNS`
    emptied wherever a figure rests on fewer than ``minimum`` respondents (completes,
    partials and refusals: at least one); then, when a lone hidden figure could be recovered
    by subtracting the others from the margin, the smallest other non-empty cell is hidden
    too (or the margin, when no such cell is left). Adds boolean column ``suppressed``."""
    import numpy as np

    from effipia.analysis.disclosure import protect_margin

    def responded(frame: pl.DataFrame) -> np.ndarray:
        return (frame["completed"] + frame["started"] + frame["refused"]).to_numpy().astype(np.int64)

    n, margin_n = responded(cells), int(responded(margin).sum())
    margin_hidden, hidden = protect_margin(n, 0 < margin_n < minimum, (n > 0) & (n < minimum))
    both = pl.concat([cells, margin.select(cells.columns)], how="vertical_relaxed")
    flag = pl.Series("suppressed", [*hidden.tolist(), margin_hidden], dtype=pl.Boolean)
    return both.with_columns(flag).with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in SENSITIVE_COLUMNS
    )


def daily_completions(store: Store, campaign: str | None = None, *, campus: str | None = None) -> OperationResult[pl.DataFrame]:
    """Completed questionnaires per day (Paris time) of the invited partners: ``day,
    completed, cumulative``, every day from the first to the last completion."""
    name = store.resolve_campaign(campaign)
    invited = store.invitations(name).select("partner_id", "campus_id")
    if campus is not None:
        invited = invited.filter(pl.col("campus_id") == campus)
    times = store.response_times(name).join(
        invited.select(pl.col("partner_id").alias("respondent_id")), on="respondent_id", how="semi"
    )
    schema = {"day": pl.Date, "completed": pl.Int64, "cumulative": pl.Int64}
    if times.height == 0:
        return OperationResult(value=pl.DataFrame(schema=schema))
    days = times.select(pl.col("submitted_at").dt.convert_time_zone("Europe/Paris").dt.date().alias("day"))
    per_day = days.group_by("day").len().rename({"len": "completed"})
    span = pl.DataFrame({"day": pl.date_range(per_day["day"].min(), per_day["day"].max(), "1d", eager=True)})
    frame = (span.join(per_day, on="day", how="left").with_columns(pl.col("completed").fill_null(0).cast(pl.Int64))
             .sort("day").with_columns(pl.col("completed").cum_sum().alias("cumulative")))
    return OperationResult(value=frame.select(list(schema)))


def partners_to_remind(store: Store, campaign: str | None = None, *, campus: str | None = None) -> OperationResult[pl.DataFrame]:
    """Partners who were invited and have neither finished, refused nor bounced: who the
    next reminder goes to (``campus_id, partner_id, name, group, email, reminders, begun``)."""
    name = store.resolve_campaign(campaign)
    state = mail_state(store, name)
    if campus is not None:
        state = state.filter(pl.col("campus_id") == campus)
    chosen, _ = select_recipients(state, reminder=True)
    begun = dispositions(store, name).filter(pl.col("disposition") == "partial").get_column("partner_id")
    frame = chosen.with_columns(pl.col("partner_id").is_in(begun.implode()).alias("begun")).select(
        "campus_id", "partner_id", "name", pl.col("category").alias("group"), "email", "reminders", "begun"
    )
    return OperationResult(value=frame.sort("campus_id", "partner_id"))


# ---------------------------------------------------------------- rendering helpers
def completions_svg(daily: pl.DataFrame, width: int = 720, height: int = 260) -> str:
    """A server-rendered SVG of daily completions (bars) and their running total (line),
    with a title and a description for screen readers (the data table sits beside it)."""
    from xml.sax.saxutils import escape

    from effipia.formatting import number

    title = "Questionnaires complets par jour"
    if daily.height == 0:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="c-title" width="{width}" '
                f'height="60" viewBox="0 0 {width} 60"><title id="c-title">{title} : aucun pour l\'instant</title>'
                f'<text x="8" y="35" font-size="14" fill="#1e1e1e">Aucun questionnaire complet pour l\'instant.</text></svg>')
    left, right, top, bottom = 56, 56, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    days = daily["day"].to_list()
    per_day = daily["completed"].to_list()
    cumulative = daily["cumulative"].to_list()
    top_day, top_total = max(max(per_day), 1), max(cumulative[-1], 1)
    step = plot_w / len(days)
    bar = max(1.0, step * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="c-title c-desc" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="c-title">{title}</title>',
        f'<desc id="c-desc">{escape(_describe(days, per_day, cumulative))}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#1e1e1e"/>',
    ]
    for i, (day, value) in enumerate(zip(days, per_day, strict=True)):
        h = plot_h * value / top_day
        x = left + i * step + (step - bar) / 2
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#0b4fa3">'
                     f'<title>{day.strftime("%d/%m/%Y")} : {number(value)}</title></rect>')
    points = " ".join(f"{left + (i + 0.5) * step:.1f},{top + plot_h - plot_h * v / top_total:.1f}" for i, v in enumerate(cumulative))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#b34000" stroke-width="2"/>')
    parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="#0b4fa3">{number(top_day)}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" fill="#1e1e1e">0</text>')
    parts.append(f'<text x="{left + plot_w + 6}" y="{top + 4}" fill="#b34000">{number(top_total)}</text>')
    for i in sorted({0, len(days) - 1, *range(0, len(days), max(1, len(days) // 6))}):
        x = left + (i + 0.5) * step
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#1e1e1e">'
                     f'{days[i].strftime("%d/%m")}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" fill="#0b4fa3">■ complets du jour</text>')
    parts.append(f'<text x="{left + 160}" y="{height - 4}" fill="#b34000">— total cumulé</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _describe(days: list[date], per_day: list[int], cumulative: list[int]) -> str:
    from effipia.formatting import number

    best = max(range(len(days)), key=lambda i: per_day[i])
    return (f"Du {days[0].strftime('%d/%m/%Y')} au {days[-1].strftime('%d/%m/%Y')} : {number(cumulative[-1])} "
            f"questionnaires complets ; jour le plus haut le {days[best].strftime('%d/%m/%Y')} ({number(per_day[best])}).")


def export_table(frame: pl.DataFrame, fmt: str, sheet: str = "effipia") -> tuple[bytes, str]:
    """``(bytes, media type)`` of ``frame`` as CSV (UTF-8, comma, dot decimals) or XLSX."""
    if fmt == "csv":
        return write_csv(frame).encode("utf-8"), "text/csv; charset=utf-8"  # effipia.csvsafe
    if fmt == "xlsx":
        buffer = io.BytesIO()
        frame.write_excel(buffer, worksheet=sheet[:31], autofit=True)
        return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raise EffipiaError("monitoring.unknown_format", name=fmt)


def as_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (dates and datetimes as ISO text)."""
    rows = frame.to_dicts()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, (date, datetime)):
                row[key] = value.isoformat()
    return rows

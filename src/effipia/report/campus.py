"""The feedback report of one campus, for its operational director.

Built from the statistics set only: the campus's rows (campus and campus × group domains)
against the whole set and against the other campuses' rows, which are used anonymously
(a mean, a dot on a chart) and never named. A campus with fewer respondents than the
disclosure minimum gets no report (:class:`CampusRefused`, French reason).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from effipia.analysis.registers import load_rules
from effipia.analysis.tables import table_specs
from effipia.errors import EffipiaError
from effipia.report import figures as fg
from effipia.report.common import first_published, fmt, make_table, percent_text, sentence, signed
from effipia.report.comparisons import compare, comparison_groups, reading
from effipia.report.labels import Labels
from effipia.report.model import Cell, Figure, Paragraph, Report, Row, Section, Table
from effipia.report.national import GROUPS, Context, annex_table
from effipia.report.statistics import ENSEMBLE, StatisticsView, cell
from effipia.report.texts import fill

__all__ = ["CampusRefused", "build_campus", "points", "eligible_campuses", "PROFILE"]

#: The five registers compared (dissatisfaction is the mirror of satisfaction).
PROFILE = ("dyn", "lead", "res_level_sat", "res_use", "mgmt")
_REGISTER_TABLE = {"dyn": "tableau_3", "lead": "tableau_4", "res_level_sat": "tableau_5", "res_use": "tableau_6", "mgmt": "tableau_7"}


class CampusRefused(EffipiaError):
    """The campus's report may not be produced (too few respondents, unknown campus)."""


def eligible_campuses(view: StatisticsView, min_n: int) -> tuple[list[str], dict[str, int]]:
    """Campuses with at least ``min_n`` respondents, and the respondents of the others."""
    ok, refused = [], {}
    for c in view.campuses():
        n = view.respondents(c)
        (ok.append(c) if n >= min_n else refused.__setitem__(c, n))
    return ok, refused


def _favourable(view: StatisticsView, table: str, item: str, codes: list[int], campus: str) -> tuple[float | None, bool]:
    """Share of favourable answers (sum of the codes' shares) and whether any part is suppressed."""
    total, hidden = 0.0, False
    for code in codes:
        row = view.get(table, item, str(code), campus=campus)
        if row is None:
            return None, False
        if row["suppressed"] or row["estimate"] is None:
            hidden = True
            continue
        total += float(row["estimate"])
    return (None if hidden else total), hidden


def points(view: StatisticsView, campus: str, rule: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    """Points forts and de vigilance (rule in ``docs/rapports.md``): for each question of the
    five registers, the campus's share of favourable answers minus the whole set's; the
    ``count`` largest gaps of at least ``threshold`` points on each side. Questions with a
    suppressed campus cell are left out (a withheld share cannot be summed)."""
    threshold, count = float(rule["threshold"]), int(rule["count"])
    gaps = []
    for table in ("tableau_3", "tableau_4", "tableau_5", "tableau_6", "tableau_7"):
        codes = rule.get(table, [1])
        for item in view.items(table):
            mine, hidden = _favourable(view, table, item, codes, campus)
            whole, _ = _favourable(view, table, item, codes, ENSEMBLE)
            if mine is None or whole is None or hidden:
                continue
            gaps.append({"table": table, "item": item, "campus": mine, "all": whole, "diff": mine - whole})
    strong = sorted((g for g in gaps if g["diff"] >= threshold), key=lambda g: -g["diff"])[:count]
    watch = sorted((g for g in gaps if g["diff"] <= -threshold), key=lambda g: g["diff"])[:count]
    return strong, watch


def build_campus(statistics: pl.DataFrame | StatisticsView, campus: str, ctx: Context) -> Report:
    """The feedback report of ``campus`` (raises :class:`CampusRefused` below the minimum)."""
    view = statistics if isinstance(statistics, StatisticsView) else StatisticsView(statistics)
    common, spec = ctx.texts.common, ctx.texts.campus
    labels = Labels(common)
    if campus not in view.campuses():
        raise CampusRefused("report.campus_unknown", campus=campus)
    respondents = view.respondents(campus)
    if respondents < ctx.min_n:
        raise CampusRefused("report.campus_too_few", campus=campus, respondents=respondents, min_n=ctx.min_n)
    info: dict[str, Any] = {}
    if ctx.campuses is not None and "campus_id" in ctx.campuses.columns:
        hit = ctx.campuses.filter(pl.col("campus_id") == campus)
        info = hit.row(0, named=True) if hit.height else {}
    filieres = None
    if ctx.campuses is not None and "filiere" in ctx.campuses.columns:
        filieres = dict(zip(ctx.campuses["campus_id"].to_list(), ctx.campuses["filiere"].to_list(), strict=True))
    name = info.get("name") or campus
    rate_row = view.get("response_rate", "response", None, campus=campus)
    rate = percent_text(cell(rate_row, 0)) if rate_row and not rate_row["suppressed"] else "s"
    values = {"campaign": ctx.campaign, "campus_name": name, "respondents": fmt(respondents), "rate": rate, "min_n": ctx.min_n}
    tspecs, fspecs = spec["tables"], spec["figures"]
    cmp_texts = spec["comparisons"]
    rules = load_rules()
    counter = iter(range(1, 1000))
    sections: dict[str, Section] = {}

    def section(key: str) -> Section:
        s = spec["sections"].get(key, {})
        sec = Section(key=key, title=fill(s.get("title", key), **values), intro=fill(s.get("intro", ""), **values), template=s.get("template"))
        sections[key] = sec
        return sec

    def table(key: str, columns: list[str], rows: list[Row], lecture: str | None, **more: Any) -> Table:
        return make_table(f"{key}_{len(sections)}_{next(counter)}", tspecs[key], columns, rows, lecture=lecture, common=common,
                          number_override=fill(tspecs[key]["number"], k=_k()), **{**values, **more})

    numbers = iter(range(1, 1000))

    def _k() -> int:
        return next(numbers)

    # summary -----------------------------------------------------------------------------
    summary = section("summary")
    registers = [r for r in PROFILE if r in rules and view.get("register", r) is not None]
    comparisons: dict[str, dict[str, Any]] = {g: {} for g in ("all", "filiere", "top")}
    for reg in registers:
        groups = comparison_groups(view, campus, reg, filieres, float(cmp_texts["top_share"]))
        for g, members in groups.items():
            comparisons[g][reg] = compare(view, campus, reg, g, members)
    sentences = []
    for reg in registers:
        c = comparisons["all"][reg]
        sentences.append(_sentence(c, rules[reg].title, "all", cmp_texts))
    summary.blocks.append(Paragraph("", items=sentences))

    # registers -----------------------------------------------------------------------------
    regs = section("registers")
    for g in ("all", "filiere", "top"):
        if not comparisons[g]:
            continue
        rows = []
        counts = set()
        for reg in registers:
            c = comparisons[g][reg]
            counts.add(c.count)
            read = reading(c, cmp_texts)
            own = cell(view.get("register", reg, None, campus=campus), 0)
            rows.append(Row(rules[reg].title, [
                own,
                Cell(fmt(c.reference), round(c.reference)) if c.reference is not None else Cell("–"),
                Cell(signed(c.diff), round(c.diff)) if c.diff is not None else Cell("–"),
                Cell(f"{signed(c.low)} à {signed(c.high)}") if c.low is not None else Cell("–"),
                Cell(signed(c.effect, 2), round(c.effect, 2)) if c.effect is not None else Cell("–"),
                Cell(("différent : " + read) if c.established else read),
            ], key=reg))
        hit = next((r for r in rows if r.cells[0].value is not None and r.cells[1].value is not None), None)
        lecture = sentence(tspecs["registers"]["lecture"], row=hit.label, value=hit.cells[0].text, reference=hit.cells[1].text, group=cmp_texts[g]) if hit else None
        t = table("registers", tspecs["registers"]["columns"], rows, lecture, group=cmp_texts[g], group_a=cmp_texts[f"{g}_a"], count=fmt(max(counts) if counts else 0))
        regs.blocks.append(Paragraph(heading=cmp_texts[f"{g}_short"]))
        regs.blocks.append(t)

    # distribution -------------------------------------------------------------------------
    dist = section("distribution")
    all_values, mine, rows = [], [], []
    for reg in registers:
        campus_rows = view.rows("register", "campus").filter((pl.col("item") == reg) & ~pl.col("suppressed") & pl.col("estimate").is_not_null())
        others = [float(v) for c, v in zip(campus_rows["campus"].to_list(), campus_rows["estimate"].to_list(), strict=True) if c != campus]
        own = view.value("register", reg, None, campus=campus)
        all_values.append(others + ([own] if own is not None else []))
        mine.append(own)
        rows.append(Row(rules[reg].title, [cell(view.get("register", reg, None, campus=campus), 0)], key=reg))
    if registers:
        f_spec = fspecs["distribution"]
        fig = fg.campus_distribution([rules[r].title for r in registers], [sorted(v) for v in all_values], mine, labels=(f_spec["highlight"], f_spec["others"]))
        ncamp = max((len(v) for v in all_values), default=0)
        med = sorted(all_values[0])[len(all_values[0]) // 2] if all_values[0] else None
        lecture = sentence(f_spec["lecture"], row=rules[registers[0]].title, value=rows[0].cells[0].text, value2=fmt(med) if med is not None else "–")
        title = fill(f_spec["title"], count=fmt(ncamp))
        alt = title + ". " + " ; ".join(f"{r.label} : votre campus {r.cells[0].printed}" for r in rows) + ". Les autres campus sont représentés sans être nommés."
        data = Table(key="distribution_data", number="", title=common["labels"]["figure_data"], stub="Indicateur", columns=["Votre campus"], rows=rows)
        dist.blocks.append(Figure(key="distribution", number=f_spec["number"], title=title, svg=fg.to_svg(fig, key=f"c-distribution", alt=alt), alt=alt,
                                  lecture=common["labels"]["lecture_prefix"] + lecture, source=f_spec["source"], data=data))
        fg.close(fig)
        from effipia.report.rankings import campus_rank_sentence

        campus_rows = view.rows("register", "campus")
        ranks = []
        for reg in registers:
            part = campus_rows.filter(pl.col("item") == reg).to_dicts()
            text = campus_rank_sentence(next((r for r in part if r["campus"] == campus), None), [r for r in part if r["campus"] != campus],
                                        rules[reg].title, spec["ranking"])
            if text:
                ranks.append(text)
        if ranks:
            dist.blocks.append(Paragraph(heading=spec["ranking"]["heading"], items=ranks))

    # points forts / vigilance -----------------------------------------------------------------
    pts = section("points")
    prule = spec["points"]
    pts.intro = fill(spec["sections"]["points"]["intro"], threshold=fmt(prule["threshold"]), count=prule["count"])
    strong, watch = points(view, campus, prule)
    ptexts = spec["sections"]["points"]

    def point_line(g: dict) -> str:
        return fill(ptexts["item"], row=labels.item(g["item"]), campus=f"{fmt(g['campus'])}\u202f%", all=f"{fmt(g['all'])}\u202f%", diff=signed(g["diff"]), points=points_word(g["diff"]))

    pts.blocks.append(Paragraph("" if strong else fill(ptexts["none_strong"], threshold=fmt(prule["threshold"])), items=[point_line(g) for g in strong], heading=ptexts["strong"]))
    pts.blocks.append(Paragraph("" if watch else fill(ptexts["none_watch"], threshold=fmt(prule["threshold"])), items=[point_line(g) for g in watch], heading=ptexts["watch"]))

    # item detail -------------------------------------------------------------------------
    items_sec = section("items")
    for reg in registers:
        tname = _REGISTER_TABLE[reg]
        codes = prule.get(tname, [1])
        rows = []
        for item in view.items(tname):
            mine_v, hidden = _favourable(view, tname, item, codes, campus)
            whole, _ = _favourable(view, tname, item, codes, ENSEMBLE)
            flags = [(view.get(tname, item, str(c), campus=campus) or {}).get("precision") for c in codes]
            flag = "unreliable" if "unreliable" in flags else ("imprecise" if "imprecise" in flags else None)
            mark = {"imprecise": "†", "unreliable": "‡"}.get(flag or "", "")
            c1 = Cell("s", suppressed=True) if hidden else (Cell(fmt(mine_v), round(mine_v), flag=flag, marker=mark) if mine_v is not None else Cell("–"))
            c2 = Cell(fmt(whole), round(whole)) if whole is not None else Cell("–")
            c3 = Cell(signed(mine_v - whole), round(mine_v - whole)) if (mine_v is not None and whole is not None and not hidden) else Cell("–")
            rows.append(Row(labels.item(item), [c1, c2, c3], key=item))
        if not rows:
            continue
        hit = first_published(rows, [0])
        lecture = sentence(tspecs["items"]["lecture"], value=f"{hit[2].text}\u202f%", row=hit[0].label) if hit else None
        items_sec.blocks.append(table("items", tspecs["items"]["columns"], rows, lecture, register=rules[reg].title))

    # relations ---------------------------------------------------------------------------
    rel = section("relations")
    rows = [Row(labels.item(i), [cell(view.get("tableau_2", i, "1", campus=campus), 0), cell(view.get("tableau_2", i, "1"), 0)], key=i) for i in view.items("tableau_2")]
    if rows:
        hit = first_published(rows, [0])
        lecture = sentence(tspecs["relations"]["lecture"], value=percent_text(hit[2]), row=hit[0].label) if hit else None
        rel.blocks.append(table("relations", tspecs["relations"]["columns"], rows, lecture))

    # effects (Tableau 8 for the campus) --------------------------------------------------------
    eff = section("effects")
    digits = int(table_specs()["tableau_8"].get("decimals", 2))
    rows = []
    for item in view.items("tableau_8"):
        rows.append(Row(labels.item(item), [cell(view.get("tableau_8", item, "1", campus=campus), digits), cell(view.get("tableau_8", item, "0", campus=campus), digits),
                                            cell(view.get("tableau_8", item, "1"), digits)], key=item))
    if rows:
        hit = first_published(rows, [0])
        lecture = sentence(tspecs["effects"]["lecture"], value=percent_text(hit[2]), row=hit[0].label) if hit else None
        eff.blocks.append(table("effects", tspecs["effects"]["columns"], rows, lecture))

    # collaboration ------------------------------------------------------------------------
    col = section("collab")
    rows = [Row(labels.answer("collab", a), [cell(view.get("collab", "collab", a, campus=campus), 0), cell(view.get("collab", "collab", a), 0)], key=a)
            for a in ("1", "2", "3", "4", "5") if view.get("collab", "collab", a) is not None]
    if rows:
        hit = first_published(rows, [0])
        lecture = sentence(tspecs["collab"]["lecture"], value=percent_text(hit[2]), row=hit[0].label) if hit else None
        col.blocks.append(table("collab", tspecs["collab"]["columns"], rows, lecture))

    # response rates -------------------------------------------------------------------------
    resp = section("response")
    rows = []
    for g in GROUPS:
        r = view.get("response_rate", "response", None, group=g, campus=campus)
        if r is None:
            continue
        rows.append(Row(labels.group(g), [Cell(fmt(r["n"]), float(r["n"])), cell(r, 0), cell(view.get("response_rate", "response", None, group=g), 0)], key=g))
    if rate_row is not None:
        rows.append(Row("Ensemble", [Cell(fmt(rate_row["n"]), float(rate_row["n"])), cell(rate_row, 0), cell(view.get("response_rate", "response", None), 0)], key=ENSEMBLE))
    if rows:
        hit = first_published(rows[-1:], [1])
        lecture = sentence(tspecs["response"]["lecture"], value=percent_text(hit[2])) if hit else None
        resp.blocks.append(table("response", tspecs["response"]["columns"], rows, lecture))

    ordered = []
    for key in spec.get("order", list(sections)):
        if key in sections:
            ordered.append(sections[key])
        else:
            s = spec["sections"].get(key, {})
            ordered.append(Section(key=key, title=fill(s.get("title", key), **values), intro=fill(s.get("intro", ""), **values), template=s.get("template")))
    meta = {"campaign": ctx.campaign, "authors": ctx.authors, "dates": ctx.dates, "respondents": values["respondents"]}
    return Report(kind="campus", title=fill(spec["title"], **values), subtitle=fill(spec["subtitle"], **values),
                  running_header=fill(spec["running_header"], **values), meta=meta, sections=ordered, campus_id=campus)


def points_word(diff: float) -> str:
    """« point » below 2 in absolute value, « points » from 2 (French plural rule)."""
    return "point" if abs(round(diff)) < 2 else "points"


def _sentence(c, title: str, group: str, texts: dict[str, Any]) -> str:
    names = {"group": texts[group], "group_a": texts[f"{group}_a"], "group_de": texts[f"{group}_de"]}
    if c.low is None:
        reason = texts.get(f"reason_{c.reason}", c.reason or "")
        return fill(texts["sentence_unavailable"], register=title, reason=reason, **names)
    key = "sentence_different" if c.established else "sentence_comparable"
    return fill(texts[key], register=title, campus=fmt(c.campus_score), reference=fmt(c.reference), reading=reading(c, texts),
                diff=signed(c.diff), low=signed(c.low), high=signed(c.high), points=points_word(c.diff), **names)

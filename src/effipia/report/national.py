"""The national evaluation report built from the statistics set (plus the registry of
campuses and the interview log): sections, Tableaux 1–8, illustrations and figures, each
with its « Lecture », « Champ » and « Source » written from the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.registers import load_rules
from effipia.analysis.tables import table_specs
from effipia.report import figures as fg
from effipia.report.common import first_published, fmt, letters_for, make_table, percent_text, sentence
from effipia.report.interviews import tableau_1
from effipia.report.labels import Labels
from effipia.report.model import Cell, Figure, Paragraph, Report, Row, Section, Table
from effipia.report.statistics import ENSEMBLE, StatisticsView, cell
from effipia.report.texts import ReportTexts, fill

__all__ = ["Context", "build_national", "annex_table", "REGISTERS", "GROUPS"]

#: The five registers (six indicators) in the order of the published report.
REGISTERS = ("dyn", "lead", "res_level_sat", "res_level_dissat", "res_use", "mgmt")
GROUPS = ("entreprise", "lycee", "of_cfa", "superieur", "autre")


@dataclass
class Context:
    """What a builder needs besides the statistics set."""

    campaign: str
    texts: ReportTexts
    campuses: pl.DataFrame | None = None
    interviews: pl.DataFrame | None = None
    min_n: int = DEFAULT_MIN_N
    authors: str = ""
    dates: str = ""
    weights: str = "none"
    warnings: list[str] = field(default_factory=list)
    #: the territories stage's result (:class:`effipia.territories.Territories`) for
    #: Illustration 2; ``None``: a French note says why the map is absent
    territories: Any = None


def _decimals(name: str, fallback: int = 0) -> int:
    return int(table_specs().get(name, {}).get("decimals", fallback))


def annex_table(view: StatisticsView, name: str, spec: dict[str, Any], labels: Labels, common: dict[str, Any], *,
                campus: str = ENSEMBLE, min_n: int = DEFAULT_MIN_N, number_override: str | None = None) -> Table | None:
    """Tableaux 3 to 8 (one campus when ``campus`` is given): items as rows, answer codes as columns."""
    tspec = table_specs()[name]
    answers = [str(a) for a in tspec["answers"]]
    domain = "ensemble" if campus == ENSEMBLE else "campus"
    items = view.items(name, domain) or view.items(name)
    if not items:
        return None
    digits = _decimals(name)
    rows = [Row(labels.item(item), [cell(view.get(name, item, a, campus=campus), digits) for a in answers], key=item) for item in items]
    if name == "tableau_8":  # published in decreasing order of the PIA effect
        rows.sort(key=lambda r: -(r.cells[0].value if r.cells[0].value is not None else -1))
    columns = spec.get("columns") or [labels.answer(items[0], a) for a in answers]
    hit = first_published(rows)
    lecture = None
    if hit:
        row, j, c = hit
        lecture = sentence(spec["lecture"], value=percent_text(c), row=row.label, answer=columns[j])
    return make_table(name, spec, columns, rows, lecture=lecture, common=common, min_n=min_n, number_override=number_override)


def _tableau_2(view: StatisticsView, spec: dict, labels: Labels, common: dict, min_n: int) -> Table | None:
    items = view.items("tableau_2")
    if not items:
        return None
    groups = [g for g in GROUPS if view.rows("tableau_2", "group").filter(pl.col("group") == g).height]
    digits = _decimals("tableau_2", 0)
    rows = []
    for item in items:
        cells = [cell(view.get("tableau_2", item, "1", group=g), digits) for g in groups]
        cells.append(cell(view.get("tableau_2", item, "1"), digits))
        rows.append(Row(labels.item(item), cells, key=item))
    columns = [labels.group(g) for g in groups] + [common["labels"]["ensemble"]]
    hit = first_published(rows)
    lecture = None
    if hit:
        row, j, c = hit
        lecture = sentence(spec["lecture"], value=percent_text(c), group=columns[j], row=row.label)
    return make_table("tableau_2", spec, columns, rows, lecture=lecture, common=common, min_n=min_n)


def _registers_by_group(view: StatisticsView, spec: dict, labels: Labels, common: dict, min_n: int) -> Table | None:
    if not view.rows("register").height:
        return None
    rules = load_rules()
    groups = [g for g in GROUPS if view.rows("register", "group").filter(pl.col("group") == g).height]
    rows = []
    for reg in REGISTERS:
        if view.get("register", reg) is None:
            continue
        cells = [cell(view.get("register", reg, None, group=g), 0) for g in groups] + [cell(view.get("register", reg), 0)]
        rows.append(Row(rules[reg].title if reg in rules else reg, cells, key=reg))
    columns = [labels.group(g) for g in groups] + [common["labels"]["ensemble"]]
    hit = first_published(rows)
    lecture = sentence(spec["lecture"], value=hit[2].text, row=hit[0].label, group=columns[hit[1]]) if hit else None
    return make_table("registers_by_group", spec, columns, rows, lecture=lecture, common=common, min_n=min_n)


def _collab(view: StatisticsView, spec: dict, labels: Labels, common: dict, min_n: int) -> Table | None:
    part = view.rows("collab")
    if not part.height:
        return None
    answers = [a for a in ("1", "2", "3", "4", "5") if view.get("collab", "collab", a) is not None]
    groups = [g for g in GROUPS if view.rows("collab", "group").filter(pl.col("group") == g).height]
    rows = []
    for a in answers:
        cells = [cell(view.get("collab", "collab", a, group=g), 0) for g in groups] + [cell(view.get("collab", "collab", a), 0)]
        rows.append(Row(labels.answer("collab", a), cells, key=a))
    columns = [labels.group(g) for g in groups] + [common["labels"]["ensemble"]]
    hit = first_published(rows, [len(columns) - 1])
    lecture = sentence(spec["lecture"], value=percent_text(hit[2]), row=hit[0].label) if hit else None
    return make_table("collab", spec, columns, rows, lecture=lecture, common=common, min_n=min_n)


def _model(view: StatisticsView, spec: dict, labels: Labels, common: dict, min_n: int) -> tuple[Table | None, str | None]:
    part = view.rows("model_relations", "group")
    if not part.height:
        return None, None
    def ci_cell(row):
        c = cell(row, 1)
        if c.value is None or row.get("ci_low") is None:
            return c
        text = f"{c.text} [{fmt(row['ci_low'], 1)} ; {fmt(row['ci_high'], 1)}]"
        return Cell(text, c.value, flag=c.flag, marker=c.marker)
    rows = []
    for g in GROUPS:
        cells = [
            ci_cell(view.get("model_relations", f"predicted_count_{k}", None, group=g)) for k in ("not_involved", "involved")
        ] + [ci_cell(view.get("model_relations", "predicted_count", None, group=g))]
        if any(c.value is not None or c.suppressed for c in cells):
            rows.append(Row(labels.group(g), cells, key=g))
    family = "binomial négatif" if view.value("model_relations", "family_negbin") == 1 else "de Poisson"
    hit = first_published(rows, [0])
    lecture = sentence(spec["lecture"], value=hit[2].text.split(" [")[0], row=hit[0].label) if hit else None
    table = make_table("model_relations", spec, spec["columns"], rows, lecture=lecture, common=common, min_n=min_n, family=family)
    words = None
    if hit:
        words = fill("Un partenaire « {row} » ni membre du consortium ni concerné par le PIA noue des relations avec {value} catégories de partenaires en moyenne.",
                     row=hit[0].label, value=hit[2].text.split(" [")[0])
    return table, words


def _response_rates(view: StatisticsView, spec: dict, labels: Labels, common: dict, min_n: int, letters: dict[str, str]) -> Table | None:
    part = view.rows("response_rate", "campus")
    if not part.height:
        return None
    groups = [g for g in GROUPS if view.rows("response_rate", "group").filter(pl.col("group") == g).height]
    rows = []
    for campus in sorted(part["campus"].unique().to_list(), key=lambda c: (len(letters.get(c, c)), letters.get(c, c))):
        cells = [cell(view.get("response_rate", "response", None, group=g, campus=campus), 0) for g in groups]
        cells.append(cell(view.get("response_rate", "response", None, campus=campus), 0))
        rows.append(Row(letters.get(campus, campus), cells, key=campus))
    cells = [cell(view.get("response_rate", "response", None, group=g), 0) for g in groups] + [cell(view.get("response_rate", "response", None), 0)]
    rows.append(Row("Ensemble des campus", cells, key=ENSEMBLE))
    columns = [labels.group(g) for g in groups] + ["Ensemble"]
    hit = first_published(rows, [len(columns) - 1])
    lecture = sentence(spec["lecture"], value=percent_text(hit[2]), row=hit[0].label) if hit else None
    return make_table("response_rates", spec, columns, rows, lecture=lecture, common=common, min_n=min_n)


def _scoring(spec: dict, common: dict) -> Table:
    rows = []
    for name in REGISTERS:
        rule = load_rules().get(name)
        if rule is None:
            continue
        if rule.scores:
            how = "moyenne des notes par question : " + ", ".join(f"{code} → {fmt(v)}" for code, v in rule.scores)
        else:
            kind = "favorables" if rule.index == "positive" else "défavorables"
            how = f"part des réponses {kind} (codes {', '.join(map(str, rule.positive if rule.index == 'positive' else rule.negative))}), codes {', '.join(map(str, rule.excluded)) or 'aucun'} exclus"
        rows.append(Row(rule.title, [Cell(", ".join(rule.items)), Cell(how)], key=name))
    lecture = sentence(spec["lecture"], row=rows[0].label, items=len(load_rules()[REGISTERS[0]].items)) if rows else None
    return make_table("scoring", spec, spec["columns"], rows, lecture=lecture, common=common)


def _figure(key: str, spec: dict, fig, alt: str, lecture: str | None, data: Table | None, common: dict, figures: dict, champ: str | None = None, notes=None) -> Figure:
    svg = fg.to_svg(fig, key=key, alt=alt)
    figures[key] = fig
    return Figure(key=key, number=spec["number"], title=spec["title"], svg=svg, alt=alt,
                  lecture=(common["labels"]["lecture_prefix"] + lecture) if lecture else None,
                  champ=champ, source=spec.get("source"), data=data, notes=notes or [])


def _data_table(key: str, fspec: dict, stub: str, columns: list[str], rows: list[Row], common: dict, min_n: int) -> Table:
    t = Table(key=key + "_data", number="", title=common["labels"]["figure_data"] + " — " + fspec["number"], stub=stub, columns=columns, rows=rows)
    from effipia.report.common import footnotes_for

    t.notes = footnotes_for(t.cells(), common, min_n)
    return t


def _alt(title: str, rows: list[Row], columns: list[str]) -> str:
    """Alternative text: the title then every published value (suppressed ones read « s »)."""
    parts = []
    for r in rows:
        vals = ", ".join(f"{col} {c.printed}" if len(columns) > 1 else c.printed for col, c in zip(columns, r.cells, strict=False))
        parts.append(f"{r.label} : {vals}")
    return f"{title}. " + " ; ".join(parts) + "."


def _share_figure(view, key, fspec, statistic, item, labels_of, common, figures, min_n, domain="ensemble") -> Figure | None:
    part = view.rows(statistic, domain).filter(pl.col("item") == item)
    if not part.height:
        return None
    rows = [Row(labels_of(r["answer"]), [cell(r, 0)], key=r["answer"]) for r in part.iter_rows(named=True)]
    rows = [r for r in rows if not (r.cells[0].value == 0 and r.key == "direction")]
    fig = fg.bars([r.label for r in rows], [r.cells[0].value for r in rows], unit=" %")
    hit = first_published(sorted(rows, key=lambda r: -(r.cells[0].value or -1)))
    lecture = sentence(fspec["lecture"], value=percent_text(hit[2]), row=hit[0].label) if hit else None
    data = _data_table(key, fspec, "Catégorie", ["%"], rows, common, min_n)
    return _figure(key, fspec, fig, _alt(fspec["title"], rows, ["%"]), lecture, data, common, figures, notes=data.notes)


def build_national(statistics: pl.DataFrame | StatisticsView, ctx: Context) -> tuple[Report, dict[str, Any]]:
    """The national report and its matplotlib figures by key (for PNG/SVG files)."""
    view = statistics if isinstance(statistics, StatisticsView) else StatisticsView(statistics)
    texts, common, spec = ctx.texts, ctx.texts.common, ctx.texts.national
    labels = Labels(common)
    campus_ids = view.campuses()
    letters = letters_for(campus_ids, ctx.campuses)
    figures: dict[str, Any] = {}
    tspecs, fspecs = spec["tables"], spec["figures"]
    min_n = ctx.min_n
    respondents = view.get("tableau_3", "dyn_1", "1")
    n_resp = int(respondents["n"]) if respondents else max((int(x) for x in view.rows("register")["n"].drop_nulls().to_list()), default=0)
    values = {"campaign": ctx.campaign, "respondents": fmt(n_resp), "campuses": fmt(len(campus_ids))}
    sections: dict[str, Section] = {}

    def section(key: str) -> Section:
        s = spec["sections"].get(key, {})
        sec = Section(key=key, title=fill(s.get("title", key), **values), intro=fill(s.get("intro", ""), **values), template=s.get("template"))
        sections[key] = sec
        return sec

    # summary -------------------------------------------------------------------------
    summary = section("summary")
    rules = load_rules()
    items = []
    for reg in REGISTERS:
        v = view.value("register", reg)
        if v is not None and reg in rules:
            items.append(f"{rules[reg].title} : {fmt(v)} sur 100")
    if items:
        summary.blocks.append(Paragraph("Indicateurs de qualité du partenariat (ensemble des partenaires) :", items=items))
    collab1 = view.value("collab", "collab", "1")
    if collab1 is not None:
        summary.blocks.append(Paragraph(f"{fmt(collab1)}\u202f% des répondants estiment que le partenariat du campus repose essentiellement sur de la collaboration entre les partenaires."))
    rc = view.value("relations_count", "n_categories")
    if rc is not None:
        summary.blocks.append(Paragraph(f"En moyenne, chaque partenaire répondant a noué des relations avec {fmt(rc, 1)} catégories de partenaires différentes."))
    rr = view.value("response_rate", "response")
    if rr is not None:
        summary.blocks.append(Paragraph(f"Taux de réponse : {fmt(rr, 1)}\u202f% des partenaires invités."))

    # interviews (Tableau 1) ----------------------------------------------------------------
    interviews = section("interviews")
    t1 = tableau_1(ctx.interviews, tspecs["tableau_1"], common, campaign=ctx.campaign) if ctx.interviews is not None and ctx.interviews.height else None
    if t1 is not None:
        interviews.blocks.append(t1)
    else:
        interviews.blocks.append(Paragraph("Aucun entretien n'a été enregistré pour cette campagne (commande « effipia interviews import »)."))

    # characteristics ------------------------------------------------------------------------
    chars = section("characteristics")
    f = _share_figure(view, "illustration_1", fspecs["illustration_1"], "structure_campuses", "filiere", labels.filiere, common, figures, min_n)
    if f:
        chars.blocks.append(f)
    from effipia.report.territories import illustration_2

    chars.blocks.append(illustration_2(ctx.territories, fspecs["illustration_2"], common, figures, min_n))

    # partnership structure -------------------------------------------------------------------
    part_sec = section("partnership")
    f = _share_figure(view, "illustration_3", fspecs["illustration_3"], "structure_consortium", view.items("structure_consortium")[0] if view.items("structure_consortium") else "", labels.category, common, figures, min_n)
    if f:
        part_sec.blocks.append(f)
    glob = view.rows("structure_partnership").filter(pl.col("item") == "analysis_category")
    cons = view.rows("structure_consortium")
    if glob.height and cons.height:
        cats = [c for c in glob["answer"].to_list() if c != "direction"]
        ci = cons["item"][0]
        rows = [Row(labels.category(c), [cell(view.get("structure_partnership", "analysis_category", c), 0), cell(view.get("structure_consortium", ci, c), 0)], key=c) for c in cats]
        cols = ["Partenariat global", "Consortiums"]
        fig = fg.grouped_bars([r.label for r in rows], [(cols[0], [r.cells[0].value for r in rows]), (cols[1], [r.cells[1].value for r in rows])], unit=" %")
        hit = next((r for r in rows if r.cells[0].value is not None and r.cells[1].value is not None), None)
        lecture = sentence(fspecs["figure_1"]["lecture"], row=hit.label, value=percent_text(hit.cells[0]), value2=percent_text(hit.cells[1])) if hit else None
        data = _data_table("figure_1", fspecs["figure_1"], "Catégorie", cols, rows, common, min_n)
        part_sec.blocks.append(_figure("figure_1", fspecs["figure_1"], fig, _alt(fspecs["figure_1"]["title"], rows, cols), lecture, data, common, figures, notes=data.notes))
    sz = view.rows("structure_size_reweighted")
    if sz.height:
        bands = list(dict.fromkeys(sz.filter(pl.col("item") == "size_band_reweighted")["answer"].to_list()))
        rows = [Row(common["size_bands"].get(b, b), [cell(view.get("structure_size_reweighted", "size_band_reweighted", b), 1), cell(view.get("structure_size_reweighted", "size_band_france", b), 1)], key=b) for b in bands]
        cols = ["Entreprises partenaires (pondérées par la NAF)", "Ensemble des entreprises françaises"]
        fig = fg.grouped_bars([r.label for r in rows], [(cols[0], [r.cells[0].value for r in rows]), (cols[1], [r.cells[1].value for r in rows])], digits=1, unit=" %")
        hit = max((r for r in rows if r.cells[0].value is not None and r.cells[1].value is not None), key=lambda r: r.cells[0].value, default=None)
        lecture = sentence(fspecs["figure_2"]["lecture"], row=hit.label, value=percent_text(hit.cells[0]), value2=percent_text(hit.cells[1])) if hit else None
        data = _data_table("figure_2", fspecs["figure_2"], "Effectif salarié", cols, rows, common, min_n)
        part_sec.blocks.append(_figure("figure_2", fspecs["figure_2"], fig, _alt(fspecs["figure_2"]["title"], rows, cols), lecture, data, common, figures, notes=data.notes))

    # relations --------------------------------------------------------------------------------
    rel = section("relations")
    rc_campus = view.rows("relations_count", "campus")
    if rc_campus.height:
        rows = [Row(letters.get(r["campus"], r["campus"]), [cell(r, 1)], key=r["campus"]) for r in rc_campus.iter_rows(named=True)]
        rows.sort(key=lambda r: (len(r.label), r.label))
        fig = fg.columns([r.label for r in rows], [r.cells[0].value for r in rows], digits=1, ylabel="Catégories de partenaires")
        top = max((r for r in rows if r.cells[0].value is not None), key=lambda r: r.cells[0].value, default=None)
        lecture = sentence(fspecs["illustration_4"]["lecture"], row=top.label, value=top.cells[0].text) if top else None
        data = _data_table("illustration_4", fspecs["illustration_4"], "Campus", ["Nombre moyen"], rows, common, min_n)
        rel.blocks.append(_figure("illustration_4", fspecs["illustration_4"], fig, _alt(fspecs["illustration_4"]["title"], rows, ["Nombre moyen"]), lecture, data, common, figures, notes=data.notes))
    t2 = _tableau_2(view, tspecs["tableau_2"], labels, common, min_n)
    if t2:
        rel.blocks.append(t2)
    graph = view.rows("relations_graph", "group").filter(pl.col("item").str.starts_with("rel_to_"))
    if graph.height:
        nodes = [g for g in GROUPS if g in set(graph["group"].to_list())]
        edges, rows = {}, []
        for r in graph.iter_rows(named=True):
            target = r["item"].removeprefix("rel_to_")
            if target in nodes:
                c = cell(r, 0)
                edges[(nodes.index(r["group"]), nodes.index(target))] = c.value
                rows.append(Row(f"{labels.group(r['group'])} → {labels.group(target)}", [c]))
        fig = fg.relations_graph([labels.group(n) for n in nodes], edges)
        hit = first_published(rows)
        lecture = None
        if hit:
            src, dst = hit[0].label.split(" → ")
            lecture = sentence(fspecs["illustration_5"]["lecture"], value=percent_text(hit[2]), row=src, row2=dst)
        data = _data_table("illustration_5", fspecs["illustration_5"], "Relation", ["%"], rows, common, min_n)
        rel.blocks.append(_figure("illustration_5", fspecs["illustration_5"], fig, _alt(fspecs["illustration_5"]["title"], rows, ["%"]), lecture, data, common, figures, notes=data.notes))
    model_table, model_words = _model(view, tspecs["model_relations"], labels, common, min_n)
    if model_table:
        if model_words:
            rel.blocks.append(Paragraph(model_words))
        rel.blocks.append(model_table)

    # quality ---------------------------------------------------------------------------------
    quality = section("quality")
    rg = _registers_by_group(view, tspecs["registers_by_group"], labels, common, min_n)
    if rg:
        quality.blocks.append(rg)
    sat = view.rows("register", "campus").filter(pl.col("item") == "res_level_sat")
    if sat.height:
        ids = sorted(sat["campus"].to_list(), key=lambda c: (len(letters.get(c, c)), letters.get(c, c)))
        rows = [Row(letters.get(c, c), [cell(view.get("register", "res_level_sat", None, campus=c), 0), cell(view.get("register", "res_level_dissat", None, campus=c), 0)], key=c) for c in ids]
        cols = ["Indice de satisfaction", "Indice d'insatisfaction"]
        fig = fg.diverging_bars([r.label for r in rows], [r.cells[0].value for r in rows], [r.cells[1].value for r in rows], names=(cols[0], cols[1]))
        p = next((r for r in rows if r.cells[0].value is not None), None)
        d = max((r for r in rows if r.cells[1].value is not None), key=lambda r: r.cells[1].value, default=None)
        lecture = sentence(fspecs["illustration_6"]["lecture"], row=p.label, value=p.cells[0].text, row2=d.label, value2=d.cells[1].text) if p and d else None
        data = _data_table("illustration_6", fspecs["illustration_6"], "Campus", cols, rows, common, min_n)
        quality.blocks.append(_figure("illustration_6", fspecs["illustration_6"], fig, _alt(fspecs["illustration_6"]["title"], rows, cols), lecture, data, common, figures, notes=data.notes))
    prof = view.rows("campus_profile", "campus")
    if prof.height:
        order = [r["campus"] for r in prof.sort("estimate", descending=True, nulls_last=True).iter_rows(named=True)]
        regs = [r for r in ("dyn", "lead", "res_level_sat", "res_use", "mgmt") if r in rules]
        rows = [Row(letters.get(c, c), [cell(view.get("register", reg, None, campus=c), 0) for reg in regs], key=c) for c in order]
        cols = [rules[r].title for r in regs]
        fig = fg.profiles_by_campus([r.label for r in rows], [(cols[j], [r.cells[j].value for r in rows]) for j in range(len(regs))])
        from effipia.report.rankings import top_profile_lecture

        lecture = top_profile_lecture(prof.to_dicts(), letters, fspecs["illustration_7"])
        data = _data_table("illustration_7", fspecs["illustration_7"], "Campus", cols, rows, common, min_n)
        quality.blocks.append(_figure("illustration_7", fspecs["illustration_7"], fig, _alt(fspecs["illustration_7"]["title"], rows, cols), lecture, data, common, figures, notes=data.notes))
    ct = _collab(view, tspecs["collab"], labels, common, min_n)
    if ct:
        quality.blocks.append(ct)
        cols = ct.columns
        parts = [(r.label, [c.value for c in r.cells]) for r in ct.rows]
        fig = fg.stacked_bars(cols, parts)
        frows = [Row(col, [r.cells[j] for r in ct.rows]) for j, col in enumerate(cols)]
        quality.blocks.append(_figure("collab", fspecs["collab"], fig, _alt(fspecs["collab"]["title"], frows, [r.label for r in ct.rows]), ct.lecture[len(common["labels"]["lecture_prefix"]):] if ct.lecture else None, None, common, figures, notes=ct.notes))

    # annex tables 3–8 ----------------------------------------------------------------------
    annex = section("annex_tables")
    for name in ("tableau_3", "tableau_4", "tableau_5", "tableau_6", "tableau_7", "tableau_8"):
        t = annex_table(view, name, tspecs[name], labels, common, min_n=min_n)
        if t:
            annex.blocks.append(t)

    # methods -----------------------------------------------------------------------------
    methods = section("methods")
    m = spec["methods"]
    inv = view.get("response_rate", "response", None)
    if inv is not None:
        invited = int(inv["n"])
        methods.blocks.append(Paragraph(fill(m["population"], invited=fmt(invited), respondents=fmt(n_resp), rate=f"{fmt(inv['estimate'], 1)}\u202f%" if not inv["suppressed"] else "s")))
    methods.blocks.append(Paragraph(fill(m["weights"], weights=m["weights_calibrated"] if ctx.weights == "calibrated" else m["weights_none"])))
    methods.blocks.append(Paragraph(m["intervals"]))
    methods.blocks.append(Paragraph(fill(m["disclosure"], min_n=min_n)))
    methods.blocks.append(Paragraph(m["precision"] if view.has_precision else m["precision_absent"]))
    methods.blocks.append(_scoring(tspecs["scoring"], common))
    rr_table = _response_rates(view, tspecs["response_rates"], labels, common, min_n, letters)
    if rr_table:
        methods.blocks.append(rr_table)
    methods.blocks.append(Paragraph(m["no_warnings"] if not ctx.warnings else "", items=list(ctx.warnings), heading=m["warnings_title"]))

    order = [k for k in spec.get("order", list(sections))]
    ordered = []
    for key in order:
        if key in sections:
            ordered.append(sections[key])
        else:  # a team's own chapter: its template renders it
            s = spec["sections"].get(key, {})
            ordered.append(Section(key=key, title=fill(s.get("title", key), **values), intro=fill(s.get("intro", ""), **values), template=s.get("template")))
    meta = {"campaign": ctx.campaign, "authors": ctx.authors, "dates": ctx.dates, "respondents": fmt(n_resp), "campuses": fmt(len(campus_ids))}
    report = Report(kind="national", title=fill(spec["title"], **values), subtitle=fill(spec["subtitle"], **values),
                    running_header=fill(spec["running_header"], **values), meta=meta, sections=ordered)
    return report, figures

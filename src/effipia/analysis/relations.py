"""Relations between categories of partners (report section 6.2, Tableau 2, Illustrations 4 and 5).

Respondents say with which of 16 categories of partners (``rel_1`` … ``rel_16``,
nomenclature ``relation_categories``) they have relations inside their campus, and whether
the campus let them meet new types of partners (``rel_new``). From these items:

* :func:`relation_counts` — the number of distinct categories each respondent relates to;
* :func:`relations_graph` — the weighted directed graph between the main categories
  (Illustration 5) as a :class:`networkx.DiGraph`, with :func:`graph_figures` (density, degrees);
* :func:`rows` — the statistics-set rows ``tableau_2``, ``relations_count``, ``rel_new`` and
  ``relations_graph``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import polars as pl

from effipia import nomenclatures
from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.domains import Design, as_design, domain_sets
from effipia.analysis.kernel import domain_mean_stats
from effipia.analysis.layout import DOMAIN_SETS, ENSEMBLE, conform_rows, empty_rows
from effipia.analysis.shares import producers_rows, share_rows, stats_rows
from effipia.errors import EffipiaError

if TYPE_CHECKING:  # networkx is imported where a graph object is asked for, not by compute()
    import networkx as nx

__all__ = [
    "MAIN_GROUPS",
    "relation_items",
    "relation_counts",
    "group_categories",
    "relations_graph",
    "graph_figures",
    "tableau_2_rows",
    "relations_count_rows",
    "rel_new_rows",
    "relations_graph_rows",
    "rows",
    "title",
]

#: Survey groups drawn in Illustration 5 (« les partenaires principaux »).
MAIN_GROUPS: tuple[str, ...] = ("entreprise", "lycee", "superieur", "of_cfa")


def relation_items(responses: pl.DataFrame | None = None) -> list[str]:
    """Relation items ``rel_1`` … ``rel_16`` in nomenclature order (those present in ``responses``)."""
    items = nomenclatures.codes("relation_categories", "item")
    if responses is None:
        return items
    return [item for item in items if item in responses.columns]


def relation_counts(responses: pl.DataFrame) -> pl.DataFrame:
    """Number of distinct categories of partners each respondent relates to.

    Returns ``respondent_id, campus_id, category, n_categories`` (Int64): the number of
    relation items answered 1. A respondent who answered none of the relation items has a
    null count (not asked or no answer, never 0).
    """
    items = relation_items(responses)
    ids = [c for c in ("respondent_id", "campus_id", "category") if c in responses.columns]
    if not items:
        return responses.select(ids).with_columns(pl.lit(None, dtype=pl.Int64).alias("n_categories"))
    answered = pl.sum_horizontal([pl.col(i).is_not_null().cast(pl.Int64) for i in items])
    ones = pl.sum_horizontal([(pl.col(i) == 1).fill_null(False).cast(pl.Int64) for i in items])
    return responses.select(
        *ids, pl.when(answered > 0).then(ones).otherwise(None).cast(pl.Int64).alias("n_categories")
    )


def group_categories() -> dict[str, list[str]]:
    """Relation items standing for each main survey group, as a target of relations.

    A survey group maps to the analysis category of its partner types (nomenclature
    ``partner_types``); its relation items are those of that analysis category (nomenclature
    ``relation_categories``): lycées ← secondary schools, higher education ← higher education
    and research laboratories, companies ← companies, OF & CFA ← CFA and training bodies.
    """
    types = nomenclatures.load("partner_types")
    rel = nomenclatures.load("relation_categories")
    out: dict[str, list[str]] = {}
    for group in MAIN_GROUPS:
        cats = set(types.filter(pl.col("survey_group") == group)["analysis_category"].to_list())
        out[group] = rel.filter(pl.col("analysis_category").is_in(list(cats)))["item"].to_list()
    return out


def _any_relation(responses: pl.DataFrame, items: Sequence[str]) -> pl.Expr:
    """1 if any of ``items`` is 1, 0 if some answered and none is 1, null if none answered."""
    present = [i for i in items if i in responses.columns]
    if not present:
        return pl.lit(None, dtype=pl.Int64)
    any_one = pl.any_horizontal([(pl.col(i) == 1).fill_null(False) for i in present])
    any_answer = pl.any_horizontal([pl.col(i).is_not_null() for i in present])
    return pl.when(any_answer).then(any_one.cast(pl.Int64)).otherwise(None)


def title(statistic: str) -> str:
    """French title of a statistic, from the statistics catalogue (``data/analysis/catalogue.toml``)."""
    from effipia.analysis.tables import catalogue

    return catalogue()[statistic]["title"]


def _edge_rows(frame: pl.DataFrame, groups: Sequence[str], weights, min_n: int) -> pl.DataFrame:
    return share_rows(
        frame, [f"rel_to_{t}" for t in groups], statistic="relations_graph", answers=[1],
        domains=("group",), weights=weights, min_n=min_n, title=title("relations_graph"),
    ).filter(pl.col("group").is_in(list(groups)))


def _graph_frame(responses: pl.DataFrame, groups: Sequence[str]) -> pl.DataFrame:
    targets = group_categories()
    return responses.with_columns(
        [_any_relation(responses, targets[t]).alias(f"rel_to_{t}") for t in groups]
    )


def relations_graph_rows(
    responses: pl.DataFrame,
    *,
    groups: Sequence[str] = MAIN_GROUPS,
    weights=None,
    min_n: int = DEFAULT_MIN_N,
) -> pl.DataFrame:
    """Rows ``relations_graph``: the edges of Illustration 5 and the graph's figures.

    ``item = "rel_to_<target>"``, ``answer = "1"``, ``group`` = source survey group: share of
    the source group's respondents relating to at least one partner of the target group (see
    :func:`group_categories`). ``item = "density"`` and ``"weighted_density"`` (unit
    ``ratio``, ``group`` = ensemble, see :func:`graph_figures`); ``item = "out_strength"`` /
    ``"in_strength"`` per group (sum of the shares, 0–1, of its edges to / from the other
    groups). Suppressed edges are not part of the graph.
    """
    if not relation_items(responses) or "category" not in responses.columns:
        return empty_rows()
    frame = _graph_frame(responses, groups)
    edges, graph = _edges_and_graph(frame, groups, weights, min_n)
    figures = _figures(graph)
    extra = [
        dict(item="density", group=ENSEMBLE, estimate=figures["density"], n=frame.height),
        dict(item="weighted_density", group=ENSEMBLE, estimate=figures["weighted_density"], n=frame.height),
    ]
    for g in groups:
        extra.append(dict(item="out_strength", group=g, estimate=figures["out_strength"][g], n=graph.nodes[g]["n"]))
        extra.append(dict(item="in_strength", group=g, estimate=figures["in_strength"][g], n=graph.nodes[g]["n"]))
    more = pl.DataFrame(extra).with_columns(
        statistic=pl.lit("relations_graph"), campus=pl.lit(ENSEMBLE), unit=pl.lit("ratio"),
        domain=pl.when(pl.col("group") == ENSEMBLE).then(pl.lit("ensemble")).otherwise(pl.lit("group")),
        title=pl.lit(title("relations_graph")),
    )
    return pl.concat([edges, conform_rows(more)])


class _Graph(NamedTuple):
    """A directed graph as plain dicts, in networkx's insertion orders: ``nodes[g]`` its
    attributes, ``succ[s][t]`` / ``pred[t][s]`` the attributes of the edge ``s → t``."""

    nodes: dict[str, dict]
    succ: dict[str, dict[str, dict]]
    pred: dict[str, dict[str, dict]]

    def add_edge(self, source: str, target: str, **attributes) -> None:
        for node in (source, target):
            if node not in self.nodes:
                self.nodes[node], self.succ[node], self.pred[node] = {}, {}, {}
        self.succ[source][target] = self.pred[target][source] = attributes


def _edges_and_graph(frame: pl.DataFrame, groups: Sequence[str], weights, min_n: int) -> tuple[pl.DataFrame, _Graph]:
    """Edge rows of Illustration 5 and the graph built from the published (unsuppressed) ones."""
    edges = _edge_rows(frame, groups, weights, min_n)
    return edges, _graph_from_rows(edges, groups)


def _graph_from_rows(edges: pl.DataFrame, groups: Sequence[str]) -> _Graph:
    labels = nomenclatures.labels("survey_groups", label_column="label_plural")
    graph = _Graph({}, {}, {})
    sizes = {
        r["group"]: r["n"]
        for r in edges.filter(pl.col("item") == f"rel_to_{groups[0]}").iter_rows(named=True)
    } if groups else {}
    for g in groups:
        graph.nodes[g], graph.succ[g], graph.pred[g] = {"label": labels.get(g, g), "n": int(sizes.get(g) or 0)}, {}, {}
    for r in edges.filter(~pl.col("suppressed") & pl.col("estimate").is_not_null()).iter_rows(named=True):
        target = r["item"].removeprefix("rel_to_")
        if r["estimate"] > 0:
            graph.add_edge(r["group"], target, weight=r["estimate"] / 100.0, n=int(r["n"]))
    return graph


def relations_graph(
    responses: pl.DataFrame,
    *,
    groups: Sequence[str] = MAIN_GROUPS,
    weights=None,
    min_n: int = DEFAULT_MIN_N,
) -> nx.DiGraph:
    """Weighted directed graph of relations between the main categories (Illustration 5).

    Nodes are survey groups (attributes ``label``, ``n`` respondents who answered); the edge
    ``source → target`` carries ``weight`` = share (0–1) of the respondents of ``source``
    who relate to at least one partner of ``target`` (see :func:`group_categories`) and ``n``.
    Self-loops (relations inside a group) are kept; edges with a zero or suppressed share
    (fewer than ``min_n`` respondents) are left out.
    """
    if not relation_items(responses):
        raise EffipiaError("relations.no_relation_items")
    import networkx as nx

    plain = _edges_and_graph(_graph_frame(responses, groups), groups, weights, min_n)[1]
    graph = nx.DiGraph()
    graph.add_nodes_from(plain.nodes.items())
    graph.add_edges_from((s, t, a) for s, targets in plain.succ.items() for t, a in targets.items())
    return graph


def graph_figures(graph: nx.DiGraph) -> dict[str, object]:
    """Density and degree figures of a relations graph.

    ``density``: networkx density of the graph without self-loops (share of the possible
    directed links between distinct groups that exist); ``out_strength`` / ``in_strength``:
    per node, the sum of the shares (0–1) on its edges to / from the other groups;
    ``out_degree`` / ``in_degree``: the number of such edges; ``weighted_density``: the mean
    share over every possible directed link between distinct groups (absent links count 0).
    """
    return _figures(_Graph(dict(graph.nodes(data=True)), {s: dict(t) for s, t in graph.succ.items()},
                           {t: dict(s) for t, s in graph.pred.items()}))


def _figures(graph: _Graph) -> dict[str, object]:
    """:func:`graph_figures` on the plain graph, summing in networkx's orders (same floats
    as ``nx.density`` and ``DiGraph.out_degree(weight=…)`` on the graph without self-loops)."""
    succ = {s: {t: a for t, a in targets.items() if t != s} for s, targets in graph.succ.items()}
    pred = {t: {s: a for s, a in sources.items() if s != t} for t, sources in graph.pred.items()}
    k = len(graph.nodes)
    edges = sum(len(targets) for targets in succ.values())
    total = sum(a.get("weight", 0.0) for targets in succ.values() for a in targets.values())
    return {
        "density": edges / (k * (k - 1)) if k > 1 else float("nan"),
        "weighted_density": total / (k * (k - 1)) if k > 1 else float("nan"),
        "out_degree": {g: len(succ[g]) for g in graph.nodes},
        "in_degree": {g: len(pred[g]) for g in graph.nodes},
        "out_strength": {g: sum(a.get("weight", 1) for a in succ[g].values()) for g in graph.nodes},
        "in_strength": {g: sum(a.get("weight", 1) for a in pred[g].values()) for g in graph.nodes},
    }


def tableau_2_rows(
    responses: pl.DataFrame, *, weights=None, min_n: int = DEFAULT_MIN_N, domains=DOMAIN_SETS, sets=None
) -> pl.DataFrame:
    """Rows ``tableau_2``: share (percent) of respondents relating to each of the 16 categories.

    One row per relation item × domain (``answer = "1"``); the base is every respondent who
    answered the item; the ensemble domain is the table's « ensemble des partenaires » column.
    """
    return share_rows(
        responses, relation_items(responses), statistic="tableau_2", answers=[1], base="all",
        domains=domains, weights=weights, min_n=min_n, title=title("tableau_2"), sets=sets,
    )


def rel_new_rows(
    responses: pl.DataFrame, *, weights=None, min_n: int = DEFAULT_MIN_N, domains=DOMAIN_SETS, sets=None
) -> pl.DataFrame:
    """Rows ``rel_new``: share (percent) who met new types of partners through the campus."""
    return share_rows(
        responses, ["rel_new"], statistic="rel_new", answers=[1], base="all",
        domains=domains, weights=weights, min_n=min_n, title=title("rel_new"), sets=sets,
    )


def relations_count_rows(
    responses: pl.DataFrame, *, weights=None, min_n: int = DEFAULT_MIN_N, domains=DOMAIN_SETS, sets=None
) -> pl.DataFrame:
    """Rows ``relations_count``: mean number of related categories per domain (Illustration 4).

    ``item = "n_categories"``, unit ``mean``; the base is every respondent who answered at
    least one relation item.
    """
    if not relation_items(responses):
        return empty_rows()
    counts = relation_counts(responses)["n_categories"]
    valid = counts.is_not_null().to_numpy()
    values = counts.fill_null(0).cast(pl.Float64).to_numpy()
    design = as_design(weights)
    parts = []
    for dset in sets if sets is not None else domain_sets(responses, domains):
        stats = domain_mean_stats(values, dset.index, dset.size, valid=valid, **design.kernel_args())
        parts.append(
            stats_rows(stats, dset, statistic="relations_count", item="n_categories", answers=[None],
                       scale=1.0, unit="mean", title=title("relations_count"), min_n=min_n, bounds=(0.0, 16.0))
        )
    return pl.concat(parts)


def rows(
    responses: pl.DataFrame,
    *,
    partners: pl.DataFrame | None = None,
    campuses: pl.DataFrame | None = None,
    weights=None,
    design: Design | None = None,
    sets=None,
    min_n: int = DEFAULT_MIN_N,
) -> pl.DataFrame:
    """Every relations statistic: ``tableau_2``, ``relations_count``, ``rel_new``, ``relations_graph``.

    ``weights``: per-respondent weights, or ``design`` (a :class:`Design`: weights, campus
    clusters, calibration) which takes precedence; ``sets``: precomputed domain sets.
    Empty when the response frame holds no relation item (block not collected).
    """
    if not relation_items(responses):
        return empty_rows()
    return producers_rows(
        (tableau_2_rows, relations_count_rows, rel_new_rows, relations_graph_rows),
        responses, weights=weights, design=design, min_n=min_n, sets=sets,
    )

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

import networkx as nx
import numpy as np
import polars as pl

from effipia import nomenclatures
from effipia.analysis.kernel import domain_mean_stats

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
]

#: Survey groups drawn in Illustration 5 (« les partenaires principaux »).
MAIN_GROUPS: tuple[str, ...] = ("entreprise", "lycee", "superieur", "of_cfa")

_Z95 = 1.959963984540054


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


def _weight_array(responses: pl.DataFrame, weights) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        return responses[weights].cast(pl.Float64).fill_null(0.0).to_numpy()
    return np.asarray(weights, dtype=np.float64)


def relations_graph(
    responses: pl.DataFrame,
    *,
    groups: Sequence[str] = MAIN_GROUPS,
    weights=None,
    min_share: float = 0.0,
) -> nx.DiGraph:
    """Weighted directed graph of relations between the main categories (Illustration 5).

    Nodes are survey groups (attributes ``label``, ``n`` respondents); the edge
    ``source → target`` carries ``weight`` = share (0–1) of the respondents of ``source``
    who relate to at least one partner of ``target`` (see :func:`group_categories`) and ``n``
    = respondents of ``source`` who answered. Self-loops (relations inside a group) are kept.
    Edges whose share is not above ``min_share`` are left out.
    """
    targets = group_categories()
    labels = nomenclatures.labels("survey_groups", label_column="label_plural")
    w = _weight_array(responses, weights)
    frame = responses.with_columns(
        [_any_relation(responses, targets[t]).alias(f"__to_{t}") for t in groups]
    )
    graph = nx.DiGraph()
    category = frame["category"].to_numpy() if "category" in frame.columns else np.array([])
    for g in groups:
        graph.add_node(g, label=labels.get(g, g), n=int((category == g).sum()))
    for g in groups:
        member = category == g
        for t in groups:
            y = frame[f"__to_{t}"].to_numpy().astype(np.float64)
            valid = member & ~np.isnan(y)
            n = int(valid.sum())
            if n == 0:
                continue
            ww = np.ones(len(y)) if w is None else w
            share = float(np.sum(ww[valid] * y[valid]) / np.sum(ww[valid]))
            if share > min_share:
                graph.add_edge(g, t, weight=share, n=n)
    return graph


def graph_figures(graph: nx.DiGraph) -> dict[str, object]:
    """Density and degree figures of a relations graph.

    ``density``: networkx density of the graph without self-loops (share of the possible
    directed links between distinct groups that exist); ``out_strength`` / ``in_strength``:
    per node, the sum of the shares on its outgoing / incoming edges between distinct groups;
    ``out_degree`` / ``in_degree``: the number of such edges.
    """
    simple = nx.DiGraph(graph)
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    return {
        "density": nx.density(simple) if simple.number_of_nodes() > 1 else float("nan"),
        "out_degree": dict(simple.out_degree()),
        "in_degree": dict(simple.in_degree()),
        "out_strength": dict(simple.out_degree(weight="weight")),
        "in_strength": dict(simple.in_degree(weight="weight")),
    }

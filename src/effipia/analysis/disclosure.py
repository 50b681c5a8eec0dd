"""Disclosure control: the minimum-count rule and secondary suppression.

Primary rule: a cell resting on fewer than ``min_n`` respondents (setting ``disclosure_min``, default 5)
is flagged ``suppressed`` and its values (``estimate``, ``se``, ``ci_low``, ``ci_high``) are
emptied, so that no report can print them. Its ``n`` stays: the count is not the secret.

Secondary rule: counts of a statistic × item are additive along the domain hierarchy
(campus × group cells sum to the campus and to the group margins; campuses and groups sum to
the ensemble), and a share times its base is a count, so a lone suppressed cell in a margin
could be recovered by subtraction. Wherever a relation « margin = Σ children » has exactly
one unknown (a suppressed margin or a suppressed non-empty child), the smallest published
non-empty child is suppressed too (or the margin, when it is the only other term), until no
relation has a lone unknown. A cell can also be recovered through a chain of relations, each
with several unknowns (:func:`_close_chains`: in the campus × group table bordered by its
margins, an unknown is determined exactly when it is a bridge of the bipartite graph of the
unknowns); while a primary cell is, the smallest published non-empty cell closing a cycle
through it is suppressed. Rule for users: docs/analysis.md « Secret statistique ».
"""

from __future__ import annotations

import numpy as np
import polars as pl

from effipia.settings import Settings

__all__ = ["DEFAULT_MIN_N", "apply_min_count", "secondary_suppression", "protect", "protect_margin"]

#: The default of every ``min_n`` of the analysis stage: the setting ``disclosure_min``'s
#: declared default (:mod:`effipia.settings`, the one place it is written). The operations
#: pass the configured value (``EFFIPIA_DISCLOSURE_MIN``) explicitly.
DEFAULT_MIN_N: int = Settings.model_fields["disclosure_min"].default
_VALUES = ("estimate", "se", "ci_low", "ci_high", "sd")
ENSEMBLE_KEY = "ensemble"


def apply_min_count(rows: pl.DataFrame, min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Primary suppression: flag rows with ``n < min_n`` and empty their values."""
    flag = pl.col("suppressed").fill_null(False) | (pl.col("n").is_not_null() & (pl.col("n") < min_n))
    return _blank(rows.with_columns(flag.alias("suppressed")))


def _blank(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in _VALUES if c in rows.columns
    )


def _relation_pass(
    margin_sup: np.ndarray, child_n: np.ndarray, child_sup: np.ndarray, margin_absent: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One pass over relations ``margin_r = Σ_j child_rj`` (rows ``r``).

    A relation with exactly one unknown (suppressed margin or suppressed non-empty child)
    would reveal it: suppress the smallest published non-empty child, or the margin when
    no such child is left. An absent (unpublished) margin is an unknown that needs no
    protection. Returns updated ``(margin_sup, child_sup)``.
    """
    if child_n.shape[1] == 0:  # a margin without any child row: no relation to protect
        return margin_sup, child_sup
    nonempty = child_n > 0
    unknown = margin_sup.astype(np.int64) + (child_sup & nonempty).sum(axis=1)
    lone = unknown == 1
    if margin_absent is not None:
        lone &= ~margin_absent
    if not lone.any():
        return margin_sup, child_sup
    big = np.iinfo(np.int64).max
    candidates = np.where(nonempty & ~child_sup, child_n, big)
    pick = candidates.argmin(axis=1)
    has_child = candidates.min(axis=1) < big
    margin_sup = margin_sup.copy()
    child_sup = child_sup.copy()
    rows = np.flatnonzero(lone & has_child)
    child_sup[rows, pick[rows]] = True
    margin_sup[lone & ~has_child] = True
    return margin_sup, child_sup


def protect_margin(child_n: np.ndarray, margin_sup: bool, child_sup: np.ndarray) -> tuple[bool, np.ndarray]:
    """Secondary suppression for one relation « margin = Σ children » (e.g. the campus
    total of the monitoring table and its survey groups): the lone-unknown rule, exact for
    a single relation. Returns ``(margin_sup, child_sup)``."""
    m, c = _relation_pass(np.array([bool(margin_sup)]), np.asarray(child_n, dtype=np.int64)[None, :],
                          np.asarray(child_sup, dtype=bool)[None, :])
    return bool(m[0]), c[0]


def protect(
    n_ens: np.ndarray,
    n_grp: np.ndarray,
    n_cmp: np.ndarray,
    cell_n: np.ndarray,
    sup_ens: np.ndarray,
    sup_grp: np.ndarray,
    sup_cmp: np.ndarray,
    cell_sup: np.ndarray,
    *,
    has_cells: bool = True,
    absent: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Secondary suppression on count arrays of one statistic × item.

    ``cell_n``/``cell_sup``: campus × group matrices (0 where the pair has no respondent);
    ``n_grp``, ``n_cmp``, ``n_ens``: margins. An unpublished margin is passed as suppressed
    and flagged in ``absent`` = ``(ens, grp, cmp)`` masks. Returns the updated
    ``(sup_ens, sup_grp, sup_cmp, cell_sup)``.
    """
    a_ens, a_grp, a_cmp = absent if absent is not None else (None, None, None)
    start = (sup_ens.copy(), sup_grp.copy(), sup_cmp.copy(), cell_sup.copy())
    while True:
        before = (cell_sup.sum(), sup_cmp.sum(), sup_grp.sum(), sup_ens.sum())
        if has_cells and cell_n.size:
            sup_cmp, cell_sup = _relation_pass(sup_cmp, cell_n, cell_sup, a_cmp)
            sup_grp, t = _relation_pass(sup_grp, cell_n.T, cell_sup.T, a_grp)
            cell_sup = t.T
        sup_ens, c2 = _relation_pass(sup_ens, n_cmp[None, :], sup_cmp[None, :], a_ens)
        sup_cmp = c2[0]
        sup_ens, g2 = _relation_pass(sup_ens, n_grp[None, :], sup_grp[None, :], a_ens)
        sup_grp = g2[0]
        if (cell_sup.sum(), sup_cmp.sum(), sup_grp.sum(), sup_ens.sum()) == before:
            break
    return _close_chains(
        (n_ens, n_grp, n_cmp, cell_n), (sup_ens, sup_grp, sup_cmp, cell_sup), start, absent, has_cells
    )


def _graph(n_nodes: int, ends: np.ndarray):
    from scipy.sparse import coo_matrix

    u, v = ends[:, 0], ends[:, 1]
    ones = np.ones(2 * len(ends), dtype=np.int8)
    return coo_matrix((ones, (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n_nodes, n_nodes)).tocsr()


def _bridges_walk(n_nodes: int, ends: np.ndarray) -> np.ndarray:
    """:func:`_bridges` by an iterative Tarjan walk in Python (faster on small graphs)."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (u, v) in enumerate(ends.tolist()):
        adjacency[u].append((v, e))
        adjacency[v].append((u, e))
    order = [-1] * n_nodes
    low = [0] * n_nodes
    bridge = np.zeros(len(ends), dtype=bool)
    clock = 0
    for root in range(n_nodes):
        if order[root] >= 0 or not adjacency[root]:
            continue
        order[root] = low[root] = clock
        clock += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, edges = stack[-1]
            for nxt, e in edges:
                if e == via:
                    continue
                if order[nxt] < 0:
                    order[nxt] = low[nxt] = clock
                    clock += 1
                    stack.append((nxt, e, iter(adjacency[nxt])))
                    break
                low[node] = min(low[node], order[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridge[via] = True
    return bridge


#: Edges from which the spanning-forest method beats the Python walk (measured: 2,5 ms of
#: fixed cost against 0,6 ms for the walk at 400 edges, 4,8 ms against 26 ms at 2 100).
_FOREST_FROM = 1000


def _bridges(n_nodes: int, ends: np.ndarray) -> np.ndarray:
    """Which edges of a simple graph are bridges (on no cycle). ``ends``: (E, 2) node pairs.
    Small graphs: :func:`_bridges_walk`. Larger ones: a breadth-first spanning forest (SciPy); every non-tree edge gets a random 64-bit label
    XOR-ed into both its ends; the XOR over a subtree is the XOR of the non-tree edges with
    one end inside it, so the tree edge above the subtree is a bridge exactly when it is zero
    (a false zero, probability 2⁻⁶⁴, only costs one unneeded suppression, never a leak)."""
    m = len(ends)
    if m < _FOREST_FROM:
        return _bridges_walk(n_nodes, ends)
    from scipy.sparse.csgraph import breadth_first_order, connected_components  # 0,1 s to import: large graphs only

    bridge = np.zeros(m, dtype=bool)
    graph = _graph(n_nodes, ends)
    lo, hi = np.minimum(ends[:, 0], ends[:, 1]), np.maximum(ends[:, 0], ends[:, 1])
    keys = lo * n_nodes + hi
    by_key = np.argsort(keys)
    sorted_keys = keys[by_key]

    def edge_of(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        k = np.minimum(x, y) * n_nodes + np.maximum(x, y)
        return by_key[np.searchsorted(sorted_keys, k)]

    count, label = connected_components(graph, directed=False)
    sizes = np.bincount(label, minlength=count)
    tree = np.zeros(m, dtype=bool)
    walks = []
    for comp in np.flatnonzero(sizes > 1).tolist():
        root = int(np.flatnonzero(label == comp)[0])
        order, pred = breadth_first_order(graph, root, directed=False, return_predecessors=True)
        below = order[1:]
        tree[edge_of(below, pred[below])] = True
        walks.append((order, pred))
    rest = np.flatnonzero(~tree)
    acc = np.zeros(n_nodes, dtype=np.uint64)
    if rest.size:
        marks = np.random.default_rng(20240501).integers(1, np.iinfo(np.int64).max, size=rest.size, dtype=np.int64).astype(np.uint64)
        np.bitwise_xor.at(acc, ends[rest, 0], marks)
        np.bitwise_xor.at(acc, ends[rest, 1], marks)
    for order, pred in walks:
        values = acc.tolist()
        parents = pred.tolist()
        for x in reversed(order[1:].tolist()):
            values[parents[x]] ^= values[x]
        below = order[1:]
        zero = np.array([values[x] == 0 for x in below.tolist()], dtype=bool)
        bridge[edge_of(below[zero], pred[below[zero]])] = True
    return bridge


def _components(n_nodes: int, ends: np.ndarray) -> np.ndarray:
    """Connected component label of every node."""
    if len(ends) == 0:
        return np.arange(n_nodes, dtype=np.int64)
    from scipy.sparse.csgraph import connected_components

    return connected_components(_graph(n_nodes, ends), directed=False)[1].astype(np.int64)


def _cover_bridges(bad, bridge, unknown, n, ends, n_nodes, sup, target) -> None:
    """One pass of repairs for the bridges ``bad`` (variables), in place on ``sup`` and
    ``target``: in the bridge tree (2-edge-connected components joined by the bridges), a
    published cell whose endpoints lie on either side of a bridge closes a cycle through it;
    for each bad bridge not yet covered, the smallest such cell is suppressed, and every
    bridge on the tree path between its endpoints is covered by it."""
    edges = np.flatnonzero(unknown)
    label = _components(n_nodes, ends[edges[~bridge[edges]]])
    _, comp = np.unique(label, return_inverse=True)
    k = int(comp.max()) + 1
    tree: list[list[tuple[int, int]]] = [[] for _ in range(k)]
    for e in np.flatnonzero(bridge).tolist():
        a, b = int(comp[ends[e, 0]]), int(comp[ends[e, 1]])
        tree[a].append((b, e))
        tree[b].append((a, e))
    tin, tout, depth = np.zeros(k, np.int64), np.zeros(k, np.int64), np.zeros(k, np.int64)
    root, up, up_edge = np.zeros(k, np.int64), np.full(k, -1, np.int64), np.full(k, -1, np.int64)
    seen = np.zeros(k, dtype=bool)
    clock = 0
    for r in range(k):
        if seen[r]:
            continue
        seen[r] = True
        stack = [(r, iter(tree[r]))]
        tin[r], root[r] = clock, r
        clock += 1
        while stack:
            node, it = stack[-1]
            for nxt, e in it:
                if not seen[nxt]:
                    seen[nxt] = True
                    tin[nxt], root[nxt], up[nxt], up_edge[nxt], depth[nxt] = clock, r, node, e, depth[node] + 1
                    clock += 1
                    stack.append((nxt, iter(tree[nxt])))
                    break
            else:
                stack.pop()
                tout[node] = clock - 1
    known = np.flatnonzero(~unknown & (n > 0))
    ca, cb = comp[ends[known, 0]], comp[ends[known, 1]]
    order = np.lexsort((known, n[known]))
    known, ca, cb = known[order], ca[order], cb[order]
    free = np.ones(known.size, dtype=bool)
    covered = np.zeros(n.size, dtype=bool)
    for t in bad.tolist():
        if covered[t]:
            continue
        a, b = int(comp[ends[t, 0]]), int(comp[ends[t, 1]])
        child = a if depth[a] > depth[b] else b
        inside_a = (tin[ca] >= tin[child]) & (tin[ca] <= tout[child])
        inside_b = (tin[cb] >= tin[child]) & (tin[cb] <= tout[child])
        crossing = free & (root[ca] == root[child]) & (root[cb] == root[child]) & (inside_a != inside_b)
        hit = np.flatnonzero(crossing)
        if hit.size == 0:  # pragma: no cover - only known-empty cells could close the cycle
            target[t] = False
            continue
        i = int(hit[0])
        sup[known[i]] = True
        free[i] = False
        x, y = int(ca[i]), int(cb[i])
        while x != y:  # every bridge on the tree path between the cell's ends is now on a cycle
            if depth[x] < depth[y]:
                x, y = y, x
            covered[up_edge[x]] = True
            x = int(up[x])


def _close_chains(counts, sups, start, absent, has_cells):
    """Secondary suppression beyond lone unknowns: a suppressed cell can also be recovered
    through a chain of relations (e.g. ensemble = Σ campuses gives the sum of two suppressed
    campuses, each equal to its only cell, and a group margin then gives a third cell).

    The relations are those of the campus × group table bordered by its margins (campus
    column, group row, ensemble corner): every row and every column sums to zero once the
    margins are negated. The unknowns (suppressed non-empty cells and margins, unpublished
    margins, and every cell when no cell is published) are the edges of a bipartite graph
    between rows and columns; an unknown is determined by the published cells exactly when
    its edge is a bridge (on no cycle, so no other solution of the relations changes it).
    While a cell suppressed by the primary rule is a bridge, the smallest published
    non-empty cell whose edge closes a cycle through it is suppressed too.
    Returns ``(sup_ens, sup_grp, sup_cmp, cell_sup)``."""
    n_ens, n_grp, n_cmp, cell_n = counts
    sup_ens, sup_grp, sup_cmp, cell_sup = sups
    s_ens, s_grp, s_cmp, s_cell = start
    n_c, n_g = n_cmp.size, n_grp.size
    cells_ok = has_cells and cell_n.shape == (n_c, n_g) and cell_n.size > 0
    a_ens, a_grp, a_cmp = absent if absent is not None else (np.zeros(1, bool), np.zeros(n_g, bool), np.zeros(n_c, bool))
    # variables: cells (row-major), campuses, groups, ensemble; nodes: rows 0..C (C: the
    # group-margin row), columns C+1 .. C+1+G (the last: the campus-margin column)
    ii, jj = np.divmod(np.arange(n_c * n_g), max(n_g, 1))
    ends = np.concatenate([
        np.stack([ii, n_c + 1 + jj], axis=1),
        np.stack([np.arange(n_c), np.full(n_c, n_c + 1 + n_g)], axis=1),
        np.stack([np.full(n_g, n_c), n_c + 1 + np.arange(n_g)], axis=1),
        np.array([[n_c, n_c + 1 + n_g]]),
    ]).astype(np.int64)
    zeros = np.zeros(n_c * n_g, dtype=bool)
    if cells_ok:
        n = np.concatenate([cell_n.ravel(), n_cmp, n_grp, n_ens]).astype(np.int64)
        sup = np.concatenate([cell_sup.ravel(), sup_cmp, sup_grp, sup_ens]).astype(bool)
        free = np.concatenate([zeros, a_cmp, a_grp, a_ens]).astype(bool)
        target = np.concatenate([s_cell.ravel(), s_cmp, s_grp, s_ens]).astype(bool)
    else:  # no cell published: every cell is an unknown that needs no protection
        n = np.concatenate([np.ones(n_c * n_g, np.int64), n_cmp, n_grp, n_ens]).astype(np.int64)
        sup = np.concatenate([~zeros, sup_cmp, sup_grp, sup_ens]).astype(bool)
        free = np.concatenate([~zeros, a_cmp, a_grp, a_ens]).astype(bool)
        target = np.concatenate([zeros, s_cmp, s_grp, s_ens]).astype(bool)
    target &= (n > 0) & ~free
    n_nodes = n_c + n_g + 2
    while target.any():
        unknown = (sup & (n > 0)) | free
        edges = np.flatnonzero(unknown)
        bridge = np.zeros(n.size, dtype=bool)
        bridge[edges] = _bridges(n_nodes, ends[edges])
        bad = np.flatnonzero(bridge & target)
        if bad.size == 0:
            break
        _cover_bridges(bad, bridge, unknown, n, ends, n_nodes, sup, target)
    k = n_c * n_g
    cell_out = sup[:k].reshape(n_c, n_g) if cells_ok else cell_sup
    return sup[k + n_c + n_g:].copy(), sup[k + n_c: k + n_c + n_g].copy(), sup[k: k + n_c].copy(), cell_out


def _protect_item(part: pl.DataFrame) -> set[tuple[str, str, str]]:
    """Cells ``(domain, group, campus)`` of one statistic × item to suppress in addition."""
    tables: dict[str, dict[tuple[str, str], tuple[int, bool]]] = {
        "campus_group": {}, "group": {}, "campus": {}, "ensemble": {}
    }
    for d, g, c, n, s in zip(part["domain"], part["group"], part["campus"], part["n"], part["suppressed"], strict=True):
        if d in tables:
            tables[d][(g, c)] = (int(n or 0), bool(s))

    def table(domain: str) -> dict[tuple[str, str], tuple[int, bool]]:
        return tables[domain]

    cg, grp, cmp, ens = table("campus_group"), table("group"), table("campus"), table("ensemble")
    campuses = sorted({c for _, c in cg} | {c for _, c in cmp})
    groups = sorted({g for g, _ in cg} | {g for g, _ in grp})
    C, G = len(campuses), len(groups)
    cell_n = np.zeros((C, G), dtype=np.int64)
    cell_sup = np.zeros((C, G), dtype=bool)
    c_pos = {c: i for i, c in enumerate(campuses)}
    g_pos = {g: j for j, g in enumerate(groups)}
    if cg:
        ij = np.array([(c_pos[c], g_pos[g]) for g, c in cg], dtype=np.int64)
        vals = list(cg.values())
        cell_n[ij[:, 0], ij[:, 1]] = [v[0] for v in vals]
        cell_sup[ij[:, 0], ij[:, 1]] = [v[1] for v in vals]

    def margin(tab, keys, key_of):
        # a margin without a row is not published: permanently unknown
        n = np.array([tab.get(key_of(k), (0, True))[0] for k in keys], dtype=np.int64)
        s = np.array([tab.get(key_of(k), (0, True))[1] for k in keys], dtype=bool)
        return n, s

    c_n, c_sup = margin(cmp, campuses, lambda c: (ENSEMBLE_KEY, c))
    g_n, g_sup = margin(grp, groups, lambda g: (g, ENSEMBLE_KEY))
    e_n, e_sup = margin(ens, [0], lambda _: (ENSEMBLE_KEY, ENSEMBLE_KEY))
    absent = (
        np.array([(ENSEMBLE_KEY, ENSEMBLE_KEY) not in ens]),
        np.array([(g, ENSEMBLE_KEY) not in grp for g in groups], dtype=bool),
        np.array([(ENSEMBLE_KEY, c) not in cmp for c in campuses], dtype=bool),
    )
    start = (cell_sup.copy(), c_sup.copy(), g_sup.copy(), e_sup.copy())
    e_sup, g_sup, c_sup, cell_sup = protect(
        e_n, g_n, c_n, cell_n, e_sup, g_sup, c_sup, cell_sup, has_cells=bool(cg), absent=absent
    )
    out: set[tuple[str, str, str]] = set()
    for i, j in zip(*np.nonzero(cell_sup & ~start[0]), strict=True):
        out.add(("campus_group", groups[j], campuses[i]))
    for i in np.flatnonzero(c_sup & ~start[1]):
        if (ENSEMBLE_KEY, campuses[i]) in cmp:
            out.add(("campus", ENSEMBLE_KEY, campuses[i]))
    for j in np.flatnonzero(g_sup & ~start[2]):
        if (groups[j], ENSEMBLE_KEY) in grp:
            out.add(("group", groups[j], ENSEMBLE_KEY))
    if e_sup[0] and not start[3][0] and ens:
        out.add(("ensemble", ENSEMBLE_KEY, ENSEMBLE_KEY))
    return out


def secondary_suppression(rows: pl.DataFrame) -> pl.DataFrame:
    """Extend suppression so that no suppressed cell can be recovered by subtraction.

    Works per ``statistic × item`` on the domain-level counts ``n`` (shared by the answer
    rows of a domain), over the relations campus = Σ campus × group, group = Σ campus ×
    group, ensemble = Σ campuses = Σ groups. Only statistics with more than the ensemble
    domain and at least one suppressed cell are examined.
    """
    if rows.is_empty() or not rows["suppressed"].any():
        return rows
    keys = ["statistic", "item", "domain", "group", "campus"]
    # n and suppressed are shared by the answer rows of a domain: one row per cell suffices
    cells = rows.select(*keys, "n", "suppressed").unique(keys, keep="first", maintain_order=True)
    touched = cells.filter(pl.col("suppressed")).select("statistic", "item").unique()
    cells = cells.join(touched, on=["statistic", "item"], how="semi", nulls_equal=True)
    marks = []
    for (statistic, item), part in cells.partition_by(["statistic", "item"], as_dict=True, maintain_order=True).items():
        for domain, group, campus in _protect_item(part):
            marks.append((statistic, item, domain, group, campus))
    if not marks:
        return rows
    marked = pl.DataFrame(marks, schema=keys, orient="row").with_columns(pl.lit(True).alias("_secondary"))
    out = rows.join(marked, on=keys, how="left", nulls_equal=True)
    out = out.with_columns((pl.col("suppressed") | pl.col("_secondary").fill_null(False)).alias("suppressed"))
    return _blank(out.drop("_secondary"))

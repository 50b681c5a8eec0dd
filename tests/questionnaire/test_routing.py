"""Routing: the workbook's ``relevant`` conditions against the codebook's routing table,
and the XPath-subset evaluator itself."""

from __future__ import annotations

import re
import time

import polars as pl
import pytest

from effipia.errors import message
from effipia.questionnaire import RoutingError
from effipia.questionnaire.routing import compile_expr, parse

GROUPS = ["entreprise", "lycee", "of_cfa", "superieur", "autre"]


def _open_gates(q, categories: list[str]) -> pl.DataFrame:
    """One row per category with every answer that opens a follow-up question set to open it."""
    rows = len(categories)
    gates = {f"real_known_{k}": [1] * rows for k in range(1, 20)}
    return pl.DataFrame(
        {"respondent_id": [f"r{i}" for i in range(rows)], "category": categories,
         "intl_strategy": [1] * rows, "intl_known": [1] * rows, **gates},
        schema_overrides={name: pl.Int64 for name in ["intl_strategy", "intl_known", *gates]},
    )


def _expand(cell: str, names: list[str]) -> list[str]:
    """Item names of a routing-table cell (« `rel_*`, `rel_new` »: ``*`` is the item number)."""
    out = []
    for pattern in re.findall(r"`([\w*]+)`", cell):
        if pattern.endswith("_k"):
            pattern = pattern[:-1] + "*"
        regex = re.compile(pattern.replace("*", r"\d+") + "$")
        out += [n for n in names if regex.match(n)]
    return out


def _groups(cell: str) -> set[str] | None:
    """Groups of an « asked of » cell, from its text before any '(' or ';'."""
    if cell.startswith("every group but"):
        return set(GROUPS) - set(re.findall(r"`(\w+)`", cell))
    if cell.startswith("every group"):
        return set(GROUPS)
    groups = set(re.findall(r"`(\w+)`", re.split(r"[(;]", cell)[0])) & set(GROUPS)
    return groups or None


# Sub-rules the routing table states in words (codebook « Routing »), with the gates open:
# « `real_known_6` only `entreprise` »; « `real_pia_k`: those with `real_known_k` = 1 » (and the
# realisations are not asked of `autre`); « `intl_contrib` only when `intl_known` = 1 » (a lycée item).
OVERRIDES = {"real_known_6": {"entreprise"}, "intl_contrib": {"lycee"},
             **{f"real_pia_{k}": {"entreprise", "lycee", "of_cfa", "superieur"} for k in range(1, 20)}}
OVERRIDES["real_pia_6"] = {"entreprise"}


def test_routing_table_of_the_codebook_holds_for_each_group(q, codebook):
    frame = _open_gates(q, GROUPS)
    asked = q.asked(frame)
    names = [item.name for item in q.items]
    covered = set()
    for items_cell, groups_cell in codebook.routing:
        groups = _groups(groups_cell)
        for name in _expand(items_cell, names) + [n for n in OVERRIDES if f"`{n}`" in groups_cell]:
            expected = OVERRIDES.get(name, groups)
            assert expected is not None, name
            got = {g for g, a in zip(GROUPS, asked[name].to_list(), strict=True) if a}
            assert got == expected, name
            covered.add(name)
    # Every routed item of the workbook is covered by the table, and every block item is routed there.
    assert {item.name for item in q.items if item.relevant} <= covered
    assert set(q.columns) <= covered


def test_real_pia_only_when_the_realisation_is_known(q):
    frame = pl.DataFrame(
        {"category": ["lycee", "lycee", "lycee", "autre"], "real_known_2": [1, 0, None, 1]},
        schema_overrides={"real_known_2": pl.Int64},
    )
    assert q.asked(frame)["real_pia_2"].to_list() == [True, False, False, False]


def test_intl_follow_ups_depend_on_the_first_answer(q):
    # Codebook: intl_pia_effect « only when intl_strategy is 1 or 2 »; intl_contrib « only when intl_known = 1 ».
    sup = pl.DataFrame({"category": ["superieur"] * 5, "intl_strategy": [1, 2, 3, 9, None]},
                       schema_overrides={"intl_strategy": pl.Int64})
    assert q.asked(sup)["intl_pia_effect"].to_list() == [True, True, False, False, False]
    lyc = pl.DataFrame({"category": ["lycee"] * 3, "intl_known": [1, 0, None]},
                       schema_overrides={"intl_known": pl.Int64})
    assert q.asked(lyc)["intl_contrib"].to_list() == [True, False, False]


def test_routing_reads_text_frames_too(q):
    # Readers may hand over text columns: '1' and ' 1' are the code 1 of real_known_4.
    frame = pl.DataFrame({"category": ["entreprise"] * 3, "real_known_4": ["1", "0", ""]})
    assert q.asked(frame)["real_pia_4"].to_list() == [True, False, False]


def test_absent_columns_read_as_blank(q):
    # No category column: « != 'autre' » holds on a blank (XPath: '' != 'autre'), « = 'entreprise' » does not.
    asked = q.asked(pl.DataFrame({"respondent_id": ["a"]}))
    assert asked["consortium"].to_list() == [True]
    assert asked["benef_skills"].to_list() == [False]


@pytest.mark.parametrize(
    ("expression", "code", "params"),
    [
        ("${x} < 2", "questionnaire.expr_bad_character", {"character": "<", "position": 6}),
        ("string-length(${x}) = 1", "questionnaire.expr_unknown_function", {"name": "string-length"}),
        ("${x}", "questionnaire.expr_not_condition", {"position": 1}),
        ("(${x} = 1", "questionnaire.expr_unexpected_end", {}),
        ("${x} = 1)", "questionnaire.expr_unexpected_token", {"token": ")", "position": 9}),
        ("${x} = ${y}", "questionnaire.expr_bad_comparison", {"position": 1}),
        ("group = 'a'", "questionnaire.expr_unexpected_token", {"token": "group", "position": 1}),
        ("selected('a', 'b')", "questionnaire.expr_bad_selected", {}),
    ],
)
def test_expressions_outside_the_subset_are_refused(expression, code, params):
    with pytest.raises(RoutingError) as caught:
        parse(expression)
    assert caught.value.code == code
    assert str(caught.value) == message(code, expression=expression, **params)


def test_evaluator_semantics_on_a_small_frame():
    frame = pl.DataFrame(
        {"n": [1, 2, None], "s": ["a", "b c", None], "t": ["1", "x", None]},
        schema_overrides={"n": pl.Int64},
    )

    def run(expression: str) -> list[bool]:
        return frame.select(compile_expr(parse(expression), frame.schema).alias("r"))["r"].to_list()

    # Worked by hand with XPath 1.0 rules (a blank is the empty string).
    assert run("${n} = 1") == [True, False, False]
    assert run("${n} = '1'") == [True, False, False]
    assert run("${n} != 1") == [False, True, True]
    assert run("not(${n} = 1)") == [False, True, True]
    assert run("${s} = 'a' or (${n} = 2 and ${s} != 'a')") == [True, True, False]
    assert run("selected(${s}, 'c')") == [False, True, False]
    assert run("${t} = 1") == [True, False, False]
    assert run("${n} = 1.5 or (${n} = 2 and true())") == [False, True, False]
    assert run("true()") == [True]  # a constant: broadcast by the caller (asked() does)
    assert run("${missing} != 'a'") == [True]


def test_asked_on_200000_rows_is_vectorised(q):
    rows = 200_000
    frame = pl.DataFrame(
        {
            "category": pl.Series(GROUPS * (rows // len(GROUPS))),
            **{f"real_known_{k}": pl.Series([1, 0, None, 1] * (rows // 4), dtype=pl.Int64) for k in range(1, 20)},
            "intl_strategy": pl.Series([1, 2, 3, 9, None] * (rows // 5), dtype=pl.Int64),
        }
    )
    start = time.perf_counter()
    asked = q.asked(frame)
    elapsed = time.perf_counter() - start
    assert asked.shape == (rows, len(q.items))
    assert asked["benef_skills"].sum() == rows // 5  # one row in five is an entreprise
    assert elapsed < 3.0, f"asked() took {elapsed:.2f} s on {rows} rows"


def test_choice_filter_forms_select_the_same_choices(q):
    # The two usual XLSForm spellings of a filter on a choices column, bound to a respondent's group.
    from effipia.questionnaire.routing import bind

    table = pl.DataFrame({"name": ["a", "b", "c"], "group": ["lycee", "lycee entreprise", "entreprise"]})

    def keep(expression: str, category: str) -> list[str]:
        node = bind(parse(expression, allow_bare=True), {"category": category})
        return table.filter(compile_expr(node, table.schema))["name"].to_list()

    assert keep("selected(group, ${category})", "entreprise") == ["b", "c"]
    assert keep("group = ${category}", "lycee") == ["a"]
    assert keep("group != ${category} and name != 'c'", "lycee") == ["b"]
    with pytest.raises(RoutingError):
        parse("group = ${category}")  # bare names only in a choice_filter

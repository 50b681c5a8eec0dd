"""docs/scoring.md: its distance table is recomputed here from the published annex tables
(``data/reference/published_cereq_2024.toml``) and the shipped rule files, and must appear
in the document verbatim."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from babel.numbers import format_decimal

from effipia.analysis.registers import (
    load_rules,
    rule_label,
    shipped_rule_files,
    table_score,
)

PUBLISHED = tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))
DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"

#: register → (annex table, key of the published mean in [registers], or None)
COMPARED = {
    "dyn": ("tableau_3", "dynamics_mean"),
    "lead": ("tableau_4", "leadership_mean"),
    "mgmt": ("tableau_7", "management_mean"),
    "res_use": ("tableau_6", None),
    "res_level_sat": ("tableau_5", None),
    "res_level_dissat": ("tableau_5", None),
}


def _fr(value: float, signed: bool = False) -> str:
    text = format_decimal(round(value, 1), format="0.0", locale="fr_FR")
    if signed:
        text = ("+" if value >= 0 else "\u2212") + text.lstrip("-\u2212")
    return text


def distance_rows() -> list[str]:
    """One Markdown table row per shipped rule, in key order (A, B, …): the score it gives
    from the annex tables for each register, with its gap to the published mean, and the
    sum of the three absolute gaps."""
    lines = []
    entries = sorted(shipped_rule_files(), key=lambda name: rule_label(name)[0])
    for name in entries:
        key, label = rule_label(name)
        rules = load_rules(name)
        cells, total = [], 0.0
        for register, (table, published) in COMPARED.items():
            value = table_score(PUBLISHED[table]["rows"], rules[register])
            if published is None:
                cells.append(_fr(value))
                continue
            gap = value - PUBLISHED["registers"][published]
            total += abs(gap)
            cells.append(f"{_fr(value)} ({_fr(gap, signed=True)})")
        shown = f"**{key}. {label}** (défaut)" if name == "default" else f"{key}. {label}"
        lines.append(f"| {shown} | `{name}` | " + " | ".join(cells[:3]) + f" | {_fr(total)} | " + " | ".join(cells[3:]) + " |")
    return lines


def test_distance_table_is_what_the_rules_give() -> None:
    doc = DOC.read_text(encoding="utf-8")
    rows = distance_rows()
    assert len(rows) == len(shipped_rule_files()) >= 7
    missing = [row for row in rows if row not in doc]
    assert not missing, "\n".join(missing)


def test_default_is_the_closest_rule() -> None:
    # the default rule has the smallest summed gap to 74, 65 and 63 (the doc says why)
    def total(name: str) -> float:
        rules = load_rules(name)
        return sum(
            abs(table_score(PUBLISHED[table]["rows"], rules[reg]) - PUBLISHED["registers"][pub])
            for reg, (table, pub) in COMPARED.items()
            if pub is not None
        )

    # the published means are the default rule's values truncated (74.2, 65.6, 63.8)
    rules = load_rules()
    for register, (table, published) in COMPARED.items():
        if published is not None:
            value = table_score(PUBLISHED[table]["rows"], rules[register])
            assert int(value) == PUBLISHED["registers"][published]
    assert "trois chiffres publiés sont exactement ces valeurs **tronquées**" in DOC.read_text(encoding="utf-8")

    gaps = {name: total(name) for name in shipped_rule_files()}
    assert min(gaps, key=gaps.get) == "default"
    assert gaps["default"] < 2.0  # 0.2 + 0.6 + 0.8 (test_registers.py works them out by hand)


def test_resource_remark() -> None:
    # the NA share above which « usage » would exceed « niveau » overall under the default
    # rule: satisfaction × (1 − x) < usage  ⇔  x > 1 − usage / satisfaction
    rules = load_rules()
    use = table_score(PUBLISHED["tableau_6"]["rows"], rules["res_use"])
    sat = table_score(PUBLISHED["tableau_5"]["rows"], rules["res_level_sat"])
    line = f"{_fr(100 * (1 - use / sat))} % des réponses (1 − {_fr(use)} / {_fr(sat)})"
    assert line in DOC.read_text(encoding="utf-8")


def test_unrescaled_remark() -> None:
    # the doc's aside: printed percentages taken over 100 instead of the printed row total
    rules = load_rules()
    values = []
    for register in ("dyn", "lead", "mgmt"):
        rows = PUBLISHED[COMPARED[register][0]]["rows"].values()
        rule = rules[register]
        per_item = [sum(rule.value(int(c)) * v for c, v in row.items()) / 100 for row in rows]
        values.append(_fr(sum(per_item) / len(per_item)))
    assert f"la\nrègle D donne {values[0]}, {values[1]} et {values[2]}" in DOC.read_text(encoding="utf-8")


if __name__ == "__main__":  # print the rows to paste into docs/scoring.md
    print("\n".join(distance_rows()))

"""Labels the reports print: questions and answers from the questionnaire, groups and
categories from the nomenclatures, short column heads from ``common.toml``."""

from __future__ import annotations

from functools import cache
from typing import Any

from effipia import nomenclatures
from effipia.questionnaire import load_questionnaire

__all__ = ["Labels"]


@cache
def _questionnaire():
    return load_questionnaire()


def _nomenclature(name: str, key: str = "code", value: str = "label") -> dict[str, str]:
    try:
        frame = nomenclatures.load(name)
    except Exception:  # a nomenclature a team removed: codes print as they are
        return {}
    if value not in frame.columns:
        value = frame.columns[1]
    return dict(zip(frame[key].cast(str).to_list(), frame[value].cast(str).to_list(), strict=True))


def lower_first(text: str) -> str:
    """« Des entreprises » → « des entreprises » (sentence-internal use)."""
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text


class Labels:
    """Question, answer, group and category labels in French."""

    def __init__(self, common: dict[str, Any]) -> None:
        self.common = common
        self.q = _questionnaire()
        self.group_labels = dict(common.get("groups", {}))
        self.categories = _nomenclature("consortium_categories")
        self.filieres = _nomenclature("filieres", value="filiere")
        self.groups_order = list(_nomenclature("survey_groups"))

    def item(self, name: str) -> str:
        try:
            label = self.q.item(name).label or name
        except Exception:
            return name
        # Tableau 8: « Acquisition d'équipements : cette réalisation est-elle due… ? »
        return label.split(" : ")[0] if name.startswith(("real_pia_", "real_known_")) else label

    def answer(self, item: str, code: str) -> str:
        try:
            spec = self.q.item(item)
            list_name = spec.list_name
            labels = self.q.choice_labels(item)
        except Exception:
            return code
        short = self.common.get("answers", {}).get(list_name or "", {})
        return short.get(str(code), labels.get(str(code), str(code)))

    def group(self, code: str) -> str:
        return self.group_labels.get(code, code)

    def category(self, code: str) -> str:
        return self.categories.get(code, code)

    def filiere(self, code: str | None) -> str:
        return self.filieres.get(code or "", code or "")

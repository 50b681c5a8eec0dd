"""The statistics producers of :func:`effipia.analysis.compute`, and their protocol.

A producer is one named part of the statistics set (annex tables, registers, relations…).
It receives one :class:`Inputs` (the campaign's frames, the design, the domain sets, the
disclosure minimum, the options) and returns statistics-set rows
(:mod:`effipia.analysis.layout`); it tells the user what it left out by
:meth:`Inputs.warn` (a :class:`effipia.results.Warning`). A producer that cannot run at all
says why with ``unavailable`` (a catalogue code, turned into a warning by ``compute``)
instead of returning nothing silently.

``protected`` producers apply disclosure control themselves, across their own domains;
the others' rows are protected together by ``compute`` (minimum count, then secondary
suppression). Every producer is imported here explicitly and called with named arguments:
a renamed argument is a ``TypeError`` at once, not a value silently never passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from effipia.analysis import effects, model, relations, structure
from effipia.analysis.comparison import comparison_rows, profile_uncertainty
from effipia.analysis.domains import Design, DomainSet
from effipia.analysis.registers import RegisterRule, load_rules, register_rows
from effipia.analysis.tables import table_rows
from effipia.analysis.weights import response_rate_rows
from effipia.results import Warning

__all__ = ["Inputs", "Producer", "PRODUCERS", "producer_names"]


@dataclass
class Inputs:
    """Everything a producer may use; ``warnings`` collects what producers report."""

    responses: pl.DataFrame
    partners: pl.DataFrame | None
    invitations: pl.DataFrame | None
    campuses: pl.DataFrame | None
    design: Design
    sets: Sequence[DomainSet]
    min_n: int
    titles: dict[str, str | None]
    scoring: str | Path | None = None
    model_controls: Sequence[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)

    def warn(self, code: str, /, **fields: Any) -> None:
        """Report a warning (``fields``: identifying fields and the parameters of its text)."""
        warning = Warning.of(code, **fields)
        if warning not in self.warnings:
            self.warnings.append(warning)

    @cached_property
    def rules(self) -> dict[str, RegisterRule]:
        """The register scoring rules (the user's file or the shipped default)."""
        return load_rules(self.scoring)

    @cached_property
    def registers(self) -> pl.DataFrame:
        """Register rows, computed once for the ``registers`` and ``comparison`` producers."""
        return register_rows(self.responses, self.rules, weights=self.design, sets=self.sets, min_n=self.min_n)


@dataclass(frozen=True)
class Producer:
    """One part of the statistics set: ``run(inputs) -> rows``.

    ``unavailable(inputs)`` returns the catalogue code of the warning saying why the
    producer cannot run on these inputs (then ``run`` is not called), or ``None``.
    """

    name: str
    run: Callable[[Inputs], pl.DataFrame]
    protected: bool = False
    unavailable: Callable[[Inputs], str | None] = field(default=lambda inputs: None)


def _tables(inputs: Inputs) -> pl.DataFrame:
    return table_rows(inputs.responses, weights=inputs.design, sets=inputs.sets, min_n=inputs.min_n)


def _registers(inputs: Inputs) -> pl.DataFrame:
    for name, rule in inputs.rules.items():
        present = [item for item in rule.items if item in inputs.responses.columns]
        if not present:
            inputs.warn("analysis_warnings.register_not_collected", item=name, producer="registers", title=rule.title)
        elif inputs.responses.select(pl.any_horizontal(pl.col(present).is_not_null()).any()).item() is not True:
            inputs.warn("analysis_warnings.register_no_answer", item=name, producer="registers", title=rule.title)
    return inputs.registers


def _comparison(inputs: Inputs) -> pl.DataFrame:
    # scores withheld by the presentation profile (nchs: unreliable) are not ranked
    return comparison_rows(
        inputs.registers,
        titles=inputs.titles,
        presentation=inputs.options.get("presentation"),
        uncertainty=profile_uncertainty(inputs.responses, inputs.rules, inputs.design, inputs.sets),
    )


def _response_rate(inputs: Inputs) -> pl.DataFrame:
    return response_rate_rows(inputs.responses, inputs.invitations, min_n=inputs.min_n)


def _no_invitations(inputs: Inputs) -> str | None:
    if inputs.invitations is None or inputs.invitations.is_empty():
        return "analysis_warnings.no_invitations"
    return None


def _no_relation_items(inputs: Inputs) -> str | None:
    return None if relations.relation_items(inputs.responses) else "analysis_warnings.no_relation_items"


def _relations(inputs: Inputs) -> pl.DataFrame:
    return relations.rows(
        inputs.responses,
        partners=inputs.partners,
        campuses=inputs.campuses,
        design=inputs.design,
        sets=inputs.sets,
        min_n=inputs.min_n,
    )


def _model(inputs: Inputs) -> pl.DataFrame:
    return model.rows(
        inputs.responses,
        partners=inputs.partners,
        campuses=inputs.campuses,
        design=inputs.design,
        min_n=inputs.min_n,
        model_controls=inputs.model_controls,
        warnings=inputs.warnings,
    )


#: Columns of the four blocks of declared effects (one of them is enough to run).
def _no_effect_block(inputs: Inputs) -> str | None:
    columns = inputs.responses.columns
    blocks = (
        effects._has_expectations(inputs.responses),
        any(item in columns for item in effects.BENEFIT_ITEMS),
        "collab" in columns,
        any(c.startswith("intl_") for c in columns),
    )
    return None if any(blocks) else "analysis_warnings.no_effect_block"


def _effects(inputs: Inputs) -> pl.DataFrame:
    return effects.rows(
        inputs.responses,
        partners=inputs.partners,
        campuses=inputs.campuses,
        design=inputs.design,
        sets=inputs.sets,
        min_n=inputs.min_n,
    )


def _structure(inputs: Inputs) -> pl.DataFrame:
    if inputs.partners is None or inputs.partners.is_empty():
        inputs.warn("analysis_warnings.no_partners", producer="structure")
    return structure.rows(inputs.responses, partners=inputs.partners, campuses=inputs.campuses, min_n=inputs.min_n)


#: Every producer, in the order of the statistics set.
PRODUCERS: tuple[Producer, ...] = (
    Producer("tables", _tables, protected=True),
    Producer("registers", _registers, protected=True),
    Producer("comparison", _comparison, protected=True),
    Producer("response_rate", _response_rate, unavailable=_no_invitations),
    Producer("relations", _relations, unavailable=_no_relation_items),
    Producer("model", _model, unavailable=_no_relation_items),
    Producer("effects", _effects, unavailable=_no_effect_block),
    Producer("structure", _structure),
)


def producer_names() -> list[str]:
    """Names accepted by ``compute(include=...)``."""
    return [producer.name for producer in PRODUCERS]

"""``generate()``: a whole synthetic campaign, deterministic for a seed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from effipia.csvsafe import write_csv
from effipia.errors import EffipiaError
from effipia.schema import CAMPUS_COLUMNS
from effipia.synth import sources
from effipia.synth.campuses import make_campuses
from effipia.synth.partners import directory_counts, make_invitations, make_partners, registry_frame
from effipia.synth.responses import make_responses, select_respondents

__all__ = ["SyntheticCampaign", "generate", "STEPS"]

#: Steps reported to the ``progress`` callback, in order.
STEPS = ("campus", "partenaires", "répondants", "réponses", "invitations")

# Independent random streams: changing how one part is drawn leaves the others unchanged.
_STREAMS = {step: i for i, step in enumerate(STEPS, start=1)} | {"territoires": len(STEPS) + 1}


@dataclass(frozen=True)
class SyntheticCampaign:
    """The frames of a synthetic campaign, in the canonical layouts of :mod:`effipia.schema`."""

    name: str
    seed: int
    campuses: pl.DataFrame
    partners: pl.DataFrame
    invitations: pl.DataFrame
    responses: pl.DataFrame

    def write_to(self, store, *, source: str = "effipia synth") -> None:
        """Write the four frames into ``store`` (an :class:`effipia.store.Store`) in one transaction."""
        store.write_campaign(
            self.name,
            campuses=self.campuses,
            partners=self.partners,
            invitations=self.invitations,
            responses=self.responses,
            source=source,
        )

    def write_files(self, out: Path) -> list[Path]:
        """Write ``campuses.csv``, ``partners.csv``, ``invitations.csv``, ``responses.csv`` into ``out``."""
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ("campuses", "partners", "invitations", "responses"):
            path = out / f"{name}.csv"
            write_csv(getattr(self, name), path)  # effipia.csvsafe
            written.append(path)
        return written


def _rng(seed: int, step: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[step]])


def generate(
    seed: int,
    campuses: int = 32,
    partners: int | None = None,
    campaign: str = "synthetique",
    progress: Callable[[str], None] | None = None,
) -> SyntheticCampaign:
    """Generate a synthetic campaign as the Céreq report describes it.

    ``campuses``: number of campuses (the first 32 follow the published structure, more are
    drawn alike). ``partners``: partners per campus (default: the shipped directory, about
    60 per campus, 430 companies). ``progress`` is called with each step's French name
    (:data:`STEPS`) as it starts. Same seed and sizes, same frames.
    """
    if seed < 0:
        raise EffipiaError("synth.bad_seed", value=seed)
    if campuses < 1:
        raise EffipiaError("synth.bad_campuses", value=campuses)
    if partners is not None and partners < len(sources.published()["tableau_2"]["columns"]) - 1:
        raise EffipiaError("synth.bad_partners", value=partners, minimum=len(sources.published()["tableau_2"]["columns"]) - 1)
    report = progress or (lambda step: None)

    report("campus")
    campus_frame = make_campuses(campuses, _rng(seed, "campus"))

    report("partenaires")
    counts = directory_counts(campus_frame, partners)
    partner_frame = make_partners(campus_frame, counts, _rng(seed, "partenaires"), _rng(seed, "territoires"))

    report("répondants")
    total = _respondent_total(counts)
    rows = select_respondents(partner_frame, campus_frame["engagement"].to_numpy(), total, _rng(seed, "répondants"))

    report("réponses")
    columns, expectation_order = _questionnaire_layout()
    responses = make_responses(partner_frame, rows, campus_frame, columns, expectation_order, _rng(seed, "réponses"))

    report("invitations")
    responded = np.zeros(partner_frame.height, dtype=bool)
    responded[rows] = True
    invitations = make_invitations(partner_frame, responded, _rng(seed, "invitations"))

    return SyntheticCampaign(
        name=campaign,
        seed=seed,
        campuses=campus_frame.select(list(CAMPUS_COLUMNS)).cast(CAMPUS_COLUMNS),
        partners=registry_frame(partner_frame),
        invitations=invitations,
        responses=responses,
    )


def _respondent_total(counts: np.ndarray) -> int:
    """Respondents: the calibrated total for the shipped directory, the same rate otherwise."""
    directory = sources.partner_directory()
    default_partners = int(directory.drop("campus_id").sum().to_numpy().sum())
    default_total = sources.calibration()["respondents"]["total"]
    return int(round(default_total * counts.sum() / default_partners))


def _questionnaire_layout() -> tuple[list[str], list[str]]:
    """Item columns and expectation choices, in the order of the shipped questionnaire."""
    from effipia.questionnaire import load_questionnaire

    questionnaire = load_questionnaire()
    return list(questionnaire.columns), [c.code for c in questionnaire.item("expectations").choices]

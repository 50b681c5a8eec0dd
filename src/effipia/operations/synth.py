"""Generate a synthetic campaign into the store (and as files)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from effipia.operations.results import OperationResult

if TYPE_CHECKING:
    from effipia.store import Store
    from effipia.synth import SyntheticCampaign

__all__ = ["SyntheticOutput", "generate_campaign", "STORE_STEP", "FILES_STEP"]

#: French names of the steps after generation, for progress bars (the generator's are ``synth.STEPS``).
STORE_STEP = "écriture dans la base"
FILES_STEP = "écriture des fichiers"


@dataclass(frozen=True)
class SyntheticOutput:
    """The generated campaign, the store it went to and the files written."""

    campaign: "SyntheticCampaign"
    url: str
    files: list[Path] = field(default_factory=list)


def generate_campaign(
    store: "Store",
    *,
    seed: int,
    campuses: int = 32,
    partners: int | None = None,
    campaign: str = "synthetique",
    out: str | Path | None = None,
    source: str = "effipia synth",
    progress: Callable[[str], None] | None = None,
) -> OperationResult[SyntheticOutput]:
    """Generate a synthetic campaign (:func:`effipia.synth.generate`: same seed and sizes,
    same frames), write it into ``store`` in one transaction and, with ``out``, as
    ``campuses.csv``, ``partners.csv``, ``invitations.csv`` and ``responses.csv``.
    ``progress`` is called with each step's French name as it starts."""
    from effipia.synth import generate

    advance = progress or (lambda step: None)
    generated = generate(seed=seed, campuses=campuses, partners=partners, campaign=campaign, progress=progress)
    advance(STORE_STEP)
    generated.write_to(store, source=source)
    files: list[Path] = []
    if out is not None:
        advance(FILES_STEP)
        files = generated.write_files(Path(out))
    return OperationResult(SyntheticOutput(campaign=generated, url=store.url, files=files))

"""``effipia synth``: generate a synthetic campaign into the store (and as files)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from effipia.cli.french import metavar
from effipia.cli.app import app, echo_warnings, open_store, reporting_errors
from effipia.errors import message
from effipia.formatting import number as _n

# Beyond this many partners a progress bar is shown (the default campaign has 1 914).
_LONG_RUN_PARTNERS = 20_000
_DEFAULT_PARTNERS_PER_CAMPUS = 60


@contextlib.contextmanager
def _progress(enabled: bool, steps: list[str]) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr advancing one step per call (a no-op when disabled)."""
    if not enabled:
        yield lambda step: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(steps))
        seen: list[str] = []

        def advance(step: str) -> None:
            if seen:
                bar.advance(task)
            seen.append(step)
            bar.update(task, description=message("synth.step", step=step))

        yield advance
        bar.update(task, completed=len(steps))


@app.command()
def synth(
    ctx: typer.Context,
    seed: int = typer.Option(..., "--seed", metavar=metavar("number"), help="Graine du générateur : même graine et mêmes tailles, mêmes données."),
    campuses: int = typer.Option(32, "--campuses", metavar=metavar("number"), help="Nombre de campus (les 32 premiers suivent la structure publiée)."),
    partners: int = typer.Option(
        None, "--partners", metavar=metavar("number"), help="Partenaires par campus (par défaut : l'annuaire type, 1\u202f914 partenaires pour 32 campus)."
    ),
    campaign: str = typer.Option("synthetique", "--campaign", metavar=metavar("name"), help="Nom de la campagne créée dans la base."),
    out: Path = typer.Option(
        None, "--out", metavar=metavar("folder"), help="Dossier où écrire aussi campuses.csv, partners.csv, invitations.csv et responses.csv."
    ),
) -> None:
    """Générer une campagne synthétique conforme au rapport du Céreq (structure des 32 campus,
    marges des tableaux 2 à 8) et l'enregistrer dans la base."""
    from effipia.operations.synth import FILES_STEP, STORE_STEP, generate_campaign
    from effipia.synth import STEPS

    expected = campuses * (partners or _DEFAULT_PARTNERS_PER_CAMPUS)
    steps = [*STEPS, STORE_STEP] + ([FILES_STEP] if out else [])
    with reporting_errors(), _progress(expected >= _LONG_RUN_PARTNERS, steps) as advance, open_store(ctx) as store:
        done = generate_campaign(
            store, seed=seed, campuses=campuses, partners=partners, campaign=campaign, out=out, progress=advance
        )
    result, url, written = done.value.campaign, done.value.url, done.value.files
    typer.echo(
        message(
            "synth.summary",
            campaign=campaign,
            seed=seed,
            campuses=_n(result.campuses.height),
            partners=_n(result.partners.height),
            respondents=_n(result.responses.height),
        )
    )
    typer.echo(message("synth.stored", url=url))
    if out:
        typer.echo(message("synth.files", path=str(out), names=", ".join(p.name for p in written)))
    echo_warnings(done.warnings)

"""Commands of the registry: ``effipia campuses import`` and ``effipia partners import``."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.app import (
    campuses_app,
    echo_message,
    open_store,
    partners_app,
    reporting_errors,
)
from effipia.errors import EffipiaError


def _only_campaign(store) -> str:
    try:
        return store.resolve_campaign(None)
    except EffipiaError as exc:
        if exc.code == "generic.no_campaign":
            raise EffipiaError("registry.campaign_needed") from None
        raise


@campuses_app.command("import")
def import_campuses(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Fichier des campus (CSV ou XLSX), en-têtes canoniques ou français."),
) -> None:
    """Importer ou mettre à jour le registre des campus (tout ou rien)."""
    from effipia.registry import read_campuses

    with reporting_errors():
        frame = read_campuses(file)
        with open_store(ctx) as store:
            stats = store.write_campuses(frame)
        echo_message(
            "registry.summary_campuses",
            read=frame.height,
            created=stats.created,
            updated=stats.updated,
            unchanged=stats.unchanged,
        )


@partners_app.command("import")
def import_partners(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Annuaires de partenaires (CSV ou XLSX), un par campus ou combinés."),
    campus: str = typer.Option(None, "--campus", help="Identifiant du campus de tous les fichiers (sinon colonne « Campus »)."),
    campaign: str = typer.Option(
        None, "--campaign", help="Campagne (créée si elle n'existe pas ; facultatif s'il n'y en a qu'une)."
    ),
) -> None:
    """Importer des annuaires de partenaires : en-têtes français, catégories recodées,
    doublons fusionnés ; au moindre problème rien n'est enregistré et tous les problèmes sont listés."""
    from effipia.registry import read_directories

    with reporting_errors(), open_store(ctx) as store:
        name = campaign if campaign is not None else _only_campaign(store)
        known = store.campuses().get_column("campus_id").to_list()
        result = read_directories([str(f) for f in files], campus=campus, known_campuses=known)
        stats = store.write_partners(name, result.partners)
        for merge in result.merges:
            typer.echo(str(merge))
        echo_message(
            "registry.summary_partners",
            campaign=name,
            read=result.rows_read,
            merged=result.rows_read - result.partners.height,
            created=stats.created,
            updated=stats.updated,
            unchanged=stats.unchanged,
        )

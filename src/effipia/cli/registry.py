"""Commands of the registry: ``effipia campuses import`` and ``effipia partners import``."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import metavar
from effipia.cli.app import (
    campuses_app,
    echo_message,
    echo_warnings,
    open_store,
    partners_app,
    reporting_errors,
)


_ALIASES_HELP = (
    "Table d'en-têtes supplémentaires (colonnes table, column, alias, comme column_aliases.csv),"
    " ajoutée aux tables livrées et à celles du dossier EFFIPIA_REGISTRY_TABLES ; prioritaire en cas de conflit."
    " Répétable."
)
_RECODING_HELP = (
    "Table de recodage des catégories supplémentaire (colonnes text, partner_type, comme category_recoding.csv),"
    " prioritaire en cas de conflit. Répétable."
)
_YES_NO_HELP = "Table oui/non supplémentaire (colonnes text, value : 1 ou 0, comme yes_no.csv), prioritaire. Répétable."


@campuses_app.command("import")
def import_campuses(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar=metavar("file"), help="Fichier des campus (CSV ou XLSX), en-têtes canoniques ou français."),
    aliases: list[Path] = typer.Option(None, "--aliases", metavar=metavar("file"), help=_ALIASES_HELP),
    recoding: list[Path] = typer.Option(None, "--recoding", metavar=metavar("file"), help=_RECODING_HELP),
    yes_no: list[Path] = typer.Option(None, "--yes-no", metavar=metavar("file"), help=_YES_NO_HELP),
) -> None:
    """Importer ou mettre à jour le registre des campus (tout ou rien)."""
    from effipia.operations.registry import import_campuses as run, registry_tables

    with reporting_errors():
        tables = registry_tables(aliases, recoding, yes_no)  # the user's tables checked before the store is opened
        with open_store(ctx) as store:
            result = run(store, file, tables=tables)
    done = result.value
    echo_message(
        "registry.summary_campuses",
        read=done.read,
        created=done.stats.created,
        updated=done.stats.updated,
        unchanged=done.stats.unchanged,
    )
    echo_warnings(result.warnings)


@partners_app.command("import")
def import_partners(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar=metavar("file"), help="Annuaires de partenaires (CSV ou XLSX), un par campus ou combinés."),
    campus: str = typer.Option(None, "--campus", metavar=metavar("id"), help="Identifiant du campus de tous les fichiers (sinon colonne « Campus »)."),
    campaign: str = typer.Option(
        None, "--campaign", metavar=metavar("name"), help="Campagne (créée si elle n'existe pas ; facultatif s'il n'y en a qu'une)."
    ),
    aliases: list[Path] = typer.Option(None, "--aliases", metavar=metavar("file"), help=_ALIASES_HELP),
    recoding: list[Path] = typer.Option(None, "--recoding", metavar=metavar("file"), help=_RECODING_HELP),
    yes_no: list[Path] = typer.Option(None, "--yes-no", metavar=metavar("file"), help=_YES_NO_HELP),
) -> None:
    """Importer des annuaires de partenaires : en-têtes français, catégories recodées,
    doublons fusionnés ; au moindre problème rien n'est enregistré et tous les problèmes sont listés."""
    from effipia.operations.registry import import_partners as run, registry_tables

    with reporting_errors():
        tables = registry_tables(aliases, recoding, yes_no)  # the user's tables checked before the store is opened
        with open_store(ctx) as store:
            result = run(store, files, campus=campus, campaign=campaign, tables=tables)
    done = result.value
    for merge in done.merges:
        typer.echo(str(merge))
    echo_message(
        "registry.summary_partners",
        campaign=done.campaign,
        read=done.read,
        merged=done.merged,
        created=done.stats.created,
        updated=done.stats.updated,
        unchanged=done.stats.unchanged,
    )
    echo_warnings(result.warnings)

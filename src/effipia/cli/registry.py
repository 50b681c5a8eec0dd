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


def _tables(aliases: list[Path] | None, recoding: list[Path] | None, yes_no: list[Path] | None):
    """The registry tables extended by the user's files (validated; French problems)."""
    from effipia.registry.tables import load_tables

    return load_tables(aliases=aliases or None, recoding=recoding or None, yes_no=yes_no or None)


@campuses_app.command("import")
def import_campuses(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Fichier des campus (CSV ou XLSX), en-têtes canoniques ou français."),
    aliases: list[Path] = typer.Option(None, "--aliases", metavar="FICHIER", help=_ALIASES_HELP),
    recoding: list[Path] = typer.Option(None, "--recoding", metavar="FICHIER", help=_RECODING_HELP),
    yes_no: list[Path] = typer.Option(None, "--yes-no", metavar="FICHIER", help=_YES_NO_HELP),
) -> None:
    """Importer ou mettre à jour le registre des campus (tout ou rien)."""
    from effipia.registry import read_campuses

    with reporting_errors():
        frame = read_campuses(file, tables=_tables(aliases, recoding, yes_no))
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
    aliases: list[Path] = typer.Option(None, "--aliases", metavar="FICHIER", help=_ALIASES_HELP),
    recoding: list[Path] = typer.Option(None, "--recoding", metavar="FICHIER", help=_RECODING_HELP),
    yes_no: list[Path] = typer.Option(None, "--yes-no", metavar="FICHIER", help=_YES_NO_HELP),
) -> None:
    """Importer des annuaires de partenaires : en-têtes français, catégories recodées,
    doublons fusionnés ; au moindre problème rien n'est enregistré et tous les problèmes sont listés."""
    from effipia.registry import read_directories

    with reporting_errors():
        tables = _tables(aliases, recoding, yes_no)  # checked before the store is opened
    with reporting_errors(), open_store(ctx) as store:
        name = campaign if campaign is not None else _only_campaign(store)
        known = store.campuses().get_column("campus_id").to_list()
        result = read_directories([str(f) for f in files], campus=campus, known_campuses=known, tables=tables)
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

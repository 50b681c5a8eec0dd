"""Commands ``effipia questionnaire check|xform``: thin adapters over :mod:`effipia.questionnaire`."""

from __future__ import annotations

from pathlib import Path

import typer

from effipia.cli.french import metavar
from effipia.cli.app import echo_err, questionnaire_app, reporting_errors
from effipia.errors import message
from effipia.formatting import number as _n


@questionnaire_app.command("check")
def check(
    file: Path = typer.Argument(..., metavar=metavar("file"), help="Classeur XLSForm à vérifier (.xlsx)."),
) -> None:
    """Vérifier un questionnaire XLSForm : erreurs et avertissements de pyxform, listes de
    choix, conditions d'affichage, et codes du codebook si le classeur se présente comme
    l'enquête unique. Affiche « fichier:feuille:ligne: raison » pour chaque problème."""
    from effipia.operations.questionnaire import check_questionnaire

    with reporting_errors():
        result = check_questionnaire(file)
    if result.problems:
        echo_err(message("questionnaire.check_failed", count=_n(len(result.problems))))
        for problem in result.problems:
            echo_err(str(problem))
        raise typer.Exit(1)
    q = result.value
    typer.echo(
        message(
            "questionnaire.check_summary",
            file=str(file),
            title=q.title,
            version=q.version,
            questions=_n(len(q.items)),
            blocks=_n(len(q.blocks)),
            lists=_n(len(q.lists)),
        )
    )


@questionnaire_app.command("xform")
def xform(
    out: Path = typer.Option(..., "--out", metavar=metavar("file"), help="Fichier XForm (XML) à écrire."),
    form: Path = typer.Option(
        None, "--form", metavar=metavar("file"), help="Classeur XLSForm à convertir (par défaut : l'enquête unique fournie)."
    ),
) -> None:
    """Écrire le XForm (XML ODK) du questionnaire, à déployer sur KoboToolbox ou ODK Central."""
    from effipia.operations.questionnaire import write_xform

    with reporting_errors():
        result = write_xform(out, form)
    typer.echo(message("questionnaire.xform_written", path=str(out), questions=_n(len(result.value.items))))

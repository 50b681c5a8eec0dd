"""``effipia compute``: the statistics set of a campaign, written as Parquet and CSV."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from effipia.cli.french import choices, metavar
from effipia.cli.app import app, echo_warnings, open_store, reporting_errors
from effipia.errors import message
from effipia.formatting import number as _n


class WeightsOption(StrEnum):
    none = "none"
    calibrated = "calibrated"


class CalibrationOption(StrEnum):
    poststratification = "poststratification"
    raking = "raking"


class IntervalOption(StrEnum):
    korn_graubard = "korn-graubard"
    logit = "logit"
    wald = "wald"


@app.command("compute")
def compute_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", metavar=metavar("folder"), help="Dossier où écrire statistics.parquet et statistics.csv."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne à traiter ; facultatif s'il n'y en a qu'une."),
    weights: WeightsOption = typer.Option(
        WeightsOption.none,
        "--weights", metavar=choices(WeightsOption),
        help="none : répondants non pondérés ; calibrated : répondants calés sur les partenaires invités.",
    ),
    calibration: CalibrationOption = typer.Option(
        CalibrationOption.poststratification,
        "--calibration", metavar=choices(CalibrationOption),
        help="Méthode de calage : poststratification (cellules campus × groupe) ou raking (marges campus et groupe).",
    ),
    cluster: bool = typer.Option(
        False, "--cluster", help="Variances avec le campus comme unité primaire (grappe) : pas d'intervalle à l'intérieur d'un campus ; sans objet avec --weights calibrated."
    ),
    strata: bool = typer.Option(
        False, "--strata", help="Variances avec le campus comme strate (répondants tirés dans chaque campus) ; à utiliser avec le calage."
    ),
    min_n: int = typer.Option(
        None, "--min-n", metavar=metavar("number"), help="Effectif minimal sous lequel une valeur n'est pas diffusée (par défaut : réglage EFFIPIA_DISCLOSURE_MIN, 5)."
    ),
    model_controls: str = typer.Option(
        None, "--model-controls", metavar=metavar("list"),
        help="Variables de contrôle du modèle de variété des relations, séparées par des virgules (campus_id pour des effets fixes de campus, filiere, duration_years, partner_type…) ; par défaut : un coefficient par profil, sans contrôle.",
    ),
    ci: IntervalOption = typer.Option(
        IntervalOption.korn_graubard,
        "--ci", metavar=choices(IntervalOption),
        help="Intervalle de confiance des parts : korn-graubard (par défaut, exact pour les petits effectifs), logit ou wald (± 1,96 écart-type) ; moyennes et scores : intervalle de Student sur les degrés de liberté du plan.",
    ),
    presentation: str = typer.Option(
        None,
        "--presentation", metavar=metavar("profile"),
        help="Règles de présentation selon la précision : default (estimations imprécises publiées avec un signe et une note), nchs (norme NCHS 2017 : estimations peu fiables supprimées) ou un fichier TOML ; voir docs/analysis.md.",
    ),
    scoring: Path = typer.Option(None, "--scoring", metavar=metavar("rule"), help="Fichier TOML de règles de calcul des scores, ou nom d'une règle livrée (share_excl_na…, voir docs/scoring.md) ; par défaut : règle livrée par défaut."),
) -> None:
    """Calculer toutes les statistiques d'une campagne (tableaux, indicateurs, comparaisons par campus)."""
    from effipia.operations.statistics import compute_statistics

    with reporting_errors(), open_store(ctx) as store:
        result = compute_statistics(
            store,
            campaign,
            out=out,
            min_n=min_n,
            weights=weights.value,
            calibration=calibration.value,
            cluster=cluster,
            strata=strata,
            scoring=scoring,
            model_controls=[c.strip() for c in (model_controls or "").split(",") if c.strip()],
            ci=ci.value,
            presentation=presentation,
        )
    done = result.value
    parquet, csv = done.files[:2]
    typer.echo(
        message(
            "analysis.compute_done",
            rows=_n(done.statistics.height),
            suppressed=_n(done.suppressed),
            campaign=done.campaign,
            parquet=str(parquet),
            csv=str(csv),
        )
    )
    for line in done.headline:  # the same lines as « effipia demo »
        typer.echo(f"  {line}")
    _echo_precision(done.statistics, presentation)
    echo_warnings(result.warnings)


def _echo_precision(statistics, presentation: str | None) -> None:
    """One line of totals of the precision classes (the counts by statistic are warnings)."""
    from effipia.analysis.precision import load_presentation, precision_counts

    counts = precision_counts(statistics)
    if counts.height:
        typer.echo(
            message(
                "analysis_precision.total",
                profile=load_presentation(presentation).name,
                statistics=_n(counts.height),
                reliable=_n(int(counts["reliable"].sum())),
                imprecise=_n(int(counts["imprecise"].sum())),
                unreliable=_n(int(counts["unreliable"].sum())),
            )
        )

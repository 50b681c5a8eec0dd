"""``effipia compute``: the statistics set of a campaign, written as Parquet and CSV."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from effipia.cli.app import app, open_store, reporting_errors
from effipia.errors import message
from effipia.formatting import number as _n


class WeightsOption(StrEnum):
    none = "none"
    calibrated = "calibrated"


class CalibrationOption(StrEnum):
    poststratification = "poststratification"
    raking = "raking"


@app.command("compute")
def compute_command(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Dossier où écrire statistics.parquet et statistics.csv."),
    campaign: str = typer.Option(None, "--campaign", help="Campagne à traiter ; facultatif s'il n'y en a qu'une."),
    weights: WeightsOption = typer.Option(
        WeightsOption.none,
        "--weights",
        help="none : répondants non pondérés ; calibrated : répondants calés sur les partenaires invités.",
    ),
    calibration: CalibrationOption = typer.Option(
        CalibrationOption.poststratification,
        "--calibration",
        help="Méthode de calage : poststratification (cellules campus × groupe) ou raking (marges campus et groupe).",
    ),
    cluster: bool = typer.Option(
        False, "--cluster", help="Variances avec le campus comme unité primaire (grappe) : pas d'intervalle à l'intérieur d'un campus ; sans objet avec --weights calibrated."
    ),
    strata: bool = typer.Option(
        False, "--strata", help="Variances avec le campus comme strate (répondants tirés dans chaque campus) ; à utiliser avec le calage."
    ),
    min_n: int = typer.Option(5, "--min-n", help="Effectif minimal sous lequel une valeur n'est pas diffusée."),
    model_controls: str = typer.Option(
        None, "--model-controls",
        help="Variables de contrôle du modèle de variété des relations, séparées par des virgules (campus_id pour des effets fixes de campus, filiere, duration_years, partner_type…) ; par défaut : un coefficient par profil, sans contrôle.",
    ),
    scoring: Path = typer.Option(None, "--scoring", help="Fichier TOML de règles de calcul des scores, ou nom d'une règle livrée (share_excl_na…, voir docs/scoring.md) ; par défaut : règle livrée par défaut."),
) -> None:
    """Calculer toutes les statistiques d'une campagne (tableaux, indicateurs, comparaisons par campus)."""
    from effipia.analysis.compute import compute, headline, write_statistics

    with reporting_errors():
        store = open_store(ctx)
        try:
            name = store.resolve_campaign(campaign)
            responses = store.responses(name)
            partners = store.partners(name)
            invitations = store.invitations(name)
            campuses = store.campuses()
        finally:
            store.close()
        statistics = compute(
            responses,
            partners=partners,
            invitations=invitations,
            campuses=campuses,
            weights=weights.value,
            calibration=calibration.value,
            cluster=cluster,
            strata=strata,
            min_n=min_n,
            scoring=scoring,
            model_controls=[c.strip() for c in (model_controls or "").split(",") if c.strip()],
        )
        parquet, csv = write_statistics(statistics, out)
    typer.echo(
        message(
            "analysis.compute_done",
            rows=_n(statistics.height),
            suppressed=_n(int(statistics["suppressed"].sum())),
            campaign=name,
            parquet=str(parquet),
            csv=str(csv),
        )
    )
    for line in headline(statistics, campuses=campuses):  # the same lines as « effipia demo »
        typer.echo(f"  {line}")

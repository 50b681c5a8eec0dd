"""JSON API ``/api/v1`` for the staff operations, with the same roles as the pages.

Authenticated by ``Authorization: Bearer <token>`` (``effipia users token``; only the
token's SHA-256 is stored, failed look-ups rate-limited in the store). Described by the
application's OpenAPI document (``/openapi.json``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from effipia.errors import EffipiaError, ValidationFailed
from effipia.operations import monitoring
from effipia.operations.mailing import send_invitations
from effipia.operations.users import record_action
from effipia.web.auth import ApiCampus, ApiEvaluator, ApiProgress, located_problems

router = APIRouter(prefix="/api/v1", tags=["API"])

_CAMPAIGN = Query(None, description="Nom de la campagne ; facultatif s'il n'y en a qu'une.")
_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton absent, inconnu ou révoqué."},
    403: {"description": "Rôle ou campus non autorisé."},
    404: {"description": "Campagne ou campus inconnu."},
    429: {"description": "Trop de jetons inconnus depuis cette adresse."},
}


class ProgressRow(BaseModel):
    """Progress of one campus × survey group (AAPOR dispositions and rates)."""

    campus_id: str = Field(description="Identifiant du campus (« ensemble » : tous les campus, vue d'un financeur).")
    campus_name: str | None = None
    group: str = Field(description="Groupe d'enquête (entreprise, lycee, of_cfa, superieur, autre).")
    partners: int = Field(description="Partenaires de l'annuaire du campus dans ce groupe.")
    invited: int = Field(description="Invitations (échantillon ; dénominateur des taux).")
    emailed: int = Field(description="Invitations envoyées par courriel avec succès.")
    started: int | None = Field(description="Partiels (P) : questionnaire commencé, pas encore soumis.")
    completed: int | None = Field(description="Complets (I) : questionnaire soumis.")
    refused: int | None = Field(description="Refus (R) : « je ne souhaite pas répondre ».")
    bounced: int = Field(description="Non-contacts (NC) : adresse refusée (5xx) ou sur une liste de rejets.")
    rr1: float | None = Field(description="AAPOR RR1 = I / invités.")
    rr2: float | None = Field(description="AAPOR RR2 = (I + P) / invités.")
    ref1: float | None = Field(description="AAPOR REF1 = R / invités.")
    con1: float | None = Field(description="AAPOR CON1 = (I + P + R) / invités.")
    suppressed: bool = Field(False, description="Chiffres masqués : moins de disclosure_min répondants.")


class PartnerImportResult(BaseModel):
    campaign: str
    read: int
    partners: int
    merged: int
    created: int
    updated: int
    unchanged: int


class ReminderResult(BaseModel):
    campaign: str
    dry_run: bool
    sent: int
    bounced: int
    deferred: int
    planned: int
    left: dict[str, int]


def _store(request: Request):
    return request.app.state.store


def _campaign(request: Request, name: str | None) -> str:
    try:
        return _store(request).resolve_campaign(name)
    except EffipiaError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/progress", response_model=list[ProgressRow], responses=_AUTH_ERRORS,
            summary="Avancement par campus × groupe d'enquête (taux AAPOR)")
def progress(request: Request, user: ApiProgress, campaign: str | None = _CAMPAIGN) -> list[dict[str, Any]]:
    """Évaluateur : tous les campus ; directeur : les lignes de son campus (secret statistique
    appliqué) ; financeur : les agrégats nationaux par groupe (secret statistique appliqué)."""
    name = _campaign(request, campaign)
    minimum = request.app.state.settings.disclosure_min
    if user.is_director:
        cells = monitoring.progress(_store(request), name, campus=user.campus_id).value
        table = monitoring.protect_progress(cells, monitoring.totals(cells, "campus_id"), minimum).head(cells.height)
    elif user.is_funder:
        table = monitoring.progress(_store(request), name).value
        groups = monitoring.totals(table, "group")
        table = monitoring.protect_progress(groups, monitoring.totals(table, None), minimum).head(groups.height)
    else:
        table = monitoring.progress(_store(request), name).value.with_columns(pl.lit(False).alias("suppressed"))
    return table.drop("group_label").to_dicts()


@router.get("/responses", responses=_AUTH_ERRORS, summary="Réponses (disposition du codebook) ; évaluateurs seulement")
def responses(request: Request, user: ApiEvaluator, campaign: str | None = _CAMPAIGN) -> list[dict[str, Any]]:
    """Une ligne par répondant : colonnes d'identification puis items du questionnaire (codes du codebook)."""
    name = _campaign(request, campaign)
    frame = _store(request).responses(name)
    record_action(_store(request), user, "responses.export", campaign=name, format="json", rows=frame.height)
    return monitoring.as_records(frame)


@router.post("/campus/{campus_id}/partners", response_model=PartnerImportResult,
             responses={**_AUTH_ERRORS, 422: {"description": "Problèmes du fichier (fichier:ligne:colonne: raison) : rien n'est enregistré."}},
             summary="Importer l'annuaire des partenaires d'un campus (tout ou rien)")
async def import_directory(request: Request, campus_id: str, user: ApiCampus, fichier: UploadFile = File(...),
                           campaign: str = Query(..., description="Campagne (créée si elle n'existe pas).")):
    """Même opération que ``effipia partners import --campus``. Un directeur : son campus seulement."""
    from effipia.operations.registry import import_partners

    if campus_id not in set(_store(request).campuses()["campus_id"].to_list()):
        raise HTTPException(404, "campus inconnu")
    filename = Path(fichier.filename or "annuaire.csv").name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        path.write_bytes(await fichier.read())
        try:
            done = import_partners(_store(request), [path], campus=campus_id, campaign=campaign).value
        except ValidationFailed as exc:
            return _refused(located_problems(exc.problems, path, filename))
        except EffipiaError as exc:
            return _refused([str(exc).replace(str(path), filename)])
    record_action(_store(request), user, "partners.import", campaign=done.campaign, campus_id=campus_id, file=filename,
                  read=done.read)
    return PartnerImportResult(campaign=done.campaign, read=done.read, partners=done.partners, merged=done.merged,
                               created=done.stats.created, updated=done.stats.updated, unchanged=done.stats.unchanged)


def _refused(problems: list[str]) -> JSONResponse:
    return JSONResponse({"detail": f"{len(problems)} problème(s) : rien n'a été enregistré", "problems": problems},
                        status_code=422)


@router.post("/reminders", response_model=ReminderResult, responses=_AUTH_ERRORS,
             summary="Envoyer les relances (évaluateurs)")
def reminders(request: Request, user: ApiEvaluator, campaign: str | None = _CAMPAIGN,
              dry_run: bool = Query(False, description="Simulation : rien n'est envoyé ni enregistré.")):
    """Relance les invités qui n'ont ni terminé, ni refusé, ni d'adresse en échec."""
    name = _campaign(request, campaign)
    try:
        report = send_invitations(_store(request), name, reminder=True, dry_run=dry_run, actor=user.email,
                                  settings=request.app.state.settings).value
    except EffipiaError as exc:
        raise HTTPException(409, str(exc)) from None
    return ReminderResult(campaign=name, dry_run=dry_run, sent=len(report.sent), bounced=len(report.bounced),
                          deferred=len(report.deferred), planned=len(report.planned), left=report.left)

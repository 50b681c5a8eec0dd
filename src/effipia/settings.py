"""Every setting of effipia, declared once: name, type, default and French help.

Each field is read from the environment variable ``EFFIPIA_<NAME>`` (upper case). A
command-line option that overrides a setting (``--db``) is applied by the adapter on
top of :func:`get_settings`. Nothing else in the package reads ``os.environ`` for an
``EFFIPIA_*`` variable: it asks :func:`get_settings`.

The settings are read afresh at every call (cheap), so that a test or a long-lived
process sees a changed environment; :func:`documented_settings` lists them for the
documentation test and for ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "documented_settings", "ENV_PREFIX", "DEFAULT_DATABASE_URL"]

ENV_PREFIX = "EFFIPIA_"
DEFAULT_DATABASE_URL = "sqlite:///effipia.db"


class Settings(BaseSettings):
    """The settings of one process (environment variables ``EFFIPIA_*``)."""

    # an empty variable (EFFIPIA_NOMENCLATURES=) means « not set », as it always did
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", case_sensitive=False, env_ignore_empty=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="URL SQLAlchemy de la base (SQLite embarqué par défaut ; PostgreSQL : "
        "postgresql+psycopg://utilisateur@hote:5432/base). L'option --db la remplace.",
    )
    debug: bool = Field(False, description="1 : affiche la trace Python complète d'une erreur inattendue.")
    disclosure_min: int = Field(
        5,
        ge=1,
        description="Effectif minimal de répondants sous lequel aucun chiffre n'est publié "
        "(secret statistique, avec suppression secondaire).",
    )
    reference: Path | None = Field(
        None,
        description="Dossier de fichiers de référence plus récents (lycées, contours, NAF, Sirene, INSEE) "
        "remplaçant ceux livrés, à nom et format identiques.",
    )
    nomenclatures: Path | None = Field(
        None, description="Dossier de nomenclatures (CSV) remplaçant celles livrées, à nom identique."
    )
    registry_tables: Path | None = Field(
        None,
        description="Dossier de tables du registre propres à l'utilisateur (aliases.csv, recoding.csv, "
        "yes_no.csv) ajoutées aux tables livrées.",
    )
    insee_reference: Path | None = Field(
        None,
        description="Fichier CSV des effectifs nationaux d'entreprises par secteur et taille (référence "
        "de la Figure 2) remplaçant celui livré.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Clé secrète du serveur web (signature des sessions, dérivation des jetons "
        "d'invitation). Obligatoire pour effipia serve hors --dev.",
    )
    xlsx_max_cells: int = Field(
        10_000_000,
        ge=1,
        description="Taille maximale de la zone utilisée d'une feuille XLSX importée (lignes × colonnes, "
        "jusqu'à la dernière cellule remplie) : au-delà, le classeur est refusé avant d'être chargé en mémoire.",
    )
    smtp_url: str | None = Field(
        None, description="Serveur d'envoi des courriels, par exemple smtp://127.0.0.1:2525."
    )
    mail_from: str | None = Field(None, description="Adresse d'expédition des invitations et relances.")
    base_url: str | None = Field(
        None,
        description="Adresse publique du questionnaire (les liens personnels sont BASE/r/<jeton>).",
    )
    report_templates: Path | None = Field(
        None,
        description="Dossier de modèles et de textes de rapport (fichiers *.j2 et *.toml) remplaçant ou "
        "complétant ceux livrés : formulations, titres, ordre des chapitres, chapitres ajoutés.",
    )
    report_authors: str = Field(
        "Céreq — équipe d'évaluation Effipia",
        description="Auteurs nommés en page de titre des rapports (rapport national et rapports de campus).",
    )
    # --- web collection: look and the respondent's information pages -------------------
    web_theme: Literal["effipia", "dsfr"] = Field(
        "effipia",
        description="Thème des pages web : effipia (sobre, par défaut) ou dsfr (Système de design de "
        "l'État, réservé aux sites de l'État par ses conditions d'utilisation).",
    )
    survey_organisation: str = Field(
        "l'équipe d'évaluation",
        description="Organisme qui mène l'enquête, nommé dans l'en-tête des pages et la notice RGPD.",
    )
    privacy_controller: str = Field(
        "l'organisme qui mène l'enquête (à préciser par EFFIPIA_PRIVACY_CONTROLLER)",
        description="Responsable du traitement des réponses (notice RGPD) : nom et adresse.",
    )
    privacy_purpose: str = Field(
        "évaluer les campus des métiers et des qualifications et le partenariat qu'ils animent ; "
        "les réponses ne sont publiées que sous forme de statistiques agrégées",
        description="Finalité du traitement des réponses (notice RGPD).",
    )
    privacy_legal_basis: str = Field(
        "mission d'intérêt public (article 6-1-e du RGPD)",
        description="Base légale du traitement (notice RGPD).",
    )
    privacy_retention: str = Field(
        "jusqu'à la publication du rapport d'évaluation et au plus deux ans après la fin de la collecte",
        description="Durée de conservation des réponses individuelles (notice RGPD).",
    )
    privacy_contact: str = Field(
        "le délégué à la protection des données de l'organisme (à préciser par EFFIPIA_PRIVACY_CONTACT)",
        description="Contact pour exercer ses droits (délégué à la protection des données : adresse ou courriel).",
    )
    accessibility_contact: str = Field(
        "l'équipe d'évaluation (à préciser par EFFIPIA_ACCESSIBILITY_CONTACT)",
        description="Contact pour signaler un défaut d'accessibilité (déclaration d'accessibilité).",
    )
    accessibility_audit_date: str | None = Field(
        None,
        description="Date du dernier audit RGAA des pages du questionnaire ; vide : pages non auditées "
        "par un tiers (la déclaration le dit).",
    )

    # --- staff side: accounts, limits, e-mails ------------------------------------------
    mail_templates: Path | None = Field(
        None,
        description="Dossier de modèles de courriels (invitation_subject.txt, invitation.txt, invitation.html, "
        "reminder_subject.txt, reminder.txt, reminder.html, signature.txt, signature.html) remplaçant, "
        "fichier par fichier, ceux livrés.",
    )
    survey_deadline: date | None = Field(
        None, description="Date limite de réponse annoncée dans les courriels (AAAA-MM-JJ) ; l'option --deadline la remplace."
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Échecs de connexion admis par compte dans la fenêtre EFFIPIA_LOGIN_WINDOW_SECONDS "
        "(dix fois plus par adresse de client) ; au-delà, la connexion est refusée jusqu'à la fenêtre suivante.",
    )
    api_max_failures: int = Field(
        30, ge=1, description="Jetons d'API inconnus admis par adresse de client dans la fenêtre, avant refus (429)."
    )
    link_max_failures: int = Field(
        30,
        ge=1,
        description="Liens personnels inconnus admis par adresse de client dans la fenêtre "
        "EFFIPIA_LOGIN_WINDOW_SECONDS, avant refus (429) : on ne devine pas un jeton en essayant.",
    )
    login_window_seconds: int = Field(
        900, ge=1, description="Durée (secondes) de la fenêtre des limites de connexion et de jetons, comptées dans la base."
    )
    dev: bool = Field(
        False,
        description="Mode développement (posé par effipia serve --dev) : cookies de session sans l'attribut "
        "Secure, seulement sur http:// en boucle locale (127.0.0.1, localhost).",
    )
    session_max_age_seconds: int = Field(
        28800, ge=60, description="Durée de validité (secondes) d'une session du personnel (cookie signé)."
    )

@lru_cache(maxsize=16)
def _from_environment(snapshot: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()


def get_settings(**overrides: object) -> Settings:
    """The settings from the environment, with ``overrides`` (non-``None`` values) applied.

    Parsed once per state of the ``EFFIPIA_*`` variables (a changed variable is seen at the
    next call; parsing costs about a millisecond, and stages ask often); each call gets its
    own copy."""
    snapshot = tuple(sorted((k.upper(), v) for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)))
    given = {key: value for key, value in overrides.items() if value is not None}
    return _from_environment(snapshot).model_copy(update=given)


def documented_settings() -> list[tuple[str, str, str]]:
    """``(variable, default, French help)`` for every setting, in declaration order."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else str(field.default)
        rows.append((ENV_PREFIX + name.upper(), default, field.description or ""))
    return rows

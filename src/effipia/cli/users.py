"""``effipia users add|token|list`` and ``effipia invitations send|bounces``: staff accounts
and e-mails (thin adapters over :mod:`effipia.operations.users` and ``.mailing``)."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path

import typer

from effipia.cli.french import FrenchTyper, metavar
from effipia.cli.app import app, echo_err, echo_message, open_store, reporting_errors
from effipia.cli.invitations import invitations_app
from effipia.errors import EffipiaError

users_app = FrenchTyper(help="Comptes du personnel : évaluateurs, directeurs de campus, financeurs.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _actor() -> str:
    """Who runs a command, for the audit log."""
    try:
        return f"ligne de commande ({getpass.getuser()})"
    except (KeyError, OSError):  # no user name in a container
        return "ligne de commande"


def _warn(result) -> None:
    for warning in result.warnings:
        echo_err(f"Attention : {warning.message}")


def _read_password() -> str:
    """The password on standard input (first line), or typed twice without echo."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise EffipiaError("users.password_empty")
        return line
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Mot de passe (confirmation) : ") != first:
        raise EffipiaError("users.password_mismatch")
    return first


@users_app.command("add")
def add_command(
    ctx: typer.Context,
    email: str = typer.Argument(..., metavar=metavar("email"), help="Adresse électronique (identifiant de connexion)."),
    role: str = typer.Option(..., "--role", metavar="evaluator|director|funder", help="evaluator (tout), director (son campus seulement) ou funder (agrégats nationaux)."),
    campus: str = typer.Option(None, "--campus", metavar=metavar("id"), help="Identifiant du campus d'un directeur (registre des campus)."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Lire le mot de passe sur l'entrée standard (sans cette option : compte sans mot de passe, jetons d'API seulement)."
    ),
) -> None:
    """Crée un compte du personnel ; le mot de passe est haché (argon2id), jamais conservé en clair."""
    from effipia.operations.users import add_user

    with reporting_errors():
        password = _read_password() if password_stdin else None
        with open_store(ctx) as store:
            result = add_user(store, email, role, campus, password, actor=_actor())
        user = result.value
        echo_message("users.added", email=user.email, role=user.role, campus=f", campus {user.campus_id}" if user.campus_id else "")
        _warn(result)


@users_app.command("token")
def token_command(ctx: typer.Context, email: str = typer.Argument(..., metavar=metavar("email"), help="Compte auquel rattacher le jeton.")) -> None:
    """Crée un jeton d'API (en-tête Authorization: Bearer …) et l'affiche une seule fois, seul sur la dernière ligne."""
    from effipia.operations.users import create_api_token

    with reporting_errors(), open_store(ctx) as store:
        result = create_api_token(store, email, actor=_actor())
    echo_message("users.token_created", email=email.strip().lower())
    typer.echo(result.value)


@users_app.command("password")
def password_command(ctx: typer.Context, email: str = typer.Argument(..., metavar=metavar("email"), help="Compte dont le mot de passe change.")) -> None:
    """Remplace le mot de passe d'un compte (lu sur l'entrée standard, ou saisi deux fois)."""
    from effipia.operations.users import set_password

    with reporting_errors():
        password = _read_password()
        with open_store(ctx) as store:
            set_password(store, email, password, actor=_actor())
    echo_message("users.password_changed", email=email.strip().lower())


@users_app.command("disable")
def disable_command(ctx: typer.Context, email: str = typer.Argument(..., metavar=metavar("email"), help="Compte à fermer.")) -> None:
    """Ferme un compte tout de suite : plus de connexion, ses jetons d'API révoqués."""
    from effipia.operations.users import disable_user

    with reporting_errors(), open_store(ctx) as store:
        revoked = disable_user(store, email, actor=_actor()).value
    echo_message("users.disabled", email=email.strip().lower(), tokens=revoked)


@users_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Liste les comptes : courriel, rôle, campus, mot de passe défini, jetons actifs, actif."""
    from effipia.errors import message
    from effipia.operations.users import list_users

    with reporting_errors(), open_store(ctx) as store:
        rows = list_users(store).value
    if not rows:
        echo_message("users.none")
        return
    typer.echo(message("users.listing_header"))
    for row in rows:
        typer.echo(" ; ".join([
            row["email"], row["role"], row["campus_id"] or "-", "oui" if row["has_password"] else "non",
            str(row["tokens"]), "oui" if row["active"] else "non",
        ]))


@invitations_app.command("send")
def send_command(
    ctx: typer.Context,
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne ; facultatif s'il n'y en a qu'une."),
    reminder: bool = typer.Option(
        False, "--reminder", help="Relance : seulement les invités qui n'ont ni terminé, ni refusé, ni d'adresse en échec."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Montre ce qui serait envoyé, sans rien envoyer ni enregistrer."),
    deadline: str = typer.Option(None, "--deadline", metavar=metavar("date"), help="Date limite annoncée (sinon EFFIPIA_SURVEY_DEADLINE)."),
) -> None:
    """Envoie par courriel (EFFIPIA_SMTP_URL, EFFIPIA_MAIL_FROM) les invitations pas encore
    envoyées, ou les relances ; affiche ce qui a été envoyé, refusé et laissé de côté."""
    from effipia.operations.mailing import send_invitations

    with reporting_errors():
        when = _date(deadline)
        with open_store(ctx) as store:
            result = send_invitations(store, campaign, reminder=reminder, dry_run=dry_run, deadline=when, actor=_actor())
        report = result.value
        what = "relances" if reminder else "invitations"
        if dry_run:
            for planned in report.planned:
                typer.echo(f"à envoyer : {planned.recipient} ({planned.partner_id})")
            echo_message("mailing.dry_run", campaign=report.campaign, what=what, planned=len(report.planned))
        else:
            for outcome in report.bounced:
                typer.echo(f"refusé : {outcome.recipient} ({outcome.partner_id}) — {outcome.smtp_code} {outcome.smtp_reply}")
            for outcome in report.deferred:
                typer.echo(f"différé : {outcome.recipient} ({outcome.partner_id}) — {outcome.smtp_code} {outcome.smtp_reply}")
            echo_message("mailing.summary", campaign=report.campaign, what=what, sent=len(report.sent),
                         bounced=len(report.bounced), deferred=len(report.deferred))
        for reason, count in report.left.items():
            echo_message("mailing.left", count=count, reason=reason)
        if not report.left:
            echo_message("mailing.nothing_left")
        _warn(result)


@invitations_app.command("bounces")
def bounces_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar=metavar("file"), help="Liste de rejets d'un fournisseur d'envoi (CSV ou XLSX, colonne « email »)."),
    campaign: str = typer.Option(None, "--campaign", metavar=metavar("name"), help="Campagne ; facultatif s'il n'y en a qu'une."),
) -> None:
    """Marque en échec (jamais relancées) les invitations dont l'adresse figure dans la liste ;
    au moindre problème rien n'est enregistré et tous les problèmes sont listés."""
    from effipia.operations.mailing import import_bounces

    with reporting_errors(), open_store(ctx) as store:
        result = import_bounces(store, file, campaign, actor=_actor())
    echo_message("mailing.bounce_summary", **result.value)
    _warn(result)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EffipiaError("mailing.bad_deadline", value=text) from None

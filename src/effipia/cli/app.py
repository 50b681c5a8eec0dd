"""The Typer application, its command groups and the shared plumbing.

Commands live in sibling modules (one per pipeline stage); each parses its
options, calls the library and lets :func:`reporting_errors` turn library errors
into French messages on stderr with a non-zero exit code.
"""

from __future__ import annotations

import contextlib
import errno
import re
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import typer

from effipia.errors import EffipiaError, ValidationFailed

DEFAULT_DATABASE_URL = "sqlite:///effipia.db"

app = typer.Typer(
    help="effipia : évaluation des campus des métiers et des qualifications "
    "(registre, questionnaire, collecte, statistiques, cartes et rapports).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
campuses_app = typer.Typer(help="Registre des campus : import.", no_args_is_help=True)
partners_app = typer.Typer(help="Annuaires de partenaires : import.", no_args_is_help=True)
responses_app = typer.Typer(help="Réponses à l'enquête : import et export.", no_args_is_help=True)
questionnaire_app = typer.Typer(help="Questionnaire XLSForm : vérification et conversion XForm.", no_args_is_help=True)
app.add_typer(campuses_app, name="campuses")
app.add_typer(partners_app, name="partners")
app.add_typer(responses_app, name="responses")
app.add_typer(questionnaire_app, name="questionnaire")


@dataclass
class Settings:
    """Options shared by every command."""

    database_url: str


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        help="URL SQLAlchemy de la base (par défaut : variable EFFIPIA_DATABASE_URL, "
        "sinon sqlite:///effipia.db dans le dossier courant). "
        "Exemple PostgreSQL : postgresql+psycopg://user@hote:5432/base",
    ),
) -> None:
    url = db or os.environ.get("EFFIPIA_DATABASE_URL") or DEFAULT_DATABASE_URL
    ctx.obj = Settings(database_url=url)


def settings(ctx: typer.Context) -> Settings:
    """The shared settings of the running command."""
    root = ctx.find_root()
    return root.obj if isinstance(root.obj, Settings) else Settings(DEFAULT_DATABASE_URL)


def open_store(ctx: typer.Context):
    """Open (create and migrate if needed) the store named by ``--db``."""
    from effipia.store import Store

    return Store(settings(ctx).database_url)


def echo_message(code: str, **params: object) -> None:
    """Print catalogue message ``code`` on stdout, integers in French format (« 6 217 »)."""
    from effipia.errors import message
    from effipia.formatting import number

    shown = {k: number(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in params.items()}
    typer.echo(message(code, **shown))


def echo_err(text: str) -> None:
    """Write a line to stderr."""
    print(text, file=sys.stderr)


def echo_warnings(warnings) -> None:
    """Print an operation's warnings on stderr: a French heading, then one line each."""
    from effipia.errors import message
    from effipia.formatting import number

    if warnings:
        echo_err(message("cli.warnings", count=number(len(warnings))))
        for warning in warnings:
            echo_err(f"  {warning.message}")


@contextlib.contextmanager
def reporting_errors() -> Iterator[None]:
    """Turn library errors into French messages on stderr and exit code 1."""
    try:
        yield
    except ValidationFailed as exc:
        echo_err(f"Échec : {len(exc.problems)} problème(s), rien n'a été enregistré.")
        for problem in exc.problems:
            echo_err(str(problem))
        raise typer.Exit(1) from None
    except EffipiaError as exc:
        echo_err(f"Erreur : {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:
        echo_err(f"Erreur : {os_error_text(exc)}")
        raise typer.Exit(1) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # a user never gets a bare traceback; EFFIPIA_DEBUG=1 shows it
        if os.environ.get("EFFIPIA_DEBUG") == "1":
            raise
        from effipia.errors import message

        echo_err(f"Erreur : {message('generic.unexpected', kind=type(exc).__name__, detail=exc)}")
        raise typer.Exit(1) from None


def os_error_text(exc: OSError) -> str:
    """French text of a file-system error (the OS's own text is English here)."""
    from effipia.errors import message

    code, path = exc.errno, exc.filename
    if code is None:  # Rust-backed writers (Polars) put "… (os error N): PATH" in the text only
        found = re.search(r"\(os error (\d+)\)(?::\s*(.+))?", str(exc))
        if found:
            code, path = int(found.group(1)), path or found.group(2)
    try:
        reason = message(f"generic.os_reason_{errno.errorcode.get(code or 0, '')}")
    except KeyError:
        reason = message("generic.os_reason_other", detail=exc.strerror or str(exc))
    return message("generic.os_error", path=path or "?", reason=reason)

"""The Typer application, its command groups and the shared plumbing.

Commands live in sibling modules (one per pipeline stage); each parses its
options, calls one operation of :mod:`effipia.operations` with the store of
:func:`open_store`, prints its result (warnings on stderr: :func:`echo_warnings`) and lets
:func:`reporting_errors` turn library errors into French messages on stderr with a
non-zero exit code. A new command module adds one import line in ``cli/__init__.py``.
"""

from __future__ import annotations

import contextlib
import errno
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from effipia.cli.french import FrenchTyper, metavar
from effipia.errors import EffipiaError, ValidationFailed

if TYPE_CHECKING:
    from effipia.settings import Settings
    from effipia.store import Store

app = FrenchTyper(
    help="effipia : évaluation des campus des métiers et des qualifications "
    "(registre, questionnaire, collecte, statistiques, cartes et rapports).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
campuses_app = FrenchTyper(help="Registre des campus : import.", no_args_is_help=True)
partners_app = FrenchTyper(help="Annuaires de partenaires : import.", no_args_is_help=True)
responses_app = FrenchTyper(help="Réponses à l'enquête : import et export.", no_args_is_help=True)
questionnaire_app = FrenchTyper(help="Questionnaire XLSForm : vérification et conversion XForm.", no_args_is_help=True)
app.add_typer(campuses_app, name="campuses")
app.add_typer(partners_app, name="partners")
app.add_typer(responses_app, name="responses")
app.add_typer(questionnaire_app, name="questionnaire")


@dataclass
class GlobalOptions:
    """Options shared by every command (overrides of the settings)."""

    db: str | None = None


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        metavar=metavar("url"),
        help="URL SQLAlchemy de la base (par défaut : variable EFFIPIA_DATABASE_URL, "
        "sinon sqlite:///effipia.db dans le dossier courant). "
        "Exemple PostgreSQL : postgresql+psycopg://utilisateur@hote:5432/base",
    ),
) -> None:
    ctx.obj = GlobalOptions(db=db)


def settings(ctx: typer.Context) -> "Settings":
    """The settings of the running command: :func:`effipia.settings.get_settings` with the
    command line's overrides (``--db``)."""
    from effipia.settings import DEFAULT_DATABASE_URL, get_settings

    root = ctx.find_root()
    db = root.obj.db if isinstance(root.obj, GlobalOptions) else None
    current = get_settings(database_url=db)
    if db is None and not current.database_url:  # EFFIPIA_DATABASE_URL set but empty: the default
        current = current.model_copy(update={"database_url": DEFAULT_DATABASE_URL})
    # An explicit « --db "" » is kept (and refused by the store), never the default file.
    return current


def open_store(ctx: typer.Context) -> "Store":
    """Open (create and migrate if needed) the store named by ``--db`` or the settings."""
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


def echo_problems(problems, heading: str = "cli.problems") -> None:
    """Print an operation's non-fatal problems on stderr: the French ``heading`` (catalogue
    code, with ``{count}``), then each reason (they concern stored rows: no file line to
    show, the reason names the row)."""
    from effipia.errors import message
    from effipia.formatting import number

    if problems:
        echo_err(message(heading, count=number(len(problems))))
        for problem in problems:
            echo_err(f"  {problem.reason}")


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
        if _debug():
            raise
        from effipia.errors import message

        echo_err(f"Erreur : {message('generic.unexpected', kind=type(exc).__name__, detail=exc)}")
        raise typer.Exit(1) from None


def _debug() -> bool:
    """The setting ``debug`` (EFFIPIA_DEBUG=1); an unreadable setting means no."""
    from effipia.settings import get_settings

    try:
        return get_settings().debug
    except Exception:  # a bad EFFIPIA_* value must not hide the error being reported
        return False


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

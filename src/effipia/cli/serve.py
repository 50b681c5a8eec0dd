"""``effipia serve``: the web collection server (FastAPI under uvicorn)."""

from __future__ import annotations

import logging
import os
import secrets

import typer

from effipia.cli.french import metavar
from effipia.cli.app import app, echo_err, open_store, reporting_errors, settings as cli_settings

#: Values that are not secret: examples from documentation and templates.
PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "changeme", "secret", "secret-key", "dev", "test", "xxx", "todo"}
MIN_SECRET_LENGTH = 32


def secret_key_problem(value: str | None) -> str | None:
    """Why ``value`` cannot serve as ``EFFIPIA_SECRET_KEY`` (French), or ``None`` when it can."""
    if value is None or not value.strip():
        return "la variable EFFIPIA_SECRET_KEY n'est pas définie"
    if value.strip().lower() in PLACEHOLDER_SECRETS or len(set(value)) < 8:
        return "EFFIPIA_SECRET_KEY contient une valeur d'exemple, pas une clé secrète"
    if len(value) < MIN_SECRET_LENGTH:
        return f"EFFIPIA_SECRET_KEY est trop courte ({len(value)} caractères, {MIN_SECRET_LENGTH} au moins)"
    return None


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", metavar=metavar("address"), help="Adresse d'écoute (127.0.0.1 : cette machine seulement)."),
    port: int = typer.Option(8000, "--port", metavar=metavar("number"), min=1, max=65535, help="Port d'écoute."),
    workers: int = typer.Option(1, "--workers", metavar=metavar("number"), min=1, help="Nombre de processus (PostgreSQL conseillé au-delà de 1)."),
    dev: bool = typer.Option(
        False, "--dev", help="Essai local : clé secrète provisoire si EFFIPIA_SECRET_KEY manque ou n'est qu'un exemple."
    ),
) -> None:
    """Lance le serveur web de collecte (questionnaire, espaces des équipes, API JSON).

    Les migrations de la base sont appliquées avant l'ouverture du port. Hors --dev, le
    serveur refuse de démarrer sans EFFIPIA_SECRET_KEY (au moins 32 caractères aléatoires,
    par exemple : python -c "import secrets; print(secrets.token_urlsafe(48))").
    """
    import uvicorn

    from effipia.settings import get_settings

    url = cli_settings(ctx).database_url
    with reporting_errors():
        current = get_settings(database_url=url)
        key = current.secret_key.get_secret_value() if current.secret_key else None
        problem = secret_key_problem(key)
        if problem and not dev:
            echo_err(
                f"Erreur : le serveur ne démarre pas : {problem}. Définissez une clé secrète "
                "(au moins 32 caractères aléatoires) ou lancez effipia serve --dev pour un essai local."
            )
            raise typer.Exit(2)
        # Workers are separate processes: they read the same settings from the environment.
        os.environ["EFFIPIA_DATABASE_URL"] = url
        if dev:
            os.environ["EFFIPIA_DEV"] = "1"  # session cookies without Secure on http loopback only
        if problem:
            os.environ["EFFIPIA_SECRET_KEY"] = secrets.token_urlsafe(48)
            echo_err("Attention : mode développement, clé secrète provisoire (les liens créés ne resteront pas valables).")
        open_store(ctx).close()  # creates the database and applies the migrations before listening
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    typer.echo(f"effipia : serveur sur http://{host}:{port}/ ({workers} processus)")
    uvicorn.run(
        "effipia.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # uvicorn's access log would write the personal token of /r/<token>
        log_level="info",
        proxy_headers=True,  # X-Forwarded-* trusted from FORWARDED_ALLOW_IPS (default 127.0.0.1)
    )

"""Command line ``effipia`` (Typer): thin adapters over the library."""

from __future__ import annotations

from effipia.cli.app import app

# Each module registers its commands on ``app`` or its groups when imported.
from effipia.cli import registry, responses, questionnaire, synth, analysis, territories, demo, invitations  # noqa: E402,F401
from effipia.cli import serve  # noqa: E402,F401
from effipia.cli import users  # noqa: E402,F401  (users, invitations send|bounces)
from effipia.cli import report, interviews  # noqa: E402,F401  (report, interviews import)

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``effipia`` script."""
    app()

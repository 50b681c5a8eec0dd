"""Write docs/configuration.md from effipia.settings (the one declaration of every setting).

Run after adding or changing a setting: ``.venv/bin/python scripts/configuration_doc.py``;
``tests/operations/test_settings_documented.py`` fails until the page matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"

HEADER = """# Configuration (réglages)

Chaque réglage d'effipia est déclaré une seule fois, dans `src/effipia/settings.py`
(pydantic-settings), et se donne par une variable d'environnement `EFFIPIA_<NOM>` ; une
variable vide compte comme absente. Une option de la ligne de commande qui remplace un
réglage (`--db`, `--min-n`…) l'emporte sur la variable. Le tableau ci-dessous est produit
à partir de cette déclaration par `scripts/configuration_doc.py` (un test vérifie qu'il
est à jour).

| variable | défaut | rôle |
|---|---|---|
"""


def cell(text: str) -> str:
    """Markdown table cell: pipes escaped, code font for a non-empty default."""
    return text.replace("|", "\\|")


def render() -> str:
    """The whole page, from :func:`effipia.settings.documented_settings`."""
    sys.path.insert(0, str(PAGE.parents[1] / "src"))
    from effipia.settings import documented_settings

    rows = [
        f"| `{name}` | {('`' + cell(default) + '`') if default else '—'} | {cell(help_text)} |"
        for name, default, help_text in documented_settings()
    ]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    PAGE.write_text(render(), encoding="utf-8")
    print(f"{PAGE} écrit")

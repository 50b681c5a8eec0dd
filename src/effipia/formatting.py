"""French number formatting for everything a user reads (Babel, locale fr_FR).

Thousands are grouped with a narrow no-break space (U+202F) and decimals use a comma,
as the Imprimerie nationale and INSEE publications do.
"""

from __future__ import annotations

__all__ = ["number", "percent"]

LOCALE = "fr_FR"


def number(value: float | int, digits: int | None = None) -> str:
    """``1914`` → ``1 914``; with ``digits``, exactly that many decimals (``63,30``)."""
    from babel.numbers import format_decimal  # on first use: `effipia --help` formats no number

    if digits is None:
        return format_decimal(value, locale=LOCALE)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(value, digits), format=pattern, locale=LOCALE)


def percent(value: float, digits: int = 0) -> str:
    """A percentage already on the 0–100 scale: ``70.4`` → ``70 %`` (narrow no-break space)."""
    return f"{number(value, digits)}\u202f%"

"""Text normalisation for matching what people type against reference tables."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["cell_text", "normalize"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(value: str) -> str:
    """Accent-, case-, punctuation- and plural-insensitive form of ``value``.

    ``"Organismes de Formation"`` and ``"organisme de formation"`` give the same
    key; a trailing ``s`` or ``x`` is dropped from words of four letters or more so
    that singular and plural match.
    """
    decomposed = unicodedata.normalize("NFKD", value.replace("œ", "oe").replace("Œ", "OE"))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = _NON_ALNUM.sub(" ", ascii_text).split()
    return " ".join(w[:-1] if len(w) >= 4 and w[-1] in "sx" else w for w in words)


def cell_text(value: object) -> str | None:
    """A cell as stripped text (``None`` when empty); integral floats lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # beyond 2**53 a float is not an exact integer: kept as written (1e+30)
    text = str(value).replace("\u00a0", " ").strip()
    return text or None

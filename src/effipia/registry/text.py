"""Text normalisation for matching what people type against reference tables."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

__all__ = ["cell_text", "normalize"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


#: Every combining mark (accents once decomposed) deleted by one ``str.translate``: the
#: same characters ``unicodedata.combining`` names, without a Python call per character.
@lru_cache(maxsize=1)
def _combining() -> dict[int, None]:
    return dict.fromkeys(c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c)))


@lru_cache(maxsize=1 << 16)
def normalize(value: str) -> str:
    """Accent-, case-, punctuation- and plural-insensitive form of ``value``.

    ``"Organismes de Formation"`` and ``"organisme de formation"`` give the same
    key; a trailing ``s`` or ``x`` is dropped from words of four letters or more so
    that singular and plural match. (Cached: directories repeat their categories and
    yes/no marks on every row.)
    """
    text = value.replace("œ", "oe").replace("Œ", "OE")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_combining())
    words = _NON_ALNUM.sub(" ", text.lower()).split()
    return " ".join(w[:-1] if len(w) >= 4 and w[-1] in "sx" else w for w in words)


def cell_text(value: object) -> str | None:
    """A cell as stripped text (``None`` when empty); integral floats lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # beyond 2**53 a float is not an exact integer: kept as written (1e+30)
    text = str(value).replace("\u00a0", " ").strip()
    return text or None

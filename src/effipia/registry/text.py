"""Text normalisation for matching what people type against reference tables."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

from effipia.tabular import WHITESPACE

__all__ = ["WHITESPACE", "cell_text", "cell_texts", "normalize", "normalized"]

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


# ----------------------------------------------------------------- column-wise forms
# The same rules as ``cell_text`` and ``normalize``, over a whole column at once (Polars
# expressions), for importers of 10^5 rows: one Python call per distinct value at most.



def cell_texts(values: "list[object] | pl.Series", text_only: bool = False) -> "pl.Series":
    """``cell_text`` of every value, as a String series (nulls for empty cells). Text cells
    (every CSV cell: ``text_only``) are cleaned column-wise; other cells (workbook numbers,
    dates) one by one."""
    import polars as pl

    if isinstance(values, pl.Series):
        series = values.cast(pl.String)
    elif not text_only and not all(v is None or isinstance(v, str) for v in values):
        return pl.Series([cell_text(v) for v in values], dtype=pl.String)
    else:
        series = pl.Series(values, dtype=pl.String)
    series = series.str.replace_all("\u00a0", " ", literal=True).str.strip_chars(WHITESPACE)
    return series.set(series.str.len_bytes() == 0, None) if len(series) else series


def _ranges(codes: list[int]) -> str:
    """A regex character class of ``codes`` (sorted), as ranges."""
    parts, start, end = [], None, None
    for code in codes:
        if start is not None and code == end + 1:
            end = code
            continue
        if start is not None:
            parts.append(f"\\x{{{start:x}}}" + (f"-\\x{{{end:x}}}" if end > start else ""))
        start = end = code
    if start is not None:
        parts.append(f"\\x{{{start:x}}}" + (f"-\\x{{{end:x}}}" if end > start else ""))
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _combining_class() -> str:
    """The combining marks ``normalize`` deletes, as one regex class (same characters)."""
    return _ranges(sorted(_combining()))


def normalized(texts: "pl.Series") -> "pl.Series":
    """``normalize`` of every text of ``texts`` (nulls stay null), column-wise: the same
    steps as :func:`normalize` as Polars expressions (œ spelled out, compatibility
    decomposition, combining marks deleted, lower case, words of letters and digits,
    plural ``s``/``x`` dropped from words of four letters or more)."""
    import polars as pl

    expression = (
        pl.col("text")
        .str.replace_all("œ", "oe", literal=True)
        .str.replace_all("Œ", "OE", literal=True)
        .str.normalize("NFKD")
        .str.replace_all(_combining_class(), "")
        .str.to_lowercase()
        .str.replace_all(r"[^0-9a-z]+", " ")
        .str.strip_chars(" ")
        .str.replace_all(r"([0-9a-z]{3,})[sx]\b", "${1}")
    )
    return pl.DataFrame({"text": texts}).select(expression.alias(texts.name)).to_series()

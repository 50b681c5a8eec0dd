"""Look-ups in statistics-set rows shared by the analysis tests (imported by name: the
test folder is on ``sys.path`` under pytest's default import mode)."""

from __future__ import annotations

import polars as pl


def value(df: pl.DataFrame, **keys) -> float:
    """``estimate`` of the one row matching every ``column=value`` of ``keys``."""
    out = df
    for k, v in keys.items():
        out = out.filter(pl.col(k) == v)
    assert out.height == 1, keys
    return out["estimate"][0]

"""Per-respondent register scores, for models and the microdata export.

Never part of the statistics set (which holds aggregates only): ``effipia responses export
--with-scores`` appends these columns to the exported responses.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from effipia.analysis.registers import RegisterRule, item_values, load_rules
from effipia.errors import message

__all__ = ["respondent_scores", "score_column", "export_scores"]


def score_column(register: str) -> str:
    """Name of the per-respondent score column of ``register`` (``score_<register>``)."""
    return f"score_{register}"


def respondent_scores(frame: pl.DataFrame, rules: Mapping[str, RegisterRule] | None = None) -> pl.DataFrame:
    """``respondent_id`` and one ``score_<register>`` column (0–100) per register.

    A respondent's score is the mean value (0–100) the rule gives their answers to the
    register's items, over the answers in the rule's base (empty cells, excluded codes and,
    for a graded rule, codes without a score left out): for a share rule, the share of the
    index codes. Null when they have no answer in the base. Registers whose items are absent
    from ``frame`` get no column.
    """
    rules = load_rules() if rules is None else rules
    columns: dict[str, pl.Series] = {}
    for name, rule in rules.items():
        y, valid = item_values(frame, rule)
        if y.shape[1] == 0:
            continue
        k = valid.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(k > 0, 100.0 * (y * valid).sum(axis=1) / k, np.nan)
        columns[score_column(name)] = pl.Series(score_column(name), score, dtype=pl.Float64).fill_nan(None)
    ids = frame.select("respondent_id") if "respondent_id" in frame.columns else pl.DataFrame()
    return ids.with_columns(list(columns.values())) if columns else ids


def export_scores(frame: pl.DataFrame, rules: Mapping[str, RegisterRule] | None = None) -> tuple[pl.DataFrame, dict[str, str]]:
    """Score columns for the microdata export and their French labels.

    Returns ``(extra, labels)`` as ``effipia.exchange.export_responses(extra=, extra_labels=)``
    expects them: ``respondent_id`` + ``score_<register>``, and column → label.
    """
    rules = load_rules() if rules is None else rules
    extra = respondent_scores(frame, rules)
    labels = {
        score_column(n): message("analysis.score_label", title=r.title) for n, r in rules.items() if score_column(n) in extra.columns
    }
    return extra, labels

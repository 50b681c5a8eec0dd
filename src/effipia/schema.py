"""Canonical in-memory layouts exchanged between pipeline stages.

Every stage passes Polars DataFrames in these layouts (the codebook's registry
layout and wide response layout). Item columns of responses come from the
questionnaire workbook (:mod:`effipia.questionnaire`), not from here.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "CAMPUS_COLUMNS",
    "PARTNER_COLUMNS",
    "INVITATION_COLUMNS",
    "RESPONSE_ID_COLUMNS",
    "conform",
]

#: Campuses (codebook « Registry layout »), with their Polars dtypes.
CAMPUS_COLUMNS: dict[str, pl.DataType] = {
    "campus_id": pl.String,
    "name": pl.String,
    "letter": pl.String,
    "filiere": pl.String,
    "region": pl.String,
    "academie": pl.String,
    "year_created": pl.Int64,
    "excellence": pl.Int64,
    "pia_wave": pl.Int64,
    "duration_years": pl.Int64,
    "pia_amount_eur": pl.Int64,
    "support_type": pl.String,
}

#: Partners of a campaign (codebook « Registry layout »).
PARTNER_COLUMNS: dict[str, pl.DataType] = {
    "partner_id": pl.String,
    "campus_id": pl.String,
    "name": pl.String,
    "category": pl.String,
    "partner_type": pl.String,
    "consortium": pl.Int64,
    "pia_concerned": pl.Int64,
    "email": pl.String,
    "siret": pl.String,
    "naf": pl.String,
    "size_class": pl.String,
    "uai": pl.String,
    "commune_insee": pl.String,
}

#: Invitations sent to partners (one per partner and campaign).
INVITATION_COLUMNS: dict[str, pl.DataType] = {
    "partner_id": pl.String,
    "campus_id": pl.String,
    "category": pl.String,
    "token": pl.String,
    "status": pl.String,  # pending | sent | opened | submitted | bounced
}

#: Respondent identification columns of the wide response layout.
RESPONSE_ID_COLUMNS: dict[str, pl.DataType] = {
    "respondent_id": pl.String,
    "campus_id": pl.String,
    "category": pl.String,
    "partner_type": pl.String,
    "consortium": pl.Int64,
    "pia_concerned": pl.Int64,
}


def conform(df: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Return ``df`` with exactly ``columns`` in order (missing ones null), cast to their dtypes."""
    return df.select(
        [
            (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in columns.items()
        ]
    )

"""Invitations: one personal, unguessable token per partner of a campaign.

A token identifies a respondent without any other personal data in the link, as in
LimeSurvey's participant tokens or REDCap's survey queue codes. Creating invitations is
idempotent: a partner who already has one keeps it (a link sent stays valid).
"""

from __future__ import annotations

import secrets

import polars as pl

from effipia.schema import INVITATION_COLUMNS

__all__ = ["TOKEN_BYTES", "invitation_links", "new_invitations"]

#: 16 random bytes → 22 URL-safe characters (128 bits): not guessable, short enough for a link.
TOKEN_BYTES = 16


def new_invitations(partners: pl.DataFrame, existing: pl.DataFrame) -> pl.DataFrame:
    """Invitations (canonical layout, status ``pending``) for the partners that have none yet."""
    have = set(existing.get_column("partner_id").to_list()) if existing.height else set()
    missing = partners.filter(~pl.col("partner_id").is_in(list(have)))
    taken = set(existing.get_column("token").to_list()) if existing.height else set()
    tokens: list[str] = []
    while len(tokens) < missing.height:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if token not in taken:
            taken.add(token)
            tokens.append(token)
    frame = missing.select("partner_id", "campus_id", "category").with_columns(
        pl.Series("token", tokens, dtype=pl.String), pl.lit("pending").alias("status")
    )
    return frame.select(list(INVITATION_COLUMNS))


def invitation_links(partners: pl.DataFrame, invitations: pl.DataFrame, base_url: str) -> pl.DataFrame:
    """One row per invitation for a mail merge: who, where to write, and the personal link.

    ``base_url`` either contains ``{token}`` (e.g. ``https://enquete.example/r/{token}``) or
    the token is appended after a slash.
    """
    if "{token}" in base_url:
        prefix, _, suffix = base_url.partition("{token}")
    else:
        prefix, suffix = base_url.rstrip("/") + "/", ""
    return (
        invitations.join(partners.select("partner_id", "name", "email"), on="partner_id", how="left")
        .with_columns((pl.lit(prefix) + pl.col("token") + pl.lit(suffix)).alias("link"))
        .select("partner_id", "campus_id", "category", "name", "email", "token", "link", "status")
        .sort("campus_id", "partner_id")
    )

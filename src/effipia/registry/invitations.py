"""Invitations: one personal, unguessable token per partner of a campaign.

A token identifies a respondent without any other personal data in the link, as in
LimeSurvey's participant tokens or REDCap's survey queue codes — but, unlike them, the
token is never stored: the store keeps its SHA-256 (:func:`token_digest`) and a random
salt. The token itself is a keyed derivation of that salt (HMAC-SHA-256 with the
server's secret key, :func:`derive_token`), so whoever holds ``EFFIPIA_SECRET_KEY`` can
export the links again, while a copy of the database alone opens no questionnaire.

Tokens are 160 bits written in lower-case base 32 (``a-z2-7``, 32 characters): safe in a
URL, in an e-mail, and in a spreadsheet cell (never starting with ``-``, ``=``, ``+`` or
``@``, which Excel would read as a formula). Creating invitations is idempotent: a
partner who already has one keeps it (a link sent stays valid); re-issuing gives a new
salt, so the old link stops working at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import polars as pl

from effipia.errors import EffipiaError
from effipia.schema import INVITATION_COLUMNS

__all__ = [
    "TOKEN_ALPHABET",
    "TOKEN_BYTES",
    "TOKEN_LENGTH",
    "derive_token",
    "digests_equal",
    "invitation_links",
    "looks_like_token",
    "new_invitations",
    "new_salt",
    "reissue",
    "secret_key_text",
    "token_digest",
]

#: 20 bytes of HMAC output = 160 bits (≥ 128 asked), 32 base-32 characters.
TOKEN_BYTES = 20
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
TOKEN_LENGTH = 32
_TOKEN = re.compile(f"^[{TOKEN_ALPHABET}]{{{TOKEN_LENGTH}}}$")
#: Domain separation: the same secret key also signs sessions.
_CONTEXT = b"effipia/invitation-token/v1\x00"


def secret_key_text(secret_key: object) -> str:
    """The secret key as text (``SecretStr`` or ``str``); French error when there is none."""
    value = secret_key.get_secret_value() if hasattr(secret_key, "get_secret_value") else secret_key
    if not value:
        raise EffipiaError("invitations.no_secret_key")
    return str(value)


def new_salt() -> str:
    """A fresh random salt (128 bits, 32 hexadecimal digits)."""
    return secrets.token_hex(16)


def derive_token(secret_key: object, salt: str) -> str:
    """The personal token of salt ``salt`` under ``secret_key`` (32 characters ``a-z2-7``)."""
    key = secret_key_text(secret_key).encode("utf-8")
    raw = hmac.new(key, _CONTEXT + salt.encode("ascii"), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.b32encode(raw).decode("ascii").lower()


def token_digest(token: str) -> str:
    """What the store keeps of a token: its SHA-256, 64 hexadecimal digits."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def looks_like_token(text: str) -> bool:
    """True when ``text`` has the shape of a token (checked before any store look-up).

    Tokens of invitations created before the keyed derivation (other shapes) are accepted
    by the store look-up too; this is only a cheap filter for the web routes.
    """
    return _TOKEN.fullmatch(text) is not None


def new_invitations(partners: pl.DataFrame, existing: pl.DataFrame, *, secret_key: object) -> pl.DataFrame:
    """Invitations (canonical layout + ``token_salt``, status ``pending``) for the partners that
    have none yet; ``token`` is the clear token, to be hashed by the store and never kept."""
    have = set(existing.get_column("partner_id").to_list()) if existing.height else set()
    missing = partners.filter(~pl.col("partner_id").is_in(list(have)))
    salts = [new_salt() for _ in range(missing.height)]
    tokens = [derive_token(secret_key, salt) for salt in salts]
    frame = missing.select("partner_id", "campus_id", "category").with_columns(
        pl.Series("token", tokens, dtype=pl.String),
        pl.lit("pending").alias("status"),
        pl.Series("token_salt", salts, dtype=pl.String),
    )
    return frame.select(*INVITATION_COLUMNS, "token_salt")


def reissue(invitations: pl.DataFrame, *, secret_key: object) -> pl.DataFrame:
    """The same invitations with a new salt and token each (status ``pending``): the old
    links stop working as soon as the store has them."""
    salts = [new_salt() for _ in range(invitations.height)]
    return invitations.select("partner_id", "campus_id", "category").with_columns(
        pl.Series("token", [derive_token(secret_key, s) for s in salts], dtype=pl.String),
        pl.lit("pending").alias("status"),
        pl.Series("token_salt", salts, dtype=pl.String),
    ).select(*INVITATION_COLUMNS, "token_salt")


def invitation_links(
    partners: pl.DataFrame, invitations: pl.DataFrame, base_url: str, *, secret_key: object
) -> pl.DataFrame:
    """One row per invitation for a mail merge: who, where to write, and the personal link.

    ``base_url`` either contains ``{token}`` (e.g. ``https://enquete.example/r/{token}``) or
    the token is appended after a slash. Tokens are regenerated from each invitation's
    ``token_salt``; an invitation without one (made before the keyed derivation) has an
    empty token and link.
    """
    from effipia.urls import check_base_url

    base_url = check_base_url(base_url)  # http(s), a host, nothing that breaks out of a cell or an attribute
    if "{token}" in base_url:
        prefix, _, suffix = base_url.partition("{token}")
    else:
        prefix, suffix = base_url.rstrip("/") + "/", ""
    salts = invitations.get_column("token_salt").to_list() if "token_salt" in invitations.columns else []
    if "token" in invitations.columns and not salts:
        tokens = invitations.get_column("token").to_list()
    else:
        key = secret_key_text(secret_key) if any(salts) else None
        tokens = [derive_token(key, s) if s else None for s in salts] if salts else [None] * invitations.height
    return (
        invitations.with_columns(pl.Series("token", tokens, dtype=pl.String))
        .join(partners.select("partner_id", "name", "email"), on="partner_id", how="left")
        .with_columns((pl.lit(prefix) + pl.col("token") + pl.lit(suffix)).alias("link"))
        .select("partner_id", "campus_id", "category", "name", "email", "token", "link", "status")
        .sort("campus_id", "partner_id")
    )

"""Staff accounts: evaluators, campus directors and funders; passwords, API tokens, limits.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile); API tokens are 256-bit random strings of which only the SHA-256 is stored (a
stolen database opens nothing, and a high-entropy token needs no slow hash, as GitHub's).
Failed logins and failed token look-ups are counted in the store (fixed windows shared by
every worker), never in process memory.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from effipia.errors import EffipiaError, message
from effipia.operations.results import OperationResult
from effipia.settings import Settings, get_settings
from effipia.store import Store

__all__ = [
    "ROLES",
    "User",
    "add_user",
    "set_password",
    "disable_user",
    "list_users",
    "create_api_token",
    "authenticate",
    "user_for_api_token",
    "record_action",
    "hash_password",
    "verify_password",
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
]

#: evaluator: everything; director: their own campus only; funder: national aggregates only.
ROLES = ("evaluator", "director", "funder")

#: ANSSI's recommendation for a password alone protecting an account: at least 12 characters.
MIN_PASSWORD_LENGTH = 12

#: API tokens start with this prefix (secret scanners and people recognise them).
TOKEN_PREFIX = "effipia_"

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_HASHER = PasswordHasher()
#: Verified when the account is unknown, so that a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("effipia: no such account")


@dataclass(frozen=True)
class User:
    """A staff account as the adapters see it (never the password hash)."""

    id: int
    email: str
    role: str
    campus_id: str | None = None
    active: bool = True

    @property
    def is_evaluator(self) -> bool:
        return self.role == "evaluator"

    @property
    def is_director(self) -> bool:
        return self.role == "director"

    @property
    def is_funder(self) -> bool:
        return self.role == "funder"

    def may_see_campus(self, campus_id: str | None) -> bool:
        """Evaluators see every campus, a director their own, a funder none by itself."""
        return self.is_evaluator or (self.is_director and campus_id is not None and campus_id == self.campus_id)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "User":
        return cls(row["id"], row["email"], row["role"], row.get("campus_id"), bool(row.get("active", True)))


def _result(value: Any, warnings: list | None = None) -> OperationResult:
    return OperationResult(value=value, warnings=list(warnings or []))


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant work when there is no hash)."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """E-mail addresses compare without case and surrounding spaces."""
    return email.strip().lower()


def _password_problems(password: str | None) -> list[str]:
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        return [message("users.password_short", min=MIN_PASSWORD_LENGTH)]
    return []


def _refuse(problems: list[str]) -> None:
    if problems:
        raise EffipiaError("users.invalid", reasons=" ; ".join(problems))


def add_user(
    store: Store, email: str, role: str, campus: str | None = None, password: str | None = None, *, actor: str | None = None
) -> OperationResult:
    """Create an account; every problem at once (address, role, campus, password), nothing
    written on any. A director must name a campus of the registry; other roles none. An
    account without password can only use API tokens."""
    email = normalise_email(email)
    problems: list[str] = []
    if not _EMAIL.match(email):
        problems.append(message("users.bad_email", email=email))
    if role not in ROLES:
        problems.append(message("users.bad_role", role=role, allowed=", ".join(ROLES)))
    if role == "director":
        if not campus:
            problems.append(message("users.director_needs_campus"))
        elif campus not in set(store.campuses().get_column("campus_id").to_list()):
            problems.append(message("users.unknown_campus", campus=campus))
    elif campus:
        problems.append(message("users.campus_only_for_directors", role=role))
    problems += _password_problems(password)
    _refuse(problems)
    user_id = store.add_user(email, role, campus if role == "director" else None, hash_password(password) if password else None)
    store.write_audit("user.add", actor=actor, campus_id=campus, detail={"email": email, "role": role})
    warnings = []
    if password is None:
        from effipia.results import Warning

        warnings.append(Warning.of("users.no_password", email=email))
    return _result(User(user_id, email, role, campus if role == "director" else None), warnings)


def set_password(store: Store, email: str, password: str, *, actor: str | None = None) -> OperationResult:
    """Replace the password of an account."""
    email = normalise_email(email)
    _refuse(_password_problems(password))
    if not store.update_user(email, password_hash=hash_password(password)):
        raise EffipiaError("users.unknown", email=email)
    store.write_audit("user.password", actor=actor or email, detail={"email": email})
    return _result(email)


def disable_user(store: Store, email: str, *, actor: str | None = None) -> OperationResult:
    """Close an account at once: no login, its API tokens revoked (value: tokens revoked).
    Sessions already open end at their next request (the account is re-read every time)."""
    row = store.user(normalise_email(email))
    if row is None:
        raise EffipiaError("users.unknown", email=normalise_email(email))
    store.update_user(row["email"], active=False)
    revoked = store.revoke_api_tokens(row["id"])
    store.write_audit("user.disable", actor=actor, detail={"email": row["email"], "tokens_revoked": revoked})
    return _result(revoked)


def list_users(store: Store) -> OperationResult:
    """Every account: e-mail, role, campus, whether it has a password, active API tokens."""
    return _result(store.users())


def create_api_token(store: Store, email: str, *, actor: str | None = None) -> OperationResult:
    """A new API token for ``email`` (value: the token, shown once; only its hash is kept)."""
    row = store.user(normalise_email(email))
    if row is None:
        raise EffipiaError("users.unknown", email=normalise_email(email))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.add_api_token(row["id"], token_digest(token))
    store.write_audit("token.create", actor=actor, role=None, detail={"email": row["email"]})
    return _result(token)


def token_digest(token: str) -> str:
    """SHA-256 (hex) of an API token: what the store keeps and looks up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- rate limits (in the store)
def _limit_key(kind: str, value: str) -> str:
    # Hashed, so that the counters table holds no e-mail or client address in clear.
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def _window(length: int, now: float | None = None) -> int:
    return int((time.time() if now is None else now) // length)


def _limited(store: Store, key: str, limit: int, length: int) -> bool:
    return store.rate_limit_count(key, _window(length)) >= limit


def authenticate(store: Store, email: str, password: str, client: str, settings: Settings | None = None) -> OperationResult:
    """Check a login. Value: the :class:`User`, or ``None`` for a wrong e-mail or password
    (the same answer for both). Raises ``EffipiaError("users.rate_limited")`` once the
    account or the client address has too many recent failures (counted in the store)."""
    settings = settings or get_settings()
    email = normalise_email(email)
    length = settings.login_window_seconds
    account_key, client_key = _limit_key("login-account", email), _limit_key("login-client", client)
    if _limited(store, account_key, settings.login_max_failures, length) or _limited(
        store, client_key, settings.login_max_failures * 10, length
    ):
        store.write_audit("login.limited", actor=email)
        raise EffipiaError("users.rate_limited", minutes=max(1, length // 60))
    row = store.user(email)
    ok = verify_password(row["password_hash"] if row else None, password) and bool(row and row["active"])
    if not ok:
        store.hit_rate_limit(account_key, _window(length))
        store.hit_rate_limit(client_key, _window(length))
        store.write_audit("login.failed", actor=email)
        return _result(None)
    store.clear_rate_limit(account_key)
    if _HASHER.check_needs_rehash(row["password_hash"]):
        store.update_user(email, password_hash=hash_password(password))
    user = User.from_row(row)
    store.write_audit("login", actor=user.email, role=user.role, campus_id=user.campus_id)
    return _result(user)


def user_for_api_token(store: Store, token: str, client: str, settings: Settings | None = None) -> OperationResult:
    """The account of a Bearer token (value ``None`` if unknown or revoked); failed look-ups
    of a client are counted in the store and refused beyond the limit
    (``EffipiaError("users.rate_limited")``)."""
    settings = settings or get_settings()
    length = settings.login_window_seconds
    key = _limit_key("token-client", client)
    if _limited(store, key, settings.api_max_failures, length):
        raise EffipiaError("users.rate_limited", minutes=max(1, length // 60))
    row = store.user_for_token(token_digest(token)) if token.startswith(TOKEN_PREFIX) else None
    if row is None:
        store.hit_rate_limit(key, _window(length))
        return _result(None)
    return _result(User.from_row(row))


def record_action(store: Store, user: User | None, action: str, **fields: Any) -> None:
    """Append a staff action to the audit log (``campaign``, ``campus_id``, other details)."""
    campaign = fields.pop("campaign", None)
    campus_id = fields.pop("campus_id", None)
    store.write_audit(
        action,
        actor=user.email if user else None,
        role=user.role if user else None,
        campaign=campaign,
        campus_id=campus_id,
        detail={k: v for k, v in fields.items() if v is not None},
    )

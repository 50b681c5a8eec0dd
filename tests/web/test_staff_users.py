"""Staff accounts: ``effipia users add|token|list``, argon2 hashes, API tokens hashed at rest,
login limits counted in the store (so that they hold across workers and processes)."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from effipia.cli import app
from effipia.errors import EffipiaError
from effipia.operations import users as ops
from effipia.store import Store

from .conftest import write_campaign

PASSWORD = "correct horse battery staple"


def run(url: str, *args: str, input: str | None = None):
    return CliRunner().invoke(app, ["--db", url, *args], input=input)


def test_users_add_token_and_list_through_the_cli(db_url: str) -> None:
    write_campaign(db_url)
    added = run(db_url, "users", "add", "Directrice@Aero.example", "--role", "director", "--campus", "CMQ-AERO",
                "--password-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "Compte créé : directrice@aero.example (director, campus CMQ-AERO)." in added.output
    token_run = run(db_url, "users", "token", "directrice@aero.example")
    assert token_run.exit_code == 0, token_run.output
    token = token_run.output.strip().splitlines()[-1]
    assert token.startswith("effipia_") and len(token) > 40
    listing = run(db_url, "users", "list")
    assert "directrice@aero.example ; director ; CMQ-AERO ; oui ; 1 ; oui" in listing.output
    with Store(db_url) as store, store.engine.connect() as conn:
        stored_hash = conn.execute(sa.text("SELECT password_hash FROM staff_users")).scalar_one()
        token_hashes = conn.execute(sa.text("SELECT token_hash FROM api_tokens")).scalars().all()
        # Only an argon2id hash and the token's SHA-256 are at rest; never the secrets themselves.
        assert stored_hash.startswith("$argon2id$") and PASSWORD not in stored_hash
        assert token_hashes == [hashlib.sha256(token.encode()).hexdigest()]
        assert ops.user_for_api_token(store, token, "127.0.0.1").value.email == "directrice@aero.example"
        audit = store.audit_log()
        assert {"user.add", "token.create"} <= set(audit["action"])


def test_every_problem_of_an_account_is_named_at_once(sqlite_url: str) -> None:
    write_campaign(sqlite_url)
    result = run(sqlite_url, "users", "add", "pas une adresse", "--role", "boss", "--campus", "CMQ-XXX",
                 "--password-stdin", input="court\n")
    assert result.exit_code == 1
    for text in ("adresse électronique invalide", "rôle inconnu : « boss »", "seul un directeur est rattaché à un campus",
                 "mot de passe trop court : au moins 12 caractères"):
        assert text in result.output
    result = run(sqlite_url, "users", "add", "d@x.example", "--role", "director", "--campus", "CMQ-XXX")
    assert "campus inconnu du registre : CMQ-XXX" in result.output
    with Store(sqlite_url) as store:
        assert store.users() == []
    assert run(sqlite_url, "users", "add", "e@x.example", "--role", "evaluator").exit_code == 0
    again = run(sqlite_url, "users", "add", "E@x.example", "--role", "funder")
    assert again.exit_code == 1 and "un compte existe déjà pour e@x.example" in again.output


def test_login_failures_are_limited_in_the_store_across_store_instances(db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("EFFIPIA_LOGIN_MAX_FAILURES", "3")
    write_campaign(db_url)
    with Store(db_url) as store:
        ops.add_user(store, "eval@x.example", "evaluator", password=PASSWORD)
        assert ops.authenticate(store, "eval@x.example", PASSWORD, "10.0.0.1").value.role == "evaluator"
        for _ in range(2):
            assert ops.authenticate(store, "eval@x.example", "wrong password!", "10.0.0.1").value is None
    # A second store (as another worker would open) sees the same counters.
    with Store(db_url) as other:
        assert ops.authenticate(other, "eval@x.example", "wrong password!", "10.0.0.2").value is None
        with pytest.raises(EffipiaError, match="trop de tentatives de connexion"):
            ops.authenticate(other, "eval@x.example", PASSWORD, "10.0.0.3")  # even the right password now
        with other.engine.connect() as conn:
            keys = conn.execute(sa.text("SELECT key FROM rate_limits")).scalars().all()
        assert keys and not any("eval@" in k or "10.0.0" in k for k in keys)  # counters hold no address in clear


def test_unknown_api_tokens_are_limited_per_client(sqlite_url: str, monkeypatch) -> None:
    monkeypatch.setenv("EFFIPIA_API_MAX_FAILURES", "2")
    write_campaign(sqlite_url)
    with Store(sqlite_url) as store:
        ops.add_user(store, "eval@x.example", "evaluator", password=PASSWORD)
        good = ops.create_api_token(store, "eval@x.example").value
        assert ops.user_for_api_token(store, "effipia_nope", "10.0.0.9").value is None
        assert ops.user_for_api_token(store, "garbage", "10.0.0.9").value is None
        with pytest.raises(EffipiaError):
            ops.user_for_api_token(store, good, "10.0.0.9")
        assert ops.user_for_api_token(store, good, "10.0.0.10").value.email == "eval@x.example"


def test_a_disabled_account_can_neither_log_in_nor_use_its_tokens(sqlite_url: str) -> None:
    write_campaign(sqlite_url)
    assert run(sqlite_url, "users", "add", "e@x.example", "--role", "evaluator", "--password-stdin",
               input=PASSWORD + "\n").exit_code == 0
    token = run(sqlite_url, "users", "token", "e@x.example").output.strip().splitlines()[-1]
    changed = run(sqlite_url, "users", "password", "e@x.example", input="another long password\n")
    assert changed.exit_code == 0 and "Mot de passe de e@x.example remplacé." in changed.output
    with Store(sqlite_url) as store:
        assert ops.authenticate(store, "e@x.example", PASSWORD, "10.0.0.1").value is None
        assert ops.authenticate(store, "e@x.example", "another long password", "10.0.0.1").value is not None
    closed = run(sqlite_url, "users", "disable", "e@x.example")
    assert closed.exit_code == 0 and "1 jeton(s) d'API révoqué(s)" in closed.output
    with Store(sqlite_url) as store:
        assert ops.authenticate(store, "e@x.example", "another long password", "10.0.0.2").value is None
        assert ops.user_for_api_token(store, token, "10.0.0.2").value is None
        assert "user.disable" in store.audit_log()["action"].to_list()
    assert "e@x.example ; evaluator ; - ; oui ; 0 ; non" in run(sqlite_url, "users", "list").output

"""Personal invitations: unguessable tokens derived from the secret key, only their hash at rest,
idempotent creation, links for a mail merge, revoke and re-issue."""

from __future__ import annotations

import hashlib
import string
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from effipia.cli import app
from effipia.registry.invitations import (
    TOKEN_ALPHABET,
    TOKEN_BYTES,
    derive_token,
    invitation_links,
    new_invitations,
    reissue,
    token_digest,
)
from effipia.schema import INVITATION_COLUMNS
from effipia.store import INVITATION_STORE_COLUMNS, Store

KEY = "registry-tests-Jq8wZ2vN5cR7tY1uX4bM6kP9sD3fG0hL"
PARTNERS = pl.DataFrame(
    {
        "partner_id": ["P1", "P2", "P3"],
        "campus_id": ["C01", "C01", "C02"],
        "name": ["Lycée Vauban", "Airbus", "Université de Toulouse"],
        "category": ["lycee", "entreprise", "superieur"],
        "email": ["ce.0290013r@ac-rennes.fr", None, "cmq@univ-tlse.fr"],
    }
)
CAMPUSES = pl.DataFrame({"campus_id": ["C01", "C02"], "name": ["Campus A", "Campus B"]})


def test_one_token_per_partner_and_existing_ones_kept():
    first = new_invitations(PARTNERS, pl.DataFrame(schema=INVITATION_STORE_COLUMNS), secret_key=KEY)
    assert first.columns == [*INVITATION_COLUMNS, "token_salt"]
    assert first["partner_id"].to_list() == ["P1", "P2", "P3"]
    assert first["status"].unique().to_list() == ["pending"]
    assert first["token"].n_unique() == 3
    # 20 bytes of HMAC-SHA-256 = 160 bits, in base 32 (5 bits a character): 32 characters.
    assert TOKEN_BYTES * 8 == 160 and set(first["token"].str.len_chars().to_list()) == {32}
    # A partner added later gets a token; the three others keep theirs.
    more = pl.concat([PARTNERS, pl.DataFrame({"partner_id": ["P4"], "campus_id": ["C02"], "name": ["CFA BTP"],
                                              "category": ["of_cfa"], "email": ["cfa@btp.fr"]})])
    second = new_invitations(more, first, secret_key=KEY)
    assert second["partner_id"].to_list() == ["P4"]
    assert second["token"][0] not in first["token"].to_list()


def test_tokens_are_keyed_derivations_safe_in_a_spreadsheet_cell():
    fresh = new_invitations(PARTNERS, pl.DataFrame(schema=INVITATION_STORE_COLUMNS), secret_key=KEY)
    for token, salt in fresh.select("token", "token_salt").rows():
        assert derive_token(KEY, salt) == token  # whoever holds the key regenerates the link
        assert derive_token(KEY + "x", salt) != token  # and nobody else
        assert set(token) <= set(TOKEN_ALPHABET) and token[0] not in "-=+@"
    assert set(TOKEN_ALPHABET) == set(string.ascii_lowercase + "234567")
    # Many tokens: none starts a cell with a formula character, all distinct.
    many = [derive_token(KEY, f"{i:032x}") for i in range(2000)]
    assert len(set(many)) == 2000 and not any(t[0] in "-=+@" for t in many)


def test_links_regenerated_from_the_salt_with_and_without_a_placeholder():
    fresh = new_invitations(PARTNERS.head(2), pl.DataFrame(schema=INVITATION_STORE_COLUMNS), secret_key=KEY)
    stored = fresh.drop("token")  # what the store gives back
    tokens = fresh["token"].to_list()
    placed = invitation_links(PARTNERS, stored, "https://enquete.example/r/{token}?lang=fr", secret_key=KEY)
    assert placed["link"].to_list() == [f"https://enquete.example/r/{t}?lang=fr" for t in tokens]
    appended = invitation_links(PARTNERS, stored, "https://enquete.example/r/", secret_key=KEY)
    assert appended["link"].to_list() == [f"https://enquete.example/r/{t}" for t in tokens]
    assert appended["email"].to_list() == ["ce.0290013r@ac-rennes.fr", None]
    # An invitation stored before the keyed derivation (no salt) has no exportable link.
    legacy = stored.with_columns(pl.lit(None, pl.String).alias("token_salt"))
    assert invitation_links(PARTNERS, legacy, "https://e.example/r", secret_key=None)["link"].null_count() == 2


def test_reissue_gives_new_tokens():
    fresh = new_invitations(PARTNERS, pl.DataFrame(schema=INVITATION_STORE_COLUMNS), secret_key=KEY)
    again = reissue(fresh.drop("token"), secret_key=KEY)
    assert not set(again["token"]) & set(fresh["token"])
    assert not set(again["token_salt"]) & set(fresh["token_salt"])


@pytest.fixture
def cli_store(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EFFIPIA_SECRET_KEY", KEY)
    store = Store(sqlite_url)
    store.write_campaign("vague1", campuses=CAMPUSES, partners=PARTNERS)
    store.close()
    return sqlite_url


def _export(url: str, out: Path, base: str) -> pl.DataFrame:
    done = CliRunner().invoke(app, ["--db", url, "invitations", "export", "--out", str(out), "--base-url", base])
    assert done.exit_code == 0, done.output
    return pl.read_csv(out)


def test_cli_create_is_idempotent_and_export_writes_links(cli_store: str, tmp_path: Path):
    runner = CliRunner()
    created = runner.invoke(app, ["--db", cli_store, "invitations", "create"])
    assert created.exit_code == 0, created.output
    assert "3 invitation(s) créée(s), 0 déjà existante(s)" in created.output
    salts = Store(cli_store).invitations("vague1")["token_salt"].to_list()
    again = runner.invoke(app, ["--db", cli_store, "invitations", "create"])
    assert "0 invitation(s) créée(s), 3 déjà existante(s)" in again.output
    assert Store(cli_store).invitations("vague1")["token_salt"].to_list() == salts
    out = tmp_path / "liens.csv"
    exported = runner.invoke(
        app, ["--db", cli_store, "invitations", "export", "--out", str(out), "--base-url", "https://e.example/{token}"]
    )
    assert exported.exit_code == 0, exported.output
    assert "(1 partenaire(s) sans courriel)" in exported.output
    links = pl.read_csv(out)
    tokens = [derive_token(KEY, s) for s in salts]
    assert sorted(links["link"].to_list()) == sorted(f"https://e.example/{t}" for t in tokens)
    # Without a placeholder the personal link is BASE/r/<token>.
    plain = _export(cli_store, tmp_path / "plain.csv", "https://enquete.example/")
    assert sorted(plain["link"].to_list()) == sorted(f"https://enquete.example/r/{t}" for t in tokens)
    # Only the hashes are at rest: no token appears anywhere in the database file.
    raw = Path(cli_store.removeprefix("sqlite:///")).read_bytes()
    for wal in Path(cli_store.removeprefix("sqlite:///")).parent.glob("effipia.db-wal"):
        raw += wal.read_bytes()
    assert not any(t.encode() in raw for t in tokens)


def test_cli_refuses_to_create_without_a_secret_key(cli_store: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("EFFIPIA_SECRET_KEY")
    done = CliRunner().invoke(app, ["--db", cli_store, "invitations", "create"])
    assert done.exit_code == 1
    assert "la clé secrète EFFIPIA_SECRET_KEY n'est pas définie" in done.output
    assert Store(cli_store).invitations("vague1").height == 0


def test_cli_revoke_and_reissue(cli_store: str, tmp_path: Path):
    runner = CliRunner()
    assert runner.invoke(app, ["--db", cli_store, "invitations", "create"]).exit_code == 0
    before = _export(cli_store, tmp_path / "a.csv", "https://e.example").sort("partner_id")
    revoked = runner.invoke(app, ["--db", cli_store, "invitations", "revoke", "P1"])
    assert revoked.exit_code == 0 and "1 lien(s) personnel(s) désactivé(s)" in revoked.output
    assert Store(cli_store).invitations("vague1").filter(pl.col("partner_id") == "P1")["status"].item() == "revoked"
    reissued = runner.invoke(app, ["--db", cli_store, "invitations", "reissue", "P1", "P2"])
    assert reissued.exit_code == 0, reissued.output
    after = _export(cli_store, tmp_path / "b.csv", "https://e.example").sort("partner_id")
    changed = dict(zip(after["partner_id"], after["token"] != before["token"], strict=True))
    assert changed == {"P1": True, "P2": True, "P3": False}
    assert after.filter(pl.col("partner_id") == "P1")["status"].item() == "pending"
    unknown = runner.invoke(app, ["--db", cli_store, "invitations", "revoke", "P404"])
    assert unknown.exit_code == 1 and "P404" in unknown.output


def test_a_hash_of_a_legacy_token_matches_the_migration():
    # Migration 0003 stores hashlib.sha256(token).hexdigest() of tokens kept in clear before.
    assert token_digest("tok-aaa") == hashlib.sha256(b"tok-aaa").hexdigest()

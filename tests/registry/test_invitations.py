"""Personal invitations: one unguessable token per partner, idempotent, links for a mail merge."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from effipia.cli import app
from effipia.registry.invitations import TOKEN_BYTES, invitation_links, new_invitations
from effipia.schema import INVITATION_COLUMNS
from effipia.store import Store

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
    first = new_invitations(PARTNERS, pl.DataFrame(schema=INVITATION_COLUMNS))
    assert first.columns == list(INVITATION_COLUMNS)
    assert first["partner_id"].to_list() == ["P1", "P2", "P3"]
    assert first["status"].unique().to_list() == ["pending"]
    assert first["token"].n_unique() == 3
    # token_urlsafe(16) gives ceil(16 * 4 / 3) = 22 characters (128 random bits).
    assert set(first["token"].str.len_chars().to_list()) == {22} and TOKEN_BYTES == 16
    # A partner added later gets a token; the three others keep theirs.
    more = pl.concat([PARTNERS, pl.DataFrame({"partner_id": ["P4"], "campus_id": ["C02"], "name": ["CFA BTP"],
                                              "category": ["of_cfa"], "email": ["cfa@btp.fr"]})])
    second = new_invitations(more, first)
    assert second["partner_id"].to_list() == ["P4"]
    assert second["token"][0] not in first["token"].to_list()


def test_links_with_and_without_a_token_placeholder():
    invitations = pl.DataFrame(
        {"partner_id": ["P1", "P2"], "campus_id": ["C01", "C01"], "category": ["lycee", "entreprise"],
         "token": ["abc", "def"], "status": ["pending", "sent"]}
    )
    placed = invitation_links(PARTNERS, invitations, "https://enquete.example/r/{token}?lang=fr")
    assert placed["link"].to_list() == ["https://enquete.example/r/abc?lang=fr", "https://enquete.example/r/def?lang=fr"]
    appended = invitation_links(PARTNERS, invitations, "https://enquete.example/r/")
    assert appended["link"].to_list() == ["https://enquete.example/r/abc", "https://enquete.example/r/def"]
    assert appended["email"].to_list() == ["ce.0290013r@ac-rennes.fr", None]


def test_cli_create_is_idempotent_and_export_writes_links(sqlite_url, tmp_path):
    store = Store(sqlite_url)
    store.write_campaign("vague1", campuses=CAMPUSES, partners=PARTNERS)
    store.close()
    runner = CliRunner()
    created = runner.invoke(app, ["--db", sqlite_url, "invitations", "create"])
    assert created.exit_code == 0, created.output
    assert "3 invitation(s) créée(s), 0 déjà existante(s)" in created.output
    tokens = Store(sqlite_url).invitations("vague1")["token"].to_list()
    again = runner.invoke(app, ["--db", sqlite_url, "invitations", "create"])
    assert "0 invitation(s) créée(s), 3 déjà existante(s)" in again.output
    assert Store(sqlite_url).invitations("vague1")["token"].to_list() == tokens
    out = tmp_path / "liens.csv"
    exported = runner.invoke(
        app, ["--db", sqlite_url, "invitations", "export", "--out", str(out), "--base-url", "https://e.example/{token}"]
    )
    assert exported.exit_code == 0, exported.output
    assert "(1 partenaire(s) sans courriel)" in exported.output
    links = pl.read_csv(out)
    assert sorted(links["link"].to_list()) == sorted(f"https://e.example/{t}" for t in tokens)

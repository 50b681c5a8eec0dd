"""Invitations and reminders through a real SMTP server (aiosmtpd on a loopback port).

The server refuses one address with 550 (a permanent failure: the invitation is bounced and
never written to again) and defers another with 451 once (a temporary failure: retried at the
next run). Messages are parsed back with the standard ``email`` package and their links are
checked against the store: the token in the link hashes to the invitation's stored hash.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from fastapi.testclient import TestClient

from effipia.cli import app
from effipia.web import create_app
from effipia.store import Store

from .conftest import CAMPAIGN, SECRET_KEY, Campaign, free_port, web_settings, write_campaign

BASE = "https://enquete.example.org"
REFUSED = "lycee1@aero.example"  # 550 at RCPT
DEFERRED = "of_cfa1@aero.example"  # 451 at RCPT, the first time only


@dataclass
class Handler:
    """An SMTP server that keeps every accepted message and refuses or defers chosen recipients."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    deferred_once: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook name
        if address == REFUSED:
            return "550 5.1.1 <lycee1@aero.example>: Recipient address rejected: User unknown"
        if address == DEFERRED and address not in self.deferred_once:
            self.deferred_once.add(address)
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 Ok: queued as TEST"


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, str]]:
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def mail_env(smtp, monkeypatch) -> Handler:
    handler, url = smtp
    monkeypatch.setenv("EFFIPIA_SMTP_URL", url)
    monkeypatch.setenv("EFFIPIA_MAIL_FROM", "Équipe d'évaluation <evaluation@eval.example>")
    monkeypatch.setenv("EFFIPIA_BASE_URL", BASE)
    monkeypatch.setenv("EFFIPIA_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("EFFIPIA_SURVEY_DEADLINE", "2027-01-15")
    return handler


@pytest.fixture
def mail_campaign(db_url: str) -> Campaign:
    return write_campaign(db_url)


def run(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def parts(message: email.message.EmailMessage) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def link_token(text: str) -> str:
    found = re.findall(re.escape(BASE) + r"/r/([a-z2-7]{32})(?![a-z2-7/])", text)
    assert len(set(found)) == 1, found
    return found[0]


def test_invitations_arrive_with_working_links_and_bounces_are_never_reminded(mail_env: Handler, mail_campaign: Campaign) -> None:
    url = mail_campaign.url
    partners = mail_campaign.partners
    output = run(url, "invitations", "send")
    # 12 invitations: one refused (550), one deferred (451), ten delivered.
    assert "10 envoyé(s), 1 refusé(s)" in output and "1 différé(s)" in output
    assert f"refusé : {REFUSED}" in output and "550" in output
    assert f"différé : {DEFERRED}" in output
    assert len(mail_env.messages) == 10
    emails = dict(zip(partners["email"], partners["partner_id"], strict=True))
    with Store(url) as store:
        invitations = store.invitations(CAMPAIGN)
        statuses = dict(zip(invitations["partner_id"], invitations["status"], strict=True))
        sends = store.mail_sends(CAMPAIGN)
    for message in mail_env.messages:
        recipient = message["To"]
        partner_id = emails[recipient]
        text, html = parts(message)
        token = link_token(text)
        assert link_token(html) == token
        # The link carries this partner's own token: the same as at creation, whose hash the store keeps.
        assert token == mail_campaign.tokens[partner_id]
        assert f"{BASE}/r/{token}/refus" in text and f"{BASE}/r/{token}/refus" in html
        assert message["List-Unsubscribe"].strip() == f"<{BASE}/r/{token}/refus>"
        assert "15 janvier 2027" in text and "15 janvier 2027" in html
        assert f"{BASE}/confidentialite" in text
        campus = "Campus aéronautique" if partner_id.startswith("AERO") else "Campus du bois"
        assert campus in message["Subject"] and campus in text
        assert statuses[partner_id] == "sent"
    # The links work: the personal link opens this partner's questionnaire, the refusal link
    # records « je ne souhaite pas répondre » (and then no reminder goes to them).
    refusing_link = next(m for m in mail_env.messages if m["To"] == "superieur1@bois.example")
    token = link_token(parts(refusing_link)[0])
    app = create_app(web_settings(url))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        opened = client.get(f"/r/{token}")
        assert opened.status_code == 200 and "Campus du bois" in opened.text
        assert client.get(f"/r/{token}/refus").status_code == 200
        assert client.post(f"/r/{token}/refus").status_code == 303
        assert client.get(f"/r/{'a' * 32}").status_code == 404
    app.state.store.close()
    refused_id, deferred_id = emails[REFUSED], emails[DEFERRED]
    assert statuses[refused_id] == "bounced" and statuses[deferred_id] == "pending"
    bounce = sends.filter(pl.col("partner_id") == refused_id).row(0, named=True)
    assert (bounce["outcome"], bounce["smtp_code"], bounce["kind"]) == ("bounced", 550, "invitation")
    assert "User unknown" in bounce["smtp_reply"]
    deferral = sends.filter(pl.col("partner_id") == deferred_id).row(0, named=True)
    assert (deferral["outcome"], deferral["smtp_code"]) == ("deferred", 451)
    assert sends.filter(pl.col("outcome") == "sent")["smtp_code"].to_list() == [250] * 10

    # Second run: only the deferred invitation is tried again; the bounced one never.
    mail_env.messages.clear()
    output = run(url, "invitations", "send")
    assert [m["To"] for m in mail_env.messages] == [DEFERRED]
    assert "1 envoyé(s), 0 refusé(s)" in output
    assert "Laissés de côté : 9 — déjà invité" in output and "Laissés de côté : 1 — refus de répondre" in output
    assert "Laissés de côté : 1 — adresse en échec (bounce)" in output

    # One partner finishes; the one who refused through the link above stays refused: reminders
    # go to the other nine only, never to the bounce.
    finished = emails["entreprise1@bois.example"]
    with Store(url) as store:
        invitations = store.invitations(CAMPAIGN)
        assert invitations.filter(pl.col("partner_id") == emails["superieur1@bois.example"])["status"].item() == "refused"
        changed = invitations.filter(pl.col("partner_id") == finished).with_columns(pl.lit("submitted").alias("status"))
        store.write_invitations(CAMPAIGN, changed)
    mail_env.messages.clear()
    output = run(url, "invitations", "send", "--reminder")
    reminded = sorted(m["To"] for m in mail_env.messages)
    expected = sorted(set(partners["email"]) - {REFUSED, "entreprise1@bois.example", "superieur1@bois.example"})
    assert reminded == expected
    for message in mail_env.messages:
        assert message["Subject"].startswith("Rappel")
        assert link_token(parts(message)[0]) == mail_campaign.tokens[emails[message["To"]]]
    assert "Laissés de côté : 1 — terminé" in output and "1 — refus de répondre" in output
    with Store(url) as store:
        reminders = store.mail_sends(CAMPAIGN).filter(pl.col("kind") == "reminder")
    assert reminders.height == 9 and set(reminders["outcome"]) == {"sent"}


def test_dry_run_sends_and_records_nothing(mail_env: Handler, mail_campaign: Campaign) -> None:
    output = run(mail_campaign.url, "invitations", "send", "--dry-run")
    assert "12 courriel(s) seraient envoyés" in output
    assert "à envoyer : entreprise1@aero.example (AERO-entreprise-1)" in output
    assert mail_env.messages == []
    with Store(mail_campaign.url) as store:
        assert store.mail_sends(CAMPAIGN).height == 0
        assert set(store.invitations(CAMPAIGN)["status"]) == {"pending"}


def test_a_provider_bounce_list_marks_bounces_all_or_nothing(mail_env: Handler, mail_campaign: Campaign, tmp_path) -> None:
    url = mail_campaign.url
    bad = tmp_path / "rejets.csv"
    bad.write_text("Email,Reason\nlycee1@bois.example,mailbox full\npas-une-adresse,x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", url, "invitations", "bounces", str(bad)])
    assert result.exit_code == 1
    assert "rejets.csv:3:Email: adresse électronique invalide : « pas-une-adresse »" in result.output
    with Store(url) as store:
        assert store.mail_sends(CAMPAIGN).height == 0  # nothing written on a problem
    good = tmp_path / "rejets-ok.csv"
    good.write_text("Email,Reason\nLycee1@Bois.example,550 mailbox unavailable\ninconnu@nulle-part.example,x\n", encoding="utf-8")
    output = run(url, "invitations", "bounces", str(good))
    assert "2 adresse(s) lue(s), 1 invitation(s) marquée(s) en échec, 0 déjà en échec, 1 inconnue(s)" in output
    assert "inconnu@nulle-part.example" in output  # the warning names it
    output = run(url, "invitations", "send")
    sent_to = {m["To"] for m in mail_env.messages}
    # The listed address is left aside before sending (the other refusal comes from the server during this run).
    assert "lycee1@bois.example" not in sent_to and "Laissés de côté : 1 — adresse en échec (bounce)" in output


def test_a_bounce_list_is_read_as_strictly_as_every_import(mail_campaign: Campaign, tmp_path) -> None:
    """A repeated address column, a long row and a bad address, all reported in one
    refusal, each at its place; a Windows-1252 row in a UTF-8 file refused at its line;
    nothing recorded (issue 11: the bounce list had its own, laxer reader)."""
    url = mail_campaign.url

    def refused(path) -> str:
        result = CliRunner().invoke(app, ["--db", url, "invitations", "bounces", str(path)])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        return " ".join(result.output.split())  # the error may wrap

    bad = tmp_path / "rejets-faux.csv"
    bad.write_text("Email,Raison,email\nlycee1@bois.example,boîte pleine,\npas-une-adresse,x,\n"
                   "lycee3@bois.example,x,,en trop\n", encoding="utf-8")
    output = refused(bad)
    assert "3 problème(s)" in output
    assert "rejets-faux.csv:1:email: en-tête en double : « email » (déjà en colonne n° 1)" in output
    assert "rejets-faux.csv:3:Email: adresse électronique invalide : « pas-une-adresse »" in output
    assert "rejets-faux.csv:4:: ligne de 4 valeurs alors que l'en-tête compte 3 colonnes" in output
    mixed = tmp_path / "rejets-mixtes.csv"
    mixed.write_bytes("Email,Raison\nlycee1@bois.example,boîte pleine\n".encode("utf-8")
                      + "lycee2@bois.example,adresse refusée\n".encode("cp1252"))
    assert "rejets-mixtes.csv:3:: ligne encodée autrement que le reste du fichier (UTF-8)" in refused(mixed)
    with Store(url) as store:
        assert store.mail_sends(CAMPAIGN).height == 0


def test_a_bare_list_of_addresses_and_an_empty_file(mail_campaign: Campaign, tmp_path) -> None:
    url = mail_campaign.url
    bare = tmp_path / "rejets.txt"
    bare.write_text("lycee1@bois.example\n\ninconnu@nulle-part.example\n", encoding="utf-8")
    output = run(url, "invitations", "bounces", str(bare))
    assert "2 adresse(s) lue(s), 1 invitation(s) marquée(s) en échec" in output
    empty = tmp_path / "vide.csv"
    empty.write_text("\n\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", url, "invitations", "bounces", str(empty)])
    assert result.exit_code == 1 and "vide.csv::: liste de rejets vide" in " ".join(result.output.split())


def test_missing_smtp_settings_are_named_in_french(mail_campaign: Campaign, monkeypatch) -> None:
    for name in ("EFFIPIA_SMTP_URL", "EFFIPIA_MAIL_FROM", "EFFIPIA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EFFIPIA_SECRET_KEY", SECRET_KEY)
    result = CliRunner().invoke(app, ["--db", mail_campaign.url, "invitations", "send"])
    assert result.exit_code == 1
    assert "réglage(s) manquant(s) pour envoyer les courriels : EFFIPIA_SMTP_URL, EFFIPIA_MAIL_FROM, EFFIPIA_BASE_URL" in result.output


def test_an_unreachable_server_is_a_french_error_and_nothing_is_recorded(mail_campaign: Campaign, monkeypatch) -> None:
    monkeypatch.setenv("EFFIPIA_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setenv("EFFIPIA_MAIL_FROM", "evaluation@eval.example")
    monkeypatch.setenv("EFFIPIA_BASE_URL", BASE)
    monkeypatch.setenv("EFFIPIA_SECRET_KEY", SECRET_KEY)
    result = CliRunner().invoke(app, ["--db", mail_campaign.url, "invitations", "send"])
    assert result.exit_code == 1
    assert "injoignable (connexion refusée) : aucun courriel envoyé" in result.output
    with Store(mail_campaign.url) as store:
        assert store.mail_sends(CAMPAIGN).height == 0

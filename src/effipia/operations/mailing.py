"""Invitations and reminders by e-mail (SMTP), every send recorded per invitation.

Each message goes through its own SMTP transaction (``MAIL``, ``RCPT``, ``DATA``) so that
the server's reply to *this* recipient is kept: 2xx sent, 5xx refused (the address is
bounced: never written to again, no reminder), 4xx deferred (tried again at the next
run). Reminders go only to partners who were sent their invitation and have neither
finished, refused nor bounced (REDCap keeps reminding after completion; effipia does not).
A provider's bounce list (CSV or XLSX of addresses) marks bounces too.

Messages come from editable Jinja templates (``templates/mail/``, or the same file names in
the folder of setting ``mail_templates``): subject, plain text, HTML and a shared signature,
with the campus name, the deadline, the personal link ``BASE/r/<token>`` and the
« je ne souhaite pas répondre » link.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import polars as pl

from effipia.errors import EffipiaError, Problem, ValidationFailed
from effipia.operations.results import OperationResult
from effipia.results import Warning
from effipia.settings import Settings, get_settings
from effipia.store import Store

__all__ = [
    "KINDS",
    "MailOutcome",
    "SendReport",
    "MailTemplates",
    "send_invitations",
    "import_bounces",
    "select_recipients",
    "mail_state",
]

KINDS = ("invitation", "reminder")
#: Invitation statuses meaning « nothing more to ask »: finished, refused, or revoked.
FINISHED_STATUSES = ("submitted",)
REFUSED_STATUSES = ("refused",)
CLOSED_STATUSES = ("revoked",)

#: The « je ne souhaite pas répondre » page of a personal link (respondent routes).
REFUSAL_SUFFIX = "/refus"

_TEMPLATE_NAMES = ("{kind}_subject.txt", "{kind}.txt", "{kind}.html", "signature.txt", "signature.html")


@dataclass(frozen=True)
class MailOutcome:
    """What happened to one message: ``outcome`` sent, bounced, deferred (or planned in a dry run)."""

    partner_id: str
    recipient: str
    outcome: str
    smtp_code: int | None = None
    smtp_reply: str | None = None


@dataclass
class SendReport:
    """One run of :func:`send_invitations`: outcomes, and why the others were left aside."""

    campaign: str
    kind: str
    dry_run: bool
    outcomes: list[MailOutcome] = field(default_factory=list)
    left: dict[str, int] = field(default_factory=dict)
    interrupted: str | None = None

    def of(self, outcome: str) -> list[MailOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]

    @property
    def sent(self) -> list[MailOutcome]:
        return self.of("sent")

    @property
    def bounced(self) -> list[MailOutcome]:
        return self.of("bounced")

    @property
    def deferred(self) -> list[MailOutcome]:
        return self.of("deferred")

    @property
    def planned(self) -> list[MailOutcome]:
        return self.of("planned")


# ---------------------------------------------------------------- templates
class MailTemplates:
    """The e-mail templates: the package's, each replaceable by a file of the same name in
    ``folder`` (setting ``mail_templates``)."""

    def __init__(self, folder: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if folder is not None:
            if not Path(folder).is_dir():
                raise EffipiaError("mailing.templates_missing", path=str(folder))
            loaders.append(jinja2.FileSystemLoader(str(folder)))
        loaders.append(jinja2.FileSystemLoader(str(files("effipia") / "templates" / "mail")))
        loader = jinja2.ChoiceLoader(loaders)
        self._text = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                                        keep_trailing_newline=True)
        self._html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)

    def render(self, kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """``(subject, plain text, HTML)`` of a message of ``kind`` (invitation, reminder)."""
        try:
            subject = " ".join(self._text.get_template(f"{kind}_subject.txt").render(context).split())
            text = self._text.get_template(f"{kind}.txt").render(context)
            html = self._html.get_template(f"{kind}.html").render(context)
        except jinja2.TemplateError as exc:
            raise EffipiaError("mailing.template_error", kind=kind, detail=str(exc)) from None
        return subject, text, html


def french_date(value: date) -> str:
    """« 15 janvier 2027 »."""
    from babel.dates import format_date

    return format_date(value, format="long", locale="fr_FR")


def compose(
    templates: MailTemplates,
    kind: str,
    *,
    sender: str,
    recipient: str,
    context: dict[str, Any],
    refusal_link: str,
) -> EmailMessage:
    """One message: plain text with an HTML alternative, French headers, a one-click
    unsubscribe header (RFC 8058) pointing at the refusal link."""
    subject, text, html = templates.render(kind, context)
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(_utcnow())
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message["Content-Language"] = "fr"
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{refusal_link}>"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _utcnow():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "effipia.invalid"


# ---------------------------------------------------------------- who gets what
def mail_state(store: Store, campaign: str) -> pl.DataFrame:
    """Per invitation: ``partner_id, campus_id, category, status, email, name, invited``
    (an invitation was sent), ``reminders`` (count sent), ``bounced`` (the current address
    was refused by a server or is on an imported bounce list), ``answered`` (a response is
    stored under the partner's id)."""
    invitations = store.invitations(campaign).select("partner_id", "campus_id", "category", "status", "token_salt")
    partners = store.partners(campaign).select("partner_id", "name", "email")
    sends = store.mail_sends(campaign)
    answered = store.response_times(campaign).select(pl.col("respondent_id").alias("partner_id"))
    frame = invitations.join(partners, on="partner_id", how="left")
    email_key = pl.col("email").str.strip_chars().str.to_lowercase()
    sends = sends.with_columns(pl.col("recipient").str.strip_chars().str.to_lowercase().alias("recipient_key"))
    per_partner = (
        frame.select("partner_id", email_key.alias("recipient_key"))
        .join(sends, on="partner_id", how="left", suffix="_sent")
        .group_by("partner_id")
        .agg(
            ((pl.col("kind") == "invitation") & (pl.col("outcome") == "sent")).any().alias("invited"),
            ((pl.col("kind") == "reminder") & (pl.col("outcome") == "sent")).sum().alias("reminders"),
            ((pl.col("outcome") == "bounced") & (pl.col("recipient_key_sent") == pl.col("recipient_key"))).any().alias("bounced"),
        )
    )
    return (
        frame.join(per_partner, on="partner_id", how="left")
        .with_columns(
            pl.col("invited").fill_null(False),
            pl.col("reminders").fill_null(0).cast(pl.Int64),
            pl.col("bounced").fill_null(False),
            pl.col("partner_id").is_in(answered.get_column("partner_id").implode()).alias("answered"),
        )
        .sort("campus_id", "partner_id")
    )


def select_recipients(state: pl.DataFrame, reminder: bool) -> tuple[pl.DataFrame, dict[str, int]]:
    """The invitations to write to now, and the count of the others by French reason.

    First pass (invitation): every invitation with an address, not yet sent, neither
    finished, refused, revoked nor bounced (a deferred one is tried again). Reminder: those
    sent their invitation and still neither finished, refused nor bounced."""
    reasons = [
        ("terminé", pl.col("status").is_in(FINISHED_STATUSES) | pl.col("answered")),
        ("refus de répondre", pl.col("status").is_in(REFUSED_STATUSES)),
        ("invitation révoquée", pl.col("status").is_in(CLOSED_STATUSES)),
        ("adresse en échec (bounce)", pl.col("bounced")),
        ("sans courriel", pl.col("email").is_null() | (pl.col("email").str.strip_chars() == "")),
        ("lien non régénérable (invitation antérieure aux jetons dérivés : réémettez-la)", pl.col("token_salt").is_null()),
    ]
    if reminder:
        reasons.append(("pas encore invité (envoyez d'abord l'invitation)", ~pl.col("invited")))
    else:
        reasons.append(("déjà invité", pl.col("invited")))
    reason = pl.lit(None, dtype=pl.String)
    for label, condition in reversed(reasons):
        reason = pl.when(condition).then(pl.lit(label)).otherwise(reason)
    labelled = state.with_columns(reason.alias("left_reason"))
    chosen = labelled.filter(pl.col("left_reason").is_null()).drop("left_reason")
    counts = labelled.filter(pl.col("left_reason").is_not_null()).group_by("left_reason").len()
    order = {label: i for i, (label, _) in enumerate(reasons)}
    left = dict(sorted(zip(counts["left_reason"], counts["len"]), key=lambda kv: order[kv[0]]))
    return chosen, left


# ---------------------------------------------------------------- SMTP
@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: str  # "none", "starttls", "tls"
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://[user:password@]host[:port]`` (plain; STARTTLS when ``?starttls=1``),
    ``smtp+starttls://…`` (STARTTLS required, port 587), ``smtps://…`` (TLS, port 465)."""
    parts = urlsplit(url)
    schemes = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
    if parts.scheme not in schemes or not parts.hostname:
        raise EffipiaError("mailing.bad_smtp_url", url=url)
    security, port = schemes[parts.scheme]
    if parts.scheme == "smtp" and "starttls=1" in (parts.query or ""):
        security = "starttls"
    try:
        port = parts.port or port
    except ValueError:
        raise EffipiaError("mailing.bad_smtp_url", url=url) from None
    return SmtpTarget(
        parts.hostname, port, security, unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def _safe_url(target: SmtpTarget) -> str:
    return f"{target.host}:{target.port}"


def _connect(target: SmtpTarget, timeout: float = 30) -> smtplib.SMTP:
    try:
        if target.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=timeout)
        smtp.ehlo()
        if target.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if target.username:
            smtp.login(target.username, target.password or "")
    except smtplib.SMTPAuthenticationError:
        raise EffipiaError("mailing.smtp_auth", server=_safe_url(target)) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise EffipiaError("mailing.smtp_unreachable", server=_safe_url(target), detail=_reason(exc)) from None
    return smtp


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "délai dépassé"
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée"
    return type(exc).__name__


def _reply(code: int, text: bytes | str) -> tuple[int, str]:
    return code, (text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text))


def _classify(code: int) -> str:
    if 200 <= code < 300:
        return "sent"
    return "deferred" if 400 <= code < 500 else "bounced"


def _transact(smtp: smtplib.SMTP, sender: str, recipient: str, message: EmailMessage) -> tuple[str, int, str]:
    """One SMTP transaction; ``(outcome, code, reply)`` of the first non-success step or of DATA."""
    code, text = _reply(*smtp.mail(sender))
    if code >= 300:
        smtp.rset()
        return _classify(code), code, text
    code, text = _reply(*smtp.rcpt(recipient))
    if code >= 300:
        smtp.rset()
        return _classify(code), code, text
    try:
        code, text = _reply(*smtp.data(message.as_bytes(policy=SMTP_POLICY)))
    except smtplib.SMTPDataError as exc:
        smtp.rset()
        code, text = _reply(exc.smtp_code, exc.smtp_error)
    return _classify(code), code, text


# ---------------------------------------------------------------- the operation
def send_invitations(
    store: Store,
    campaign: str | None = None,
    *,
    reminder: bool = False,
    dry_run: bool = False,
    link_for: Callable[[str], tuple[str, str]] | None = None,
    deadline: date | None = None,
    settings: Settings | None = None,
    actor: str | None = None,
    campus: str | None = None,
) -> OperationResult[SendReport]:
    """Write the invitations (or the reminders) of ``campaign`` that are due.

    ``link_for(token_salt) -> (questionnaire link, refusal link)`` gives the personal
    links (default: derived from the secret key, see :func:`personal_links`).
    ``campus`` restricts the run to one campus (a director's reminders). Every outcome is
    recorded per invitation as it happens; a connection lost midway leaves the rest for
    the next run (``interrupted``)."""
    settings = settings or get_settings()
    kind = "reminder" if reminder else "invitation"
    name = store.resolve_campaign(campaign)
    state = mail_state(store, name)
    if campus is not None:
        state = state.filter(pl.col("campus_id") == campus)
    chosen, left = select_recipients(state, reminder)
    report = SendReport(name, kind, dry_run, left=left)
    result = OperationResult(value=report)
    if chosen.height == 0:
        return result
    missing = [n for n, v in (("EFFIPIA_MAIL_FROM", settings.mail_from), ("EFFIPIA_BASE_URL", settings.base_url)) if not v]
    if not dry_run and not settings.smtp_url:
        missing.insert(0, "EFFIPIA_SMTP_URL")
    if missing:
        raise EffipiaError("mailing.settings_missing", names=", ".join(missing))
    templates = MailTemplates(settings.mail_templates)
    link_for = link_for or personal_links(settings)
    deadline = deadline or settings.survey_deadline
    campus_names = dict(store.campuses().select("campus_id", "name").iter_rows())
    base = settings.base_url.rstrip("/")
    messages = []
    for row in chosen.iter_rows(named=True):
        link, refusal = link_for(row["token_salt"])
        context = {
            "partner_name": row["name"],
            "campus_name": campus_names.get(row["campus_id"], row["campus_id"]),
            "campus_id": row["campus_id"],
            "deadline": french_date(deadline) if deadline else None,
            "link": link,
            "refusal_link": refusal,
            "privacy_link": f"{base}/confidentialite",
            "organisation": settings.survey_organisation,
            "campaign": name,
            "reminders_sent": row["reminders"],
        }
        recipient = row["email"].strip()
        messages.append((row["partner_id"], recipient, compose(
            templates, kind, sender=settings.mail_from, recipient=recipient, context=context, refusal_link=refusal
        )))
    if dry_run:
        report.outcomes = [MailOutcome(pid, rcpt, "planned") for pid, rcpt, _ in messages]
        return result
    target = parse_smtp_url(settings.smtp_url)
    sender = parseaddr(settings.mail_from)[1]
    smtp = _connect(target)
    try:
        for position, (partner_id, recipient, message) in enumerate(messages):
            try:
                outcome, code, reply = _transact(smtp, sender, recipient, message)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                report.interrupted = _reason(exc)
                report.left["connexion perdue (réessayé au prochain envoi)"] = len(messages) - position
                break
            sent = MailOutcome(partner_id, recipient, outcome, code, reply)
            report.outcomes.append(sent)
            store.write_mail_sends(name, [{"partner_id": partner_id, "kind": kind, "recipient": recipient,
                                           "outcome": outcome, "smtp_code": code, "smtp_reply": reply[:2000]}])
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
    store.write_audit(f"mail.{kind}", actor=actor, campaign=name, campus_id=campus,
                      detail={"sent": len(report.sent), "bounced": len(report.bounced), "deferred": len(report.deferred)})
    if report.interrupted:
        result.warnings.append(Warning.of("mailing.interrupted", reason=report.interrupted))
    return result


def personal_links(settings: Settings) -> Callable[[str], tuple[str, str]]:
    """``token_salt -> (BASE/r/<token>, BASE/r/<token>/refus)``: the token is regenerated
    from the invitation's salt with the secret key (never stored)."""
    from effipia.registry.invitations import derive_token

    if settings.secret_key is None:
        raise EffipiaError("mailing.settings_missing", names="EFFIPIA_SECRET_KEY")
    secret = settings.secret_key
    from effipia.urls import check_base_url

    base = check_base_url(settings.base_url).rstrip("/")  # EFFIPIA_BASE_URL: http(s) and a host only

    def links(salt: str) -> tuple[str, str]:
        token = derive_token(secret, salt)
        return f"{base}/r/{token}", f"{base}/r/{token}{REFUSAL_SUFFIX}"

    return links


# ---------------------------------------------------------------- bounce lists
_ADDRESS_HEADERS = ("email", "e-mail", "mail", "courriel", "adresse", "adresse e-mail", "adresse électronique",
                    "email address", "address", "recipient", "destinataire", "to")
_REASON_HEADERS = ("reason", "raison", "motif", "bounce reason", "diagnostic", "diagnostic code", "error", "erreur",
                   "status", "statut", "smtp response", "response")


def import_bounces(store: Store, path: str | Path, campaign: str | None = None, *, actor: str | None = None) -> OperationResult[dict]:
    """Mark as bounced every invitation whose partner's address is on a provider's bounce
    list (CSV or XLSX with a column of addresses, e.g. « email »; optional reason column).
    The file is read as every import reads its files (encoding, row lengths, repeated
    headers, workbook error cells); every problem at once (``fichier:ligne:colonne: raison``),
    nothing written on any.
    Value: ``{"read", "marked", "already", "unknown"}``; unknown addresses are a warning."""
    from effipia.registry.reading import read_table

    path = Path(path)
    name = store.resolve_campaign(campaign)
    file = path.name
    known = _ADDRESS_HEADERS + _REASON_HEADERS
    # The first non-empty row is the header (or, in a bare list of addresses, the first address).
    table = read_table(path, lambda _cells: True, "mailing.bounce_empty", file=file,
                       used=lambda text: text.strip().lower() in known)
    header_line = table.header_line
    header = ["" if h is None else str(h) for h in table.header]
    rows = [(line, ["" if v is None else str(v) for v in values]) for line, values in table.rows]
    keys = [h.strip().lower() for h in header]
    address_col = next((i for i, h in enumerate(keys) if h in _ADDRESS_HEADERS), None)
    reason_col = next((i for i, h in enumerate(keys) if h in _REASON_HEADERS), None)
    data = rows
    if address_col is None:
        if header and "@" in header[0]:  # a bare list of addresses without a header line
            address_col, data = 0, [(header_line, header), *rows]
        else:
            raise ValidationFailed([Problem.at(file, header_line, None, "mailing.bounce_no_column",
                                               expected=", ".join(_ADDRESS_HEADERS[:5]))])
    column = header[address_col] if data is rows else None
    problems, found = list(table.problems), {}
    for line, values in data:
        value = values[address_col].strip() if address_col < len(values) else ""
        if not value and not any(v.strip() for v in values):
            continue
        address = parseaddr(value)[1].lower()
        if "@" not in address or " " in address:
            problems.append(Problem.at(file, line, column, "mailing.bounce_bad_address", value=value))
            continue
        reason = values[reason_col].strip() if reason_col is not None and reason_col < len(values) else ""
        found.setdefault(address, reason or None)
    if problems:
        raise ValidationFailed(problems)
    state = mail_state(store, name)
    state = state.with_columns(pl.col("email").str.strip_chars().str.to_lowercase().alias("key"))
    matched = state.filter(pl.col("key").is_in(list(found)))
    fresh = matched.filter(~pl.col("bounced"))
    writes = [
        {"partner_id": r["partner_id"], "kind": "bounce_list", "recipient": r["email"].strip(), "outcome": "bounced",
         "smtp_code": None, "smtp_reply": (found[r["key"]] or f"liste de rejets {file}")[:2000]}
        for r in fresh.iter_rows(named=True)
    ]
    store.write_mail_sends(name, writes)
    unknown = sorted(set(found) - set(matched.get_column("key").to_list()))
    store.write_audit("mail.bounce_list", actor=actor, campaign=name, detail={"file": file, "marked": len(writes)})
    result = OperationResult(value={"read": len(found), "marked": len(writes), "already": matched.height - len(writes),
                                    "unknown": len(unknown)})
    if unknown:
        result.warnings.append(Warning.of("mailing.bounce_unknown", count=len(unknown), examples=", ".join(unknown[:5])))
    return result

"""Base addresses of the questionnaire, checked before any link is built from them.

A personal link is ``BASE/r/<token>`` (or ``BASE`` with ``{token}`` replaced): it goes
into mail-merge files and e-mails, so the base must be a plain absolute ``http(s)``
address. Refused: another scheme (``javascript:``, ``data:``, ``file:``), no host,
credentials in the address, spaces, quotes, angle brackets or control characters
(which would break out of an HTML attribute or a CSV cell), a fragment, and more than
one ``{token}`` or one outside the path and query.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from effipia.errors import EffipiaError

__all__ = ["check_base_url"]

_FORBIDDEN = re.compile(r"[\s\"'<>`\\\x00-\x1f\x7f]")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$")


def _refuse(url: str, reason: str) -> EffipiaError:
    return EffipiaError("reading.bad_base_url", url=url, reason=reason)


def check_base_url(url: str | None) -> str:
    """``url`` itself when it is a valid questionnaire base address; raises
    :class:`EffipiaError` with the French reason otherwise."""
    from effipia.errors import message

    text = (url or "").strip()
    if not text:
        raise _refuse(text, message("reading.base_url_empty"))
    if _FORBIDDEN.search(text):
        raise _refuse(text, message("reading.base_url_characters"))
    parts = urlsplit(text.replace("{token}", "TOKEN"))
    if parts.scheme.lower() not in ("http", "https"):
        raise _refuse(text, message("reading.base_url_scheme"))
    if parts.username or parts.password or "@" in parts.netloc:
        raise _refuse(text, message("reading.base_url_credentials"))
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _refuse(text, message("reading.base_url_host")) from None
    if not host or not _HOST.match(parts.netloc.rsplit(":", 1)[0] if port else parts.netloc) or "TOKEN" in parts.netloc:
        raise _refuse(text, message("reading.base_url_host"))
    if parts.fragment or "#" in text:
        raise _refuse(text, message("reading.base_url_fragment"))
    if text.count("{token}") > 1:
        raise _refuse(text, message("reading.base_url_token"))
    return text

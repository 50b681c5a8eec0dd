"""Questionnaire base addresses are checked before links are built (issue 11, item 4)."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.errors import EffipiaError, message
from effipia.registry.invitations import invitation_links
from effipia.urls import check_base_url

GOOD = ["https://enquete.example.fr", "https://enquete.example.fr/r/{token}?lang=fr", "http://127.0.0.1:8000/", "https://[::1]:8443"]
BAD = {
    "javascript:alert(1)": "reading.base_url_scheme",
    "data:text/html,<b>": "reading.base_url_characters",
    "file:///etc/passwd": "reading.base_url_scheme",
    "enquete.example.fr": "reading.base_url_scheme",
    'https://x.example/"><script>alert(1)</script>': "reading.base_url_characters",
    "https://x.example/a b": "reading.base_url_characters",
    "https://user:secret@x.example": "reading.base_url_credentials",
    "https://x.example#frag": "reading.base_url_fragment",
    "https://{token}.example": "reading.base_url_host",
    "https://x.example:99999": "reading.base_url_host",
    "https://x.example/{token}/{token}": "reading.base_url_token",
    "": "reading.base_url_empty",
}


@pytest.mark.parametrize("url", GOOD)
def test_plain_http_addresses_are_accepted(url: str) -> None:
    assert check_base_url(url) == url


@pytest.mark.parametrize(("url", "reason"), BAD.items())
def test_dangerous_or_broken_addresses_are_refused_in_french(url: str, reason: str) -> None:
    with pytest.raises(EffipiaError) as info:
        check_base_url(url)
    assert str(info.value) == message("reading.bad_base_url", url=url, reason=message(reason))


def test_mail_merge_links_refuse_a_bad_base() -> None:
    partners = pl.DataFrame({"partner_id": ["P1"], "name": ["EDF"], "email": [None]}, schema_overrides={"email": pl.String})
    invitations = pl.DataFrame({"partner_id": ["P1"], "campus_id": ["C1"], "category": ["entreprise"], "token": ["abc"],
                                "status": ["pending"]})
    with pytest.raises(EffipiaError):
        invitation_links(partners, invitations, "javascript:alert(1)//", secret_key=None)

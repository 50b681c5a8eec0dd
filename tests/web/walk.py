"""Reading the questionnaire pages as a browser would (stdlib HTML parser), and walking
through them with a TestClient: the answers chosen are returned for comparison."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class Field:
    """One question of a page: its input names and values, its condition on the same page."""

    name: str
    kind: str  # radio | checkbox | text
    values: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    depends_on: str | None = None
    shows_for: list[str] = field(default_factory=list)
    error: str | None = None
    max_choices: int | None = None


@dataclass
class ParsedPage:
    title: str = ""
    h1: str = ""
    form_action: str | None = None
    save_id: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    text: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = ParsedPage()
        self._current: Field | None = None
        self._capture: str | None = None
        self._texts: list[str] = []
        self._error_for: str | None = None
        self._hint_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "div" and a.get("id", "").startswith("q-"):
            name = a["id"][2:]
            self._current = self.page.fields.setdefault(name, Field(name, "text"))
            if a.get("data-depends-on"):
                self._current.depends_on = a["data-depends-on"]
                self._current.shows_for = a.get("data-shows-for", "").split()
        elif tag == "form" and a.get("method") == "post":
            self.page.form_action = a.get("action")
        elif tag == "input":
            if a.get("name") == "save_id":
                self.page.save_id = a.get("value")
            elif self._current is not None and a.get("name") == self._current.name:
                kind = a.get("type", "text")
                self._current.kind = kind if kind in ("radio", "checkbox") else "text"
                self._current.values.append(a.get("value", ""))
                if "checked" in a:
                    self._current.checked.append(a.get("value", ""))
        elif tag == "button" and a.get("name") == "action":
            self.page.buttons.append(a.get("value", ""))
        elif tag == "a" and a.get("href"):
            self.page.links.append(a["href"])
        elif tag in ("title", "h1"):
            self._capture, self._texts = tag, []
        elif tag == "p" and a.get("id", "").startswith("e-"):
            self._error_for, self._texts = a["id"][2:], []
        elif tag == "p" and a.get("id", "").startswith("m-"):
            self._hint_for, self._texts = a["id"][2:], []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._capture:
            setattr(self.page, tag, " ".join("".join(self._texts).split()))
            self._capture = None
        elif tag == "p" and self._error_for:
            self.page.fields[self._error_for].error = " ".join("".join(self._texts).split())
            self._error_for = None
        elif tag == "p" and self._hint_for:
            self.page.fields[self._hint_for].max_choices = int("".join(self._texts).split()[0])
            self._hint_for = None

    def handle_data(self, data: str) -> None:
        self.page.text += data
        if self._capture or self._error_for or self._hint_for:
            self._texts.append(data)


def parse(html: str) -> ParsedPage:
    """The questions, form and links of a rendered page."""
    parser = _Parser()
    parser.feed(html)
    return parser.page


def choose(page: ParsedPage, rng: random.Random, chosen: dict[str, Any], skip: float = 0.1) -> dict[str, list[str]]:
    """Answers a careful respondent gives on ``page``: a random choice per question (some
    left blank), a question conditioned on the same page only when its condition holds."""
    form: dict[str, list[str]] = {}
    for fld in page.fields.values():
        if fld.depends_on and not set(form.get(fld.depends_on, [])) & set(fld.shows_for):
            continue
        if rng.random() < skip or fld.kind == "text":
            continue
        if fld.kind == "radio":
            form[fld.name] = [rng.choice(fld.values)]
        else:
            k = rng.randint(1, min(fld.max_choices or len(fld.values), len(fld.values)))
            form[fld.name] = rng.sample(fld.values, k)
    for name, values in form.items():
        chosen[name] = values
    return form


def complete(client, token: str, rng: random.Random, stop_after: int | None = None) -> dict[str, Any]:  # noqa: ANN001
    """Answer every page of ``token``'s questionnaire through ``client`` (then submit unless
    ``stop_after`` pages were saved first). Returns the answers given (name → list of codes)."""
    chosen: dict[str, Any] = {}
    response = client.get(f"/r/{token}")
    url = f"/r/{token}"
    saved = 0
    for _ in range(60):
        if response.status_code == 303:
            url = response.headers["location"]
            response = client.get(url)
            continue
        assert response.status_code == 200, (url, response.status_code)
        page = parse(response.text)
        if url.endswith("/relecture"):
            done = client.post(f"/r/{token}/envoi", data={"save_id": page.save_id})
            assert done.status_code == 303 and done.headers["location"].endswith("/merci")
            return chosen
        if page.form_action is None:  # welcome page: follow « Commencer »
            start = next(link for link in page.links if "/page/" in link)
            response, url = client.get(start), start
            continue
        if stop_after is not None and saved == stop_after:
            return chosen
        form = choose(page, rng, chosen)
        response = client.post(page.form_action, data={"save_id": page.save_id, "action": "next", **form})
        assert response.status_code == 303, (url, response.status_code, response.text[:2000])
        saved += 1
    raise AssertionError("questionnaire did not end")

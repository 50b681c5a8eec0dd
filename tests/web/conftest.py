"""Shared fixtures of the web tests: settings, a small campaign in a store, a TestClient,
and ``effipia serve`` run as a subprocess on a free loopback port (for the browser tests).

The campaign is tiny on purpose (two campuses, one partner of each survey group per
campus, plus spares) so that every test stays fast.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import polars as pl
import pytest

from effipia.settings import Settings, get_settings
from effipia.store import Store

#: A fixed test key (48 random-looking characters, never a placeholder).
SECRET_KEY = "tests-only-7f3c9a1e5b2d4f6081c3e5a7b9d1f2e4a6c8b0d2"
CAMPAIGN = "vague-web"
GROUPS = ("entreprise", "lycee", "of_cfa", "superieur", "autre")
PARTNER_TYPES = {
    "entreprise": "entreprise",
    "lycee": "lycee_public",
    "of_cfa": "cfa",
    "superieur": "universite",
    "autre": "association",
}
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Campaign:
    """A campaign written to a store: its frames and the personal tokens of its invitations."""

    url: str
    name: str
    partners: pl.DataFrame
    tokens: dict[str, str]  # partner_id -> token in clear (as an e-mail would carry it)


def campaign_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two campuses and, in each, one partner of every survey group plus a second « entreprise »."""
    campuses = pl.DataFrame(
        {
            "campus_id": ["CMQ-AERO", "CMQ-BOIS"],
            "name": ["Campus aéronautique", "Campus du bois"],
            "region": ["Bretagne", "Grand Est"],
            "academie": ["Rennes", "Nancy-Metz"],
        }
    )
    rows = []
    for campus in campuses["campus_id"]:
        short = campus.removeprefix("CMQ-")
        for group in (*GROUPS, "entreprise"):
            n = sum(1 for r in rows if r["campus_id"] == campus and r["category"] == group) + 1
            rows.append(
                {
                    "partner_id": f"{short}-{group}-{n}",
                    "campus_id": campus,
                    "name": f"Structure {group} {n} ({short.lower()})",
                    "category": group,
                    "partner_type": PARTNER_TYPES[group],
                    # The second « entreprise » of each campus has no consortium in the registry:
                    # the questionnaire asks it (the others are pre-filled and not asked).
                    "consortium": None if group == "autre" or n == 2 else 1,
                    "pia_concerned": None if group == "autre" else 0,
                    "email": f"{group}{n}@{short.lower()}.example",
                }
            )
    return campuses, pl.DataFrame(rows)


def write_campaign(url: str, secret_key: str = SECRET_KEY) -> Campaign:
    """Write the small campaign and its invitations (tokens derived from ``secret_key``)."""
    from effipia.registry.invitations import new_invitations

    campuses, partners = campaign_frames()
    with Store(url) as store:
        store.write_campaign(CAMPAIGN, campuses=campuses, partners=partners)
        fresh = new_invitations(store.partners(CAMPAIGN), store.invitations(CAMPAIGN), secret_key=secret_key)
        store.write_invitations(CAMPAIGN, fresh)
    tokens = dict(zip(fresh["partner_id"].to_list(), fresh["token"].to_list(), strict=True))
    return Campaign(url, CAMPAIGN, partners, tokens)


def web_settings(url: str, **overrides: object) -> Settings:
    """Settings of a test application on ``url``."""
    return get_settings(database_url=url, secret_key=SECRET_KEY, **overrides)


@pytest.fixture
def campaign(sqlite_url: str) -> Campaign:
    """The small campaign in a fresh SQLite store."""
    return write_campaign(sqlite_url)


@pytest.fixture
def client(campaign: Campaign) -> Iterator["TestClient"]:  # noqa: F821
    """A TestClient of the application on the campaign's store (no redirects followed)."""
    from fastapi.testclient import TestClient

    from effipia.web import create_app

    app = create_app(web_settings(campaign.url))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
    app.state.store.close()


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """An ``effipia serve`` subprocess."""

    base_url: str
    process: subprocess.Popen
    log: Path


def wait_until_healthy(base: str, process: subprocess.Popen, log: Path, seconds: float = 60, poll: float = 0.2) -> None:
    """Return once ``base/health`` answers 200; fail with the server's log if it stops or stays silent."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"effipia serve stopped: {log.read_text()[-5000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"effipia serve did not answer within {seconds:g} s: {log.read_text()[-5000:]}")
        time.sleep(poll)


@contextlib.contextmanager
def serve(url: str, tmp: Path, *, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``effipia --db URL serve`` on a free port; wait until ``/health`` answers 200."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    environment = {**os.environ, "EFFIPIA_SECRET_KEY": SECRET_KEY, **(env or {})}
    command = [str(Path(sys.executable).parent / "effipia"), "--db", url, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log)
        yield Server(base, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

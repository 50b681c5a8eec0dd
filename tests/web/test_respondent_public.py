"""The application skeleton: health, public pages, security headers, French error pages,
``effipia serve`` refusing to start without a real secret key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from effipia.cli.serve import secret_key_problem
from effipia.web import create_app
from effipia.web.app import masked_path
from tests.web.conftest import web_settings


@pytest.fixture
def bare_client(sqlite_url: str):
    app = create_app(web_settings(sqlite_url))
    with TestClient(app) as client:
        yield client
    app.state.store.close()


def test_health_answers_json_once_the_store_is_reachable(bare_client: TestClient) -> None:
    response = bare_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": "ok"}


def test_health_says_503_when_the_store_is_gone(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(web_settings(sqlite_url))
    app.state.store.engine.dispose()
    Path(sqlite_url.removeprefix("sqlite:///")).unlink()
    (tmp_path / "effipia.db").mkdir()  # a directory where the database file was: not openable
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/confidentialite", "Données personnelles : notice d'information"),
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/", "Enquête auprès des partenaires des campus des métiers et des qualifications"),
    ],
)
def test_public_pages_in_french_with_security_headers(bare_client: TestClient, path: str, heading: str) -> None:
    response = bare_client.get(path)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.text.replace("&#39;", "'")
    assert '<html lang="fr"' in response.text
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert 'href="/confidentialite"' in response.text and 'href="/accessibilite"' in response.text
    # No external resource: every stylesheet, script and image is served from this site.
    assert "http://" not in response.text and "https://" not in response.text


def test_privacy_notice_filled_from_settings(sqlite_url: str) -> None:
    settings = web_settings(sqlite_url, privacy_controller="Région Bretagne, 283 avenue du Général Patton, Rennes",
                            privacy_contact="dpo@region.example", privacy_retention="trois ans")
    app = create_app(settings)
    with TestClient(app) as client:
        text = client.get("/confidentialite").text
    app.state.store.close()
    assert "Région Bretagne, 283 avenue du Général Patton, Rennes" in text
    assert "dpo@region.example" in text
    assert "conservées trois ans" in text


def test_unknown_page_is_a_french_404(bare_client: TestClient) -> None:
    response = bare_client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.text


def test_static_theme_is_served(bare_client: TestClient) -> None:
    response = bare_client.get("/static/web/effipia.css")
    assert response.status_code == 200
    assert ":focus-visible" in response.text


def test_tokens_are_masked_in_log_paths() -> None:
    assert masked_path("/r/abcdefghijklmnopqrstuvwxyz234567/page/2") == "/r/…/page/2"
    assert masked_path("/confidentialite") == "/confidentialite"


@pytest.mark.parametrize(
    ("value", "refused"),
    [(None, True), ("", True), ("changethis", True), ("x" * 40, True), ("court-mais-varié", True),
     ("Zq3vT8pL0cN5yR2wK7mB4xF9hJ6dS1aG", False)],
)
def test_secret_key_check(value: str | None, refused: bool) -> None:
    assert (secret_key_problem(value) is not None) is refused


def test_serve_refuses_in_french_without_a_secret_key(sqlite_url: str, tmp_path: Path) -> None:
    effipia = str(Path(sys.executable).parent / "effipia")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "EFFIPIA_SECRET_KEY": "changethis"}
    done = subprocess.run([effipia, "--db", sqlite_url, "serve", "--port", "1"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert "le serveur ne démarre pas" in done.stderr
    assert "valeur d'exemple" in done.stderr

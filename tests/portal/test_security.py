"""Headers and settings: CSP without inline script, HSTS, HTTPS, cookie flags, framing denied,
and Django's deployment checklist clean with production settings."""

from __future__ import annotations

import re
import secrets
import subprocess
from pathlib import Path

import pytest
import responses
from django.test import Client, override_settings

from tests.child import run_python
from tests.helpers.harness import BASE_DIR
from tests.helpers.sign_in import sign_in

pytestmark = pytest.mark.django_db


def _check_deploy(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy` in a fresh process with production settings and `variables`."""
    return run_python(
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'DEBUG'])\n",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.com",
        UPSTREAM_URL="https://example.spaces.nexudus.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **variables,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_would_catch_a_weak_setting(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/en/", "/en/sign-in", "/en/invoices/complete", "/admin/login/"])
def test_every_page_has_a_strict_content_security_policy(
    client: Client, upstream: responses.RequestsMock, path: str
) -> None:
    response = client.get(path)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    page = response.content.decode()
    # The one inline style is the brand's colours, allowed by this response's nonce only.
    nonces = re.findall(r'<style nonce="([^"]+)">', page)
    if nonces:
        assert policy["style-src"] == ["'self'", f"'nonce-{nonces[0]}'"]


def test_no_template_has_inline_script_or_event_handlers() -> None:
    folders = [BASE_DIR / "templates", BASE_DIR / "themes"]
    for template in [path for folder in folders for path in folder.rglob("*.html")]:
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert "style=" not in text, template


def test_https_answers_carry_hsts(client: Client, upstream: responses.RequestsMock) -> None:
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_except_the_probes(
    client: Client, upstream: responses.RequestsMock
) -> None:
    response = client.get("/en/sign-in?next=/en/invoices/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/en/sign-in?next=/en/invoices/"
    assert client.get("/healthz").status_code == 200


def test_cookies_are_secure_httponly_and_samesite(
    client: Client, upstream: responses.RequestsMock
) -> None:
    client.get("/en/sign-in")
    # The upstream fixture accepts any password.
    sign_in(client)
    for name in ("sessionid", "csrftoken"):
        cookie = client.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name

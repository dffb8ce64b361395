"""Signing a customer in, every way the tests do it, and what a browser then sees.

- `sign_in`: Django's test client posts the sign-in form and is redirected; given the
  responses mock, the token endpoint is first told to accept exactly these credentials.
  `post_sign_in` posts the form whatever comes of it (refusals, limits).
- `password_grant`, `refresh_grant`: the token endpoint's answers, mocked per grant.
- Over HTTP against a live portal: `harness.demo_sign_in` (bench uses it too).
- `sign_in_in_chromium`: Playwright types into the form, as a person does.
- `signed_in` and `asked_to_sign_in`: whether the next request is a customer's.
- `tokens_received`: the bearer tokens a live upstream handed out, to look for leaks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import responses
from django.test import Client
from responses import matchers

import upstream

# The sandbox's demo customer (sandbox_seed), named once for every test that signs in as them.
from sandbox.demo import DEMO_EMAIL as DEMO_EMAIL
from sandbox.demo import DEMO_PASSWORD as DEMO_PASSWORD
from tests.helpers.html import Page
from tests.helpers.upstream import upstream_url
from tests.helpers.upstream_data import ACCESS, EMAIL, NEW_ACCESS, NEW_REFRESH, PASSWORD, REFRESH
from upstream import endpoints

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
    from playwright.sync_api import Page as BrowserPage

# The token endpoint's answer to a wrong password or a dead refresh token (responses' keywords).
REFUSED: dict[str, Any] = {"status": 400, "json": {"error": "invalid_grant"}}


def tokens(access: str = ACCESS, refresh: str = REFRESH, expires_in: int = 3600) -> dict[str, Any]:
    """The token endpoint's answer to a grant."""
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": expires_in,
        "token_type": "bearer",
    }


def password_grant(
    mock: responses.RequestsMock, email: str = EMAIL, password: str = PASSWORD, **answer: Any
) -> responses.BaseResponse:
    """The token endpoint for these credentials only: tokens, or `answer` (e.g. **REFUSED)."""
    grant = {"grant_type": "password", "username": email, "password": password}
    return mock.add(
        responses.POST,
        upstream_url(endpoints.TOKEN),
        # The portal adds its own client_id (CONTRACT.md): matched on the grant's fields.
        match=[matchers.urlencoded_params_matcher(grant, strict_match=False)],
        **(answer or {"json": tokens()}),
    )


def refresh_grant(
    mock: responses.RequestsMock, refresh_token: str = REFRESH, **answer: Any
) -> responses.BaseResponse:
    """The token endpoint for this refresh token only: new tokens, or `answer`."""
    grant = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return mock.add(
        responses.POST,
        upstream_url(endpoints.TOKEN),
        # The portal adds its own client_id (CONTRACT.md): matched on the grant's fields.
        match=[matchers.urlencoded_params_matcher(grant, strict_match=False)],
        **(answer or {"json": tokens(NEW_ACCESS, NEW_REFRESH)}),
    )


def post_sign_in(
    client: Client, email: str = EMAIL, password: str = PASSWORD, **fields: str
) -> Response:
    """Posts the English sign-in form with these fields, whatever the upstream answers."""
    return client.post("/en/sign-in", {"email": email, "password": password, **fields})


def sign_in(
    client: Client,
    mock: responses.RequestsMock | None = None,
    *,
    email: str = EMAIL,
    password: str = PASSWORD,
    language: str = "en",
    expires_in: int = 3600,
    **extra: Any,
) -> Response:
    """Signs in through the form. Without `mock`, the upstream must accept these credentials
    by itself (a fake that accepts any, or the sandbox)."""
    if mock is not None:
        password_grant(mock, email, password, json=tokens(expires_in=expires_in))
    response = client.post(f"/{language}/sign-in", {"email": email, "password": password}, **extra)
    assert response.status_code == 302, response.content
    return response


def submit_sign_in_form(
    page: BrowserPage, language: str = "en", password: str = DEMO_PASSWORD
) -> None:
    """Chromium: the demo customer's email and `password` typed in, the form submitted."""
    page.goto(f"/{language}/sign-in")
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")


def sign_in_in_chromium(page: BrowserPage, language: str = "en") -> None:
    """Chromium: the demo customer signs in and lands on My Invoices."""
    submit_sign_in_form(page, language)
    page.wait_for_url(lambda url: urlsplit(url).path == f"/{language}/invoices/")


def signed_in(client: Client, language: str = "en", **extra: Any) -> bool:
    """Whether the page header offers this browser a sign-out: a customer's session."""
    home = Page(client.get(f"/{language}/", **extra))
    return any(
        element["tag"] == "form" and element.get("action") == f"/{language}/sign-out"
        for element in home.elements
    )


def asked_to_sign_in(client: Client, language: str = "en", **extra: Any) -> bool:
    """Whether My Invoices sends this browser to the sign-in page (asking the upstream
    nothing, when it does)."""
    response = client.get(f"/{language}/invoices/", **extra)
    return (
        response.status_code == 302
        and urlsplit(response["Location"]).path == f"/{language}/sign-in"
    )


def tokens_received(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every access and refresh token the upstream hands the portal from now on (the upstream
    client's grants, wrapped): what must never reach a page, a cookie or a log."""
    received: list[str] = []

    def keeping(grant: Callable[..., upstream.Tokens]) -> Callable[..., upstream.Tokens]:
        def call(**kwargs: str) -> upstream.Tokens:
            answer = grant(**kwargs)
            received.extend([answer.access_token, answer.refresh_token])
            return answer

        return call

    monkeypatch.setattr(upstream, "token_by_password", keeping(upstream.token_by_password))
    monkeypatch.setattr(upstream, "token_by_refresh", keeping(upstream.token_by_refresh))
    return received

"""Customer sign-in (accounts/services.py) with the upstream's token endpoint mocked: CSRF, where
it leads, a new session whose tokens the browser never sees, and refusals."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
import requests
import responses
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.helpers import upstream_data
from tests.helpers.clock import Clock
from tests.helpers.html import csrf_token
from tests.helpers.invoices import LIST, mock_my_invoices
from tests.helpers.sign_in import (
    REFUSED,
    asked_to_sign_in,
    password_grant,
    post_sign_in,
    refresh_grant,
    sign_in,
    signed_in,
)
from tests.helpers.upstream import api_calls, upstream_url
from tests.helpers.upstream_data import EMAIL, NEW_ACCESS, PASSWORD, SECRETS
from upstream import endpoints

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

SIGN_IN = "/en/sign-in"
REFUSED_TEXT = "That email and password do not match an account."


def _without_form_values(html: str) -> str:
    """The page without what differs between two refusals: the values the form echoes (the
    email, the CSRF token) and the CSP nonce."""
    return re.sub(r'(value|nonce)="[^"]*"', r'\1=""', html)


def _cookie_values(client: Client, response: Response) -> list[str]:
    return [morsel.value for morsel in [*response.cookies.values(), *client.cookies.values()]]


# The sign-in page and CSRF ------------------------------------------------------------------


def test_sign_in_page_has_a_csrf_field(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    assert len(api_calls(upstream_http)) == 0
    html = response.content.decode()
    assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+"', html)
    assert 'name="email"' in html
    assert 'type="password"' in html


def test_sign_in_without_csrf_is_refused(upstream_http: responses.RequestsMock) -> None:
    token = password_grant(upstream_http)
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(SIGN_IN, {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 403
    assert token.call_count == 0
    assert asked_to_sign_in(browser)


def test_sign_in_with_the_pages_csrf_token_is_accepted(
    upstream_http: responses.RequestsMock,
) -> None:
    token = password_grant(upstream_http)
    browser = Client(enforce_csrf_checks=True)
    found = csrf_token(browser.get(SIGN_IN))
    response = browser.post(
        SIGN_IN, {"email": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": found}
    )
    assert response.status_code == 302
    assert token.call_count == 1


# Where sign-in leads ------------------------------------------------------------------------


def test_sign_in_follows_a_local_next(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    password_grant(upstream_http)
    response = post_sign_in(client, next="/en/invoices/?show=paid")
    assert response.status_code == 302
    assert response["Location"] == "/en/invoices/?show=paid"


def test_sign_in_reads_next_from_the_query_too(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    password_grant(upstream_http)
    response = client.post(
        f"{SIGN_IN}?next=%2Fen%2Finvoices%2F42%2F", {"email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/invoices/42/"


def test_sign_in_without_next_goes_to_my_invoices(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    password_grant(upstream_http)
    response = post_sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == LIST


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "///evil.example",
        "/\t/evil.example",
    ],
)
def test_sign_in_refuses_open_redirects(
    client: Client, upstream_http: responses.RequestsMock, next_url: str
) -> None:
    password_grant(upstream_http)
    response = post_sign_in(client, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == LIST


def test_sign_in_page_keeps_only_a_local_next(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    local = client.get(SIGN_IN, {"next": "/en/invoices/?show=paid"}).content.decode()
    assert 'name="next" value="/en/invoices/?show=paid"' in local
    evil = client.get(SIGN_IN, {"next": "https://evil.example/"}).content.decode()
    # Only the language links repeat the query, as a same-site link to this page.
    assert 'value="https://evil.example/"' not in evil
    assert 'href="https://evil.example/' not in evil
    assert f'name="next" value="{LIST}"' in evil
    assert len(api_calls(upstream_http)) == 0


# The session --------------------------------------------------------------------------------


def test_sign_in_cycles_the_session_key(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    planted = client.session  # the key an attacker could have planted
    planted["planted"] = True
    planted.save()
    before = planted.session_key
    assert before
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == before

    sign_in(client, upstream_http)

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after
    assert after != before
    assert client.session.session_key == after
    assert not SessionStore().exists(before)
    assert signed_in(client)
    # The attacker's copy of the planted key opens nothing of the customer's.
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = before
    assert asked_to_sign_in(attacker)


def test_tokens_stay_in_the_server_session(
    client: Client, upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    invoices = [upstream_data.invoice_detail(42)]
    listed = mock_my_invoices(upstream_http, invoices)
    refresh = refresh_grant(upstream_http)
    mock_my_invoices(upstream_http, invoices, token=NEW_ACCESS)
    password_grant(upstream_http)
    signed_in_page = post_sign_in(client)
    assert signed_in_page.status_code == 302

    # The server sends the upstream the access token it keeps...
    first = client.get(LIST)
    assert first.status_code == 200
    assert "INV-2026-00042" in first.content.decode()
    assert listed.call_count == 1
    # ...and, once it expires, the refresh token it keeps.
    clock.advance(3600)
    later = client.get(LIST)
    assert later.status_code == 200
    assert refresh.call_count == 1

    for response in (signed_in_page, first, later):
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body
            for value in _cookie_values(client, response):
                assert secret not in value
    # Only the session and CSRF cookies: nothing else is handed to the browser.
    assert set(client.cookies) <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


# Refused sign-ins ---------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_look_the_same(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    password_grant(upstream_http, EMAIL, "wrong-password-1", **REFUSED)
    password_grant(upstream_http, "nobody@example.com", "wrong-password-2", **REFUSED)
    wrong_password = post_sign_in(client, EMAIL, "wrong-password-1")
    unknown_email = post_sign_in(Client(), "nobody@example.com", "wrong-password-2")

    assert wrong_password.status_code == unknown_email.status_code == 400
    first, second = wrong_password.content.decode(), unknown_email.content.decode()
    assert REFUSED_TEXT in first
    assert _without_form_values(first) == _without_form_values(second)
    assert "wrong-password-1" not in first
    assert "wrong-password-2" not in second
    assert asked_to_sign_in(client)


def test_the_form_never_echoes_the_password(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    # An invalid form (no email) renders again: the password field stays empty.
    response = post_sign_in(client, email="", password=PASSWORD)
    assert response.status_code == 400
    assert len(api_calls(upstream_http)) == 0
    assert PASSWORD not in response.content.decode()


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError("connection refused")},
        {"body": requests.ConnectTimeout("timed out")},
        {"status": 500, "json": {"error": "boom"}},
        {"status": 502, "body": "<html>Bad gateway</html>", "content_type": "text/html"},
        {"status": 200, "body": "{not json", "content_type": "application/json"},
    ],
)
def test_upstream_down_during_sign_in(
    client: Client, upstream_http: responses.RequestsMock, answer: dict[str, Any]
) -> None:
    upstream_http.post(upstream_url(endpoints.TOKEN), **answer)
    response = post_sign_in(client)
    assert response.status_code == 503
    html = response.content.decode()
    assert "We cannot reach the billing system just now." in html
    assert PASSWORD not in html
    assert asked_to_sign_in(client)

"""Customer sign-in, the refresh grant and sign-out, with the upstream mocked (responses)."""

from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connections
from django.test import Client, override_settings
from responses import matchers

from invoices import services
from portal import accounts
from portal.upstream import endpoints
from tests import upstream_data
from tests.conftest import api_calls, upstream_url
from tests.upstream_data import (
    ACCESS,
    EMAIL,
    NEW_ACCESS,
    NEW_REFRESH,
    PASSWORD,
    REFRESH,
    SECRETS,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

SIGN_IN = "/en/sign-in"
SIGN_OUT = "/en/sign-out"
LIST = "/en/invoices/"
TOKEN_URL = upstream_url(endpoints.TOKEN)
MY_URL = upstream_url(endpoints.INVOICES_MY)
MEDIA_URL = upstream_url(endpoints.MEDIA_TOKEN)
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJtZWRpYSI6MX0.c2lnbmF0dXJl"
REFUSED_TEXT = "That email and password do not match an account."


# Helpers ------------------------------------------------------------------------------------


def _tokens(access: str = ACCESS, refresh: str = REFRESH, expires_in: int = 3600) -> dict[str, Any]:
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": expires_in,
        "token_type": "bearer",
    }


def _password_grant(email: str, password: str) -> list[Any]:
    grant = {"grant_type": "password", "username": email, "password": password}
    return [matchers.urlencoded_params_matcher(grant)]


def _accept(
    mock: responses.RequestsMock, email: str = EMAIL, password: str = PASSWORD
) -> responses.BaseResponse:
    return mock.add(
        responses.POST, TOKEN_URL, json=_tokens(), match=_password_grant(email, password)
    )


def _refuse(mock: responses.RequestsMock, email: str, password: str) -> responses.BaseResponse:
    return mock.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant"},
        match=_password_grant(email, password),
    )


def _post(client: Client, email: str = EMAIL, password: str = PASSWORD, **extra: Any) -> Response:
    return client.post(SIGN_IN, {"email": email, "password": password, **extra})


def _page(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": records,
        "CurrentPage": 1,
        "CurrentPageSize": settings.INVOICES_PAGE_SIZE,
        "TotalItems": len(records),
        "TotalPages": 1,
        "HasNextPage": False,
        "HasPreviousPage": False,
    }


def _my_invoices(mock: responses.RequestsMock, bearer: str = ACCESS) -> responses.BaseResponse:
    return mock.add(
        responses.GET,
        MY_URL,
        json=_page([upstream_data.invoice_detail(42)]),
        match=[matchers.header_matcher({"Authorization": f"Bearer {bearer}"})],
    )


def _signed_in(client: Client, mock: responses.RequestsMock) -> None:
    _accept(mock)
    response = _post(client)
    assert response.status_code == 302, response.content


def _without_csrf_values(html: str) -> str:
    """The page without its per-response random values: CSRF tokens and the CSP nonce."""
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
    token = _accept(upstream_http)
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(SIGN_IN, {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 403
    assert token.call_count == 0
    assert accounts.SESSION_KEY not in browser.session


def test_sign_in_with_the_pages_csrf_token_is_accepted(
    upstream_http: responses.RequestsMock,
) -> None:
    token = _accept(upstream_http)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(SIGN_IN).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found
    response = browser.post(
        SIGN_IN, {"email": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": found.group(1)}
    )
    assert response.status_code == 302
    assert token.call_count == 1


# Where sign-in leads ------------------------------------------------------------------------


def test_sign_in_follows_a_local_next(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    _accept(upstream_http)
    response = _post(client, next="/en/invoices/?show=paid")
    assert response.status_code == 302
    assert response["Location"] == "/en/invoices/?show=paid"


def test_sign_in_reads_next_from_the_query_too(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    _accept(upstream_http)
    response = client.post(
        f"{SIGN_IN}?next=%2Fen%2Finvoices%2F42%2F", {"email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/invoices/42/"


def test_sign_in_without_next_goes_to_my_invoices(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    _accept(upstream_http)
    response = _post(client)
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
    _accept(upstream_http)
    response = _post(client, next=next_url)
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

    _signed_in(client, upstream_http)

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after
    assert after != before
    assert client.session.session_key == after
    assert not SessionStore().exists(before)
    assert client.session[accounts.SESSION_KEY]["email"] == EMAIL


def test_tokens_stay_in_the_server_session(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    _accept(upstream_http)
    _my_invoices(upstream_http)
    signed_in = _post(client)
    assert signed_in.status_code == 302

    stored = client.session[accounts.SESSION_KEY]
    assert stored["access_token"] == ACCESS
    assert stored["refresh_token"] == REFRESH
    assert stored["email"] == EMAIL

    listed = client.get(LIST)
    assert listed.status_code == 200
    assert "INV-2026-00042" in listed.content.decode()
    for response in (signed_in, listed):
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
    _refuse(upstream_http, EMAIL, "wrong-password-1")
    _refuse(upstream_http, "nobody@example.com", "wrong-password-2")
    wrong_password = _post(client, EMAIL, "wrong-password-1")
    unknown_email = _post(Client(), "nobody@example.com", "wrong-password-2")

    assert wrong_password.status_code == unknown_email.status_code == 400
    first, second = wrong_password.content.decode(), unknown_email.content.decode()
    assert REFUSED_TEXT in first
    assert _without_csrf_values(first) == _without_csrf_values(second)
    assert "wrong-password-1" not in first
    assert "wrong-password-2" not in second
    assert accounts.SESSION_KEY not in client.session


def test_the_form_never_echoes_the_password(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    # An invalid form (no email) renders again: the password field stays empty.
    response = _post(client, email="", password=PASSWORD)
    assert response.status_code == 400
    assert len(api_calls(upstream_http)) == 0
    assert PASSWORD not in response.content.decode()


def test_sign_in_is_rate_limited_per_email(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    refused = _refuse(upstream_http, EMAIL, "wrong")
    accepted = _accept(upstream_http)
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        assert _post(client, EMAIL, "wrong").status_code == 400
    assert refused.call_count == settings.SIGN_IN_MAX_FAILURES

    blocked = _post(client, EMAIL, "wrong")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    # Even the right password: the upstream is not asked any more.
    assert _post(client, EMAIL, PASSWORD).status_code == 429
    assert refused.call_count == settings.SIGN_IN_MAX_FAILURES
    assert accepted.call_count == 0
    assert accounts.SESSION_KEY not in client.session

    # The same email from another client is not blocked by this client's failures.
    elsewhere = client.post(
        SIGN_IN, {"email": EMAIL, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert elsewhere.status_code == 302
    assert accepted.call_count == 1


@override_settings(SIGN_IN_MAX_FAILURES=3, SIGN_IN_MAX_FAILURES_PER_CLIENT=5)
def test_sign_in_is_rate_limited_per_client(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    first = _refuse(upstream_http, EMAIL, "wrong")
    other = _refuse(upstream_http, "other@example.com", "wrong")
    accepted = _accept(upstream_http, "third@example.com", PASSWORD)
    for _ in range(3):
        assert _post(client, EMAIL, "wrong").status_code == 400
    assert _post(client, EMAIL, "wrong").status_code == 429
    assert first.call_count == 3

    # Another email from the same client still gets through, until the per-client limit;
    # the refused (429) attempt did not count.
    for _ in range(2):
        assert _post(client, "other@example.com", "wrong").status_code == 400
    assert other.call_count == 2
    assert _post(client, "other@example.com", "wrong").status_code == 429
    assert _post(client, "third@example.com", PASSWORD).status_code == 429
    assert other.call_count == 2
    assert accepted.call_count == 0
    assert len(api_calls(upstream_http)) == 5


@override_settings(SIGN_IN_MAX_FAILURES=2)
def test_upstream_trouble_and_lockouts_do_not_count(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    """A customer who follows "try again soon" is let in once the upstream is back."""
    down = upstream_http.post(upstream_url(endpoints.TOKEN), body=requests.ConnectionError())
    for _ in range(4):
        assert _post(client, EMAIL, PASSWORD).status_code == 503
    assert down.call_count == 4
    upstream_http.remove(down)
    _accept(upstream_http, EMAIL, PASSWORD)
    assert _post(client, EMAIL, PASSWORD).status_code == 302


@override_settings(SIGN_IN_MAX_FAILURES=3, BEHIND_PROXY=True)
def test_behind_a_proxy_each_forwarded_client_is_counted_apart(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    _refuse(upstream_http, EMAIL, "wrong")
    # The proxy appends the real client last; what a client sends before it is not trusted.
    for _ in range(3):
        response = client.post(
            SIGN_IN,
            {"email": EMAIL, "password": "wrong"},
            HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
        )
        assert response.status_code == 400
    blocked = client.post(
        SIGN_IN,
        {"email": EMAIL, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.7",
    )
    assert blocked.status_code == 429
    other_client = client.post(
        SIGN_IN, {"email": EMAIL, "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    assert other_client.status_code == 400


@override_settings(SIGN_IN_MAX_FAILURES=5)
def test_parallel_guesses_cannot_pass_the_limit_together(
    upstream_http: responses.RequestsMock, db: None
) -> None:
    """Attempts are counted before the upstream is asked: twenty at once get five through."""
    refused = _refuse(upstream_http, EMAIL, "wrong")
    barrier = threading.Barrier(20)

    def guess(_: int) -> int:
        barrier.wait()
        try:
            return Client().post(SIGN_IN, {"email": EMAIL, "password": "wrong"}).status_code
        finally:
            # This thread's own database connection (the brand lookup): closed, not leaked.
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(guess, range(20)))
    assert statuses == [400] * 5 + [429] * 15
    assert refused.call_count == 5


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
    upstream_http.post(TOKEN_URL, **answer)
    response = _post(client)
    assert response.status_code == 503
    html = response.content.decode()
    assert "We cannot reach the billing system just now." in html
    assert PASSWORD not in html
    assert accounts.SESSION_KEY not in client.session


# customer_bearer and the refresh grant ------------------------------------------------------


def _session(expires_at: float) -> SessionStore:
    session = SessionStore()
    session[accounts.SESSION_KEY] = {
        "email": EMAIL,
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "expires_at": expires_at,
    }
    session.save()
    return session


def _freeze(monkeypatch: pytest.MonkeyPatch, now: float) -> None:
    # portal.customers reads time.time (so does the locmem cache): one clock for both.
    monkeypatch.setattr("portal.accounts.time.time", lambda: now)


def test_a_fresh_access_token_needs_no_upstream_call(
    upstream_http: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = time.time()
    session = _session(expires_at=start + 3600)
    # Just outside the refresh margin: still fresh.
    _freeze(monkeypatch, start + 3600 - accounts.REFRESH_MARGIN_SECONDS - 1)
    assert accounts.customer_bearer(session=session) == ACCESS
    assert len(api_calls(upstream_http)) == 0
    assert session[accounts.SESSION_KEY]["access_token"] == ACCESS


def test_an_expiring_access_token_is_refreshed(
    upstream_http: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = time.time()
    session = _session(expires_at=start + 3600)
    refresh = upstream_http.post(
        TOKEN_URL,
        json=_tokens(NEW_ACCESS, NEW_REFRESH, 1800),
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": REFRESH}
            )
        ],
    )
    later = start + 3600 - accounts.REFRESH_MARGIN_SECONDS + 1
    _freeze(monkeypatch, later)

    assert accounts.customer_bearer(session=session) == NEW_ACCESS
    assert refresh.call_count == 1
    body = upstream_http.calls[0].request.body
    assert isinstance(body, str)
    form = parse_qs(body)
    assert form == {"grant_type": ["refresh_token"], "refresh_token": [REFRESH]}
    stored = session[accounts.SESSION_KEY]
    assert stored["access_token"] == NEW_ACCESS
    assert stored["refresh_token"] == NEW_REFRESH
    assert stored["expires_at"] == later + 1800
    assert stored["email"] == EMAIL

    # The new token is fresh: no second refresh.
    assert accounts.customer_bearer(session=session) == NEW_ACCESS
    assert refresh.call_count == 1


def test_a_dead_refresh_token_signs_the_customer_out(
    upstream_http: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = time.time()
    session = _session(expires_at=start + 60)
    refresh = upstream_http.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    _freeze(monkeypatch, start + 61)
    with pytest.raises(accounts.SignedOut):
        accounts.customer_bearer(session=session)
    assert refresh.call_count == 1
    assert accounts.SESSION_KEY not in session


def test_no_customer_is_signed_out(upstream_http: responses.RequestsMock) -> None:
    with pytest.raises(accounts.SignedOut):
        accounts.customer_bearer(session=SessionStore())
    assert len(api_calls(upstream_http)) == 0


def test_the_refreshed_tokens_are_kept_in_the_session(
    client: Client, upstream_http: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = time.time()
    _freeze(monkeypatch, start)
    _signed_in(client, upstream_http)
    upstream_http.post(
        TOKEN_URL,
        json=_tokens(NEW_ACCESS, NEW_REFRESH),
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": REFRESH}
            )
        ],
    )
    listed = _my_invoices(upstream_http, bearer=NEW_ACCESS)
    _freeze(monkeypatch, start + 3600)

    response = client.get(LIST)
    assert response.status_code == 200
    assert listed.call_count == 2  # the list and its balance, both with the new bearer
    stored = client.session[accounts.SESSION_KEY]
    assert stored["access_token"] == NEW_ACCESS
    assert stored["refresh_token"] == NEW_REFRESH
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body


# Sign-out -----------------------------------------------------------------------------------


def test_sign_out_is_post_only(client: Client, upstream_http: responses.RequestsMock) -> None:
    _signed_in(client, upstream_http)
    response = client.get(SIGN_OUT)
    assert response.status_code == 405
    assert client.session[accounts.SESSION_KEY]["email"] == EMAIL


def test_sign_out_needs_csrf(upstream_http: responses.RequestsMock) -> None:
    browser = Client(enforce_csrf_checks=True)
    _accept(upstream_http)
    page = browser.get(SIGN_IN).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found
    data = {"email": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": found.group(1)}
    assert browser.post(SIGN_IN, data).status_code == 302
    assert browser.post(SIGN_OUT).status_code == 403
    assert browser.session[accounts.SESSION_KEY]["email"] == EMAIL


def test_sign_out_ends_the_session_and_drops_the_media_jwt(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    _signed_in(client, upstream_http)
    upstream_http.get(
        MEDIA_URL,
        body=json.dumps({"jwt": JWT}),
        content_type="application/json",
        match=[matchers.header_matcher({"Authorization": f"Bearer {ACCESS}"})],
    )
    session = client.session
    old_key = session.session_key
    assert old_key
    token = services.media_token_get(session=session, bearer=ACCESS)
    assert token.jwt == JWT
    media_key = services._media_key(session)
    assert cache.get(media_key) is not None

    sent: list[str | None] = []

    def receiver(sender: object, *, session: SessionStore, **kwargs: object) -> None:
        sent.append(session.session_key)

    accounts.signing_out.connect(receiver)
    try:
        response = client.post(SIGN_OUT)
    finally:
        accounts.signing_out.disconnect(receiver)

    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert sent == [old_key]
    assert cache.get(media_key) is None
    assert cache.get(services._media_key(SessionStore(session_key=old_key))) is None
    assert not SessionStore().exists(old_key)
    after = client.session
    assert after.session_key != old_key
    assert accounts.SESSION_KEY not in after
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != old_key

    # Signed out, My Invoices asks for a sign-in again.
    listed = client.get(LIST)
    assert listed.status_code == 302
    assert listed["Location"].startswith(SIGN_IN)

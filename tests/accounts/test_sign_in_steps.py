"""Sign-in beyond the password: a two-factor code as a second step, a forced password reset,
a busy upstream; and a refresh refused because another request of the session rotated first."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import pytest
import responses
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts import services as accounts
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from tests.helpers.upstream_data import ACCESS, EMAIL, NEW_ACCESS, NEW_REFRESH, PASSWORD, REFRESH
from upstream import endpoints

pytestmark = pytest.mark.django_db

TOKEN_URL = upstream_url(endpoints.TOKEN)
TOKENS = {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600}


@pytest.fixture
def mocked(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    return upstream_http


def _forms(mock: responses.RequestsMock) -> list[dict[str, list[str]]]:
    return [
        parse_qs(str(call.request.body))
        for call in mock.calls
        if str(call.request.url).endswith(endpoints.TOKEN)
    ]


def test_two_factor_is_a_second_step(client: Client, mocked: responses.RequestsMock) -> None:
    mocked.post(TOKEN_URL, status=400, json={"error": "two_factor_auth_check"})
    first = client.post("/en/sign-in?next=/en/invoices/1/", {"email": EMAIL, "password": PASSWORD})
    assert first.status_code == 302
    assert first["Location"] == "/en/sign-in/code?next=%2Fen%2Finvoices%2F1%2F"
    # The password waits in the cache for five minutes, never in the session's row.
    assert PASSWORD not in str(dict(client.session))
    asked = client.get(first["Location"])
    assert asked.status_code == 200
    assert EMAIL in asked.content.decode()

    mocked.replace(responses.POST, TOKEN_URL, status=400, json={"error": "two_factor_auth_check"})
    wrong = client.post(first["Location"], {"code": "111 111", "next": "/en/invoices/1/"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()

    mocked.replace(responses.POST, TOKEN_URL, json=TOKENS)
    done = client.post(first["Location"], {"code": "123456", "next": "/en/invoices/1/"})
    assert done.status_code == 302
    assert done["Location"] == "/en/invoices/1/"
    forms = _forms(mocked)
    assert forms[-1]["totp"] == ["123456"]
    assert forms[-1]["password"] == [PASSWORD]
    # One client_id for every step of the sign-in, kept for the refreshes.
    assert len({form["client_id"][0] for form in forms}) == 1
    assert client.session[accounts.SESSION_KEY]["client_id"] == forms[0]["client_id"][0]
    assert accounts.SESSION_PENDING not in client.session


def test_the_code_step_needs_a_waiting_sign_in(
    client: Client, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/en/sign-in/code")["Location"] == "/en/sign-in"
    mocked.post(TOKEN_URL, status=400, json={"error": "two_factor_auth_check"})
    client.post("/en/sign-in", {"email": EMAIL, "password": PASSWORD})
    later = time.time() + accounts.PENDING_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    late = client.post("/en/sign-in/code", {"code": "123456"})
    assert late["Location"] == "/en/sign-in"
    assert accounts.SESSION_PENDING not in client.session
    assert len(_forms(mocked)) == 1


def test_a_password_to_reset_is_a_clear_page(
    client: Client, mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "eyJhbGciOiJIUzI1NiJ9.eyJyZXNldCI6Mn0.cmVzZXQy"
    mocked.post(
        TOKEN_URL, status=400, json={"error": "must_reset_password", "error_description": secret}
    )
    page = client.post("/en/sign-in", {"email": EMAIL, "password": PASSWORD})
    assert page.status_code == 403
    assert "Your password must be reset" in page.content.decode()
    assert secret not in page.content.decode()
    assert secret not in caplog.text
    assert accounts.SESSION_KEY not in client.session


def test_a_password_to_reset_offers_the_reset_form_with_the_upstreams_token(
    client: Client, mocked: responses.RequestsMock
) -> None:
    """[docs] must_reset_password's description is a reset token: kept in the session, it
    opens the new-password form, and completePasswordReset is sent with it."""
    secret = "eyJhbGciOiJIUzI1NiJ9.eyJyZXNldCI6Mn0.cmVzZXQy"
    mocked.post(
        TOKEN_URL, status=400, json={"error": "must_reset_password", "error_description": secret}
    )
    page = client.post("/en/sign-in", {"email": EMAIL, "password": PASSWORD})
    assert 'href="/en/user/resetPassword"' in page.content.decode()
    form = client.get("/en/user/resetPassword")
    assert form.status_code == 200
    assert 'name="password_again"' in form.content.decode()
    assert secret not in form.content.decode()


def test_a_busy_upstream_at_sign_in(client: Client, mocked: responses.RequestsMock) -> None:
    mocked.post(TOKEN_URL, status=409, headers={"Retry-After": "20"}, json={})
    page = client.post("/en/sign-in", {"email": EMAIL, "password": PASSWORD})
    assert page.status_code == 429
    assert page["Retry-After"] == "20"
    assert "The billing system is busy" in page.content.decode()


def test_a_refresh_refused_after_another_request_rotated(
    upstream_http: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests of one session, each with its copy: the first rotated the refresh token and
    saved; the shared answer is gone (another process, long ago), so the second's refresh is
    refused upstream. It finds the newer tokens in the stored session and stays signed in."""
    stored = SessionStore()
    stored[accounts.SESSION_KEY] = {
        "email": EMAIL,
        "client_id": "portal-x",
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "expires_at": time.time() - 1,
    }
    stored.save()
    stale = SessionStore(session_key=stored.session_key)
    assert stale[accounts.SESSION_KEY]["refresh_token"] == REFRESH
    stored[accounts.SESSION_KEY] = stored[accounts.SESSION_KEY] | {
        "access_token": NEW_ACCESS,
        "refresh_token": NEW_REFRESH,
        "expires_at": time.time() + 3600,
    }
    stored.save()
    cache.clear()
    upstream_http.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    assert accounts.customer_bearer(session=stale) == NEW_ACCESS
    assert stale[accounts.SESSION_KEY]["refresh_token"] == NEW_REFRESH


def test_wrong_codes_count_as_failed_sign_ins(
    client: Client, mocked: responses.RequestsMock, settings: SettingsWrapper
) -> None:
    settings.SIGN_IN_MAX_FAILURES = 3
    mocked.post(TOKEN_URL, status=400, json={"error": "two_factor_auth_check"})
    client.post("/en/sign-in", {"email": EMAIL, "password": PASSWORD})
    statuses = [client.post("/en/sign-in/code", {"code": "111111"}).status_code for _ in range(4)]
    # The right password did not count; three wrong codes did, and the fourth is not asked.
    assert statuses == [400, 400, 400, 429]
    assert len(_forms(mocked)) == 4


def test_wrong_codes_from_many_addresses_reach_the_upstream_at_most_the_accounts_limit(
    mocked: responses.RequestsMock, settings: SettingsWrapper
) -> None:
    """Six addresses, five wrong codes each, for one account: the account's limit across
    addresses stops them (30 reached the upstream when codes counted per address)."""
    settings.SIGN_IN_SLOW_SECONDS = 0  # counted here, not slowed
    mocked.post(TOKEN_URL, status=400, json={"error": "two_factor_auth_check"})
    password_steps, code_steps = [], []
    for address in range(1, 7):
        client = Client(REMOTE_ADDR=f"198.51.100.{address}")
        step = client.post("/en/sign-in", {"email": EMAIL, "password": PASSWORD})
        password_steps.append(step.status_code)
        code_steps += [
            client.post("/en/sign-in/code", {"code": "111111"}).status_code for _ in "12345"
        ]
    codes = [form for form in _forms(mocked) if "totp" in form]
    assert len(codes) == settings.SIGN_IN_MAX_FAILURES_PER_ACCOUNT == 10
    # Two addresses' codes were asked; then the account refuses every address at once.
    assert password_steps == [302, 302, 429, 429, 429, 429]
    assert code_steps == [400] * 10 + [302] * 20  # no sign-in waiting: back to the first step

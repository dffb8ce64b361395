"""The client follows the [docs] rules of CONTRACT.md: Accept and X-Use-Timezone on every call,
throttling (409 with Retry-After, 429) read and waited out once when the page's deadline allows,
client_id on both grants, two-factor codes and forced resets as typed errors."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
import responses
from responses import matchers

import upstream
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints
from upstream.sending import retry_after_seconds

MY_URL = upstream_url(endpoints.INVOICES_MY)
TOKEN_URL = upstream_url(endpoints.TOKEN)
TOKENS = {"access_token": "a", "token_type": "bearer", "expires_in": 60, "refresh_token": "r"}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """time.sleep recorded, not slept: both clocks move on by as much instead (a throttled
    call waits in the shared budget, which reads them)."""
    slept: list[float] = []
    real_time, real_monotonic = time.time, time.monotonic
    monkeypatch.setattr(time, "sleep", slept.append)
    monkeypatch.setattr(time, "time", lambda: real_time() + sum(slept))
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + sum(slept))
    return slept


def _my() -> upstream.InvoicePage:
    return upstream.invoices_my(bearer="b")


def test_every_call_asks_for_json_in_local_time(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(MY_URL, json=upstream_data.invoice_page())
    upstream_http.post(TOKEN_URL, json=TOKENS)
    _my()
    upstream.token_by_password(username="e@example.com", password="p", client_id="c")
    for call in upstream_http.calls:
        assert call.request.headers["Accept"] == "application/json"
        assert call.request.headers["X-Use-Timezone"] == "true"


def test_a_throttled_get_waits_and_asks_once_more(
    upstream_http: responses.RequestsMock, sleeps: list[float]
) -> None:
    upstream_http.get(MY_URL, status=409, headers={"Retry-After": "1"}, json={})
    upstream_http.get(MY_URL, json=upstream_data.invoice_page())
    assert _my().records == ()
    # Waited in the budget, which the 409 closed for a second (and a little jitter).
    assert sleeps == [pytest.approx(1, abs=0.06)]
    assert len(upstream_http.calls) == 2


def test_throttled_twice_is_throttled(
    upstream_http: responses.RequestsMock, sleeps: list[float]
) -> None:
    upstream_http.get(MY_URL, status=409, headers={"Retry-After": "2"}, json={})
    with pytest.raises(upstream.Throttled) as raised:
        _my()
    assert raised.value.retry_after == 2
    assert len(upstream_http.calls) == 2
    # A kind of unavailable: every page that copes with an outage copes with it.
    assert isinstance(raised.value, upstream.UpstreamUnavailable)


def test_a_wait_past_the_pages_deadline_is_not_waited(
    upstream_http: responses.RequestsMock, sleeps: list[float]
) -> None:
    upstream_http.get(MY_URL, status=409, headers={"Retry-After": "45"}, json={})
    with upstream.upstream_bound(deadline=time.monotonic() + 3), pytest.raises(upstream.Throttled):
        _my()
    assert sleeps == []
    assert len(upstream_http.calls) == 1


def test_429_is_throttling_too(upstream_http: responses.RequestsMock, sleeps: list[float]) -> None:
    upstream_http.get(MY_URL, status=429)
    with pytest.raises(upstream.Throttled) as raised:
        _my()
    assert raised.value.retry_after == 1


def test_a_post_is_never_retried(
    upstream_http: responses.RequestsMock, sleeps: list[float]
) -> None:
    upstream_http.post(TOKEN_URL, status=409, headers={"Retry-After": "1"}, json={})
    with pytest.raises(upstream.Throttled):
        upstream.token_by_password(username="e@example.com", password="p", client_id="c")
    assert sleeps == []
    assert len(upstream_http.calls) == 1


def test_a_409_without_retry_after_is_a_conflict(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(upstream_url(endpoints.register_by_token(1)), status=409, json={})
    with pytest.raises(upstream.UnexpectedAnswer):
        upstream.register_by_token(invoice_id=1, token="g")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3), ("0", 1), ("99999999", 3600), ("soon", 1), (None, 1), ("  7 ", 7)],
)
def test_retry_after_values(header: str | None, seconds: int) -> None:
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_a_date() -> None:
    assert 8 <= retry_after_seconds(formatdate(time.time() + 10, usegmt=True)) <= 11


def test_both_grants_send_the_client_id(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(
        TOKEN_URL,
        json=TOKENS,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "password",
                    "username": "e@example.com",
                    "password": "p",
                    "client_id": "portal-1",
                    "totp": "123456",
                }
            )
        ],
    )
    upstream.token_by_password(
        username="e@example.com", password="p", client_id="portal-1", totp="123456"
    )
    upstream_http.post(
        TOKEN_URL,
        json=TOKENS,
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "r", "client_id": "portal-1"}
            )
        ],
    )
    assert upstream.token_by_refresh(refresh_token="r", client_id="portal-1").refresh_token == "r"


@pytest.mark.parametrize(
    ("error", "totp", "code_sent"),
    [
        ("two_factor_auth_check", None, False),
        ("two_factor_auth_check", "123456", True),
        ("invalid_grant", "123456", True),
    ],
)
def test_two_factor(
    upstream_http: responses.RequestsMock, error: str, totp: str | None, code_sent: bool
) -> None:
    upstream_http.post(TOKEN_URL, status=400, json={"error": error, "error_description": ""})
    with pytest.raises(upstream.SecondFactorRequired) as raised:
        upstream.token_by_password(username="e@example.com", password="p", client_id="c", totp=totp)
    assert raised.value.code_sent is code_sent


def test_must_reset_password_keeps_its_token_private(
    upstream_http: responses.RequestsMock,
) -> None:
    secret = "eyJhbGciOiJIUzI1NiJ9.eyJyZXNldCI6MX0.cmVzZXQ"
    upstream_http.post(
        TOKEN_URL, status=400, json={"error": "must_reset_password", "error_description": secret}
    )
    with pytest.raises(upstream.PasswordResetRequired) as raised:
        upstream.token_by_password(username="e@example.com", password="p", client_id="c")
    assert raised.value.reset_token == secret
    assert secret not in str(raised.value)
    assert secret not in repr(raised.value)
    assert secret not in str(raised.value.args)

"""The sandbox follows the real API's awkward rules ([docs] rows of CONTRACT.md): client_id on
refresh, refresh-token rotation, rate limits answered 409 with Retry-After, colours with a
bearer only, the whole list envelope, local times with X-Use-Timezone, two-factor codes and
forced password resets."""

from __future__ import annotations

import math
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pyotp
import pytest
import requests
from django.test import Client

from sandbox import conf, demo, grants
from sandbox.models import Customer
from sandbox.tokens import Audience, token_claims
from tests.helpers.clock import Clock
from tests.sandbox.conftest import API, INVOICES

TOKEN = f"{API}/token"
MY = f"{INVOICES}/my"


def _sign_in(client: Client, email: str = "demo@example.com", **extra: str) -> Any:
    form = {"grant_type": "password", "username": email, "password": "demo-password", **extra}
    return client.post(TOKEN, form)


def _refresh(client: Client, refresh_token: str, client_id: str | None) -> Any:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if client_id is not None:
        form["client_id"] = client_id
    return client.post(TOKEN, form)


def test_a_refresh_without_the_sign_ins_client_id_is_refused(
    client: Client, demo_customer: Customer
) -> None:
    tokens = _sign_in(client, client_id="browser-1").json()
    missing = _refresh(client, tokens["refresh_token"], None)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_client"
    other = _refresh(client, tokens["refresh_token"], "browser-2")
    assert other.status_code == 400
    assert other.json()["error"] == "invalid_grant"
    assert _refresh(client, tokens["refresh_token"], "browser-1").status_code == 200


def test_refresh_tokens_rotate(client: Client, demo_customer: Customer) -> None:
    first = _sign_in(client, client_id="browser-1").json()["refresh_token"]
    second = _refresh(client, first, "browser-1").json()["refresh_token"]
    assert second != first
    # The earlier one is dead; the new one works once, and so on.
    assert _refresh(client, first, "browser-1").json()["error"] == "invalid_grant"
    third = _refresh(client, second, "browser-1")
    assert third.status_code == 200
    assert _refresh(client, second, "browser-1").status_code == 400


def test_rotation_is_per_client_id(client: Client, demo_customer: Customer) -> None:
    one = _sign_in(client, client_id="browser-1").json()["refresh_token"]
    two = _sign_in(client, client_id="browser-2").json()["refresh_token"]
    assert _refresh(client, one, "browser-1").status_code == 200
    # Another browser's refresh token of the same customer lives on.
    assert _refresh(client, two, "browser-2").status_code == 200


def test_without_a_client_id_the_email_is_the_client_id(
    client: Client, demo_customer: Customer
) -> None:
    tokens = _sign_in(client).json()
    assert token_claims(token=tokens["refresh_token"], audience=Audience.REFRESH)["cid"] == (  # type: ignore[index]
        "demo@example.com"
    )
    assert _refresh(client, tokens["refresh_token"], "demo@example.com").status_code == 200


def test_two_refreshes_racing_with_one_token_one_wins(
    live_server: Any, transactional_db: None
) -> None:
    demo.demo_seed()
    url = f"{live_server.url}{TOKEN}"
    tokens = requests.post(
        url,
        data={
            "grant_type": "password",
            "username": "demo@example.com",
            "password": "demo-password",
            "client_id": "racing",
        },
        timeout=10,
    ).json()
    barrier, statuses = threading.Barrier(6), []

    def refresh() -> None:
        barrier.wait()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "racing",
        }
        statuses.append(requests.post(url, data=form, timeout=10).status_code)

    threads = [threading.Thread(target=refresh) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 400, 400, 400, 400, 400]


def test_a_json_body_is_an_unsupported_grant(client: Client, demo_customer: Customer) -> None:
    body = {"grant_type": "password", "username": "demo@example.com", "password": "x"}
    response = client.post(TOKEN, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_two_factor_demo_account(client: Client, demo_customer: Customer) -> None:
    asked = _sign_in(client, grants.DEMO_2FA_EMAIL)
    assert asked.status_code == 400
    assert asked.json()["error"] == "two_factor_auth_check"
    wrong = _sign_in(client, grants.DEMO_2FA_EMAIL, totp="000000")
    assert wrong.json()["error"] == "two_factor_auth_check"
    code = pyotp.TOTP(grants.DEMO_2FA_SECRET).now()
    assert _sign_in(client, grants.DEMO_2FA_EMAIL, totp=code).status_code == 200
    # The password is still checked first: a code does not stand in for it.
    refused = client.post(
        TOKEN,
        {
            "grant_type": "password",
            "username": grants.DEMO_2FA_EMAIL,
            "password": "x",
            "totp": code,
        },
    )
    assert refused.json()["error"] == "invalid_grant"


def test_a_two_factor_code_works_once_in_any_session(
    client: Client, demo_customer: Customer, clock: Clock
) -> None:
    """RFC 6238 5.2: a code accepted once is refused again, from this session or another,
    and so is an older one; the next time step's code works."""
    totp = pyotp.TOTP(grants.DEMO_2FA_SECRET)
    code = totp.at(clock.now)
    assert _sign_in(client, grants.DEMO_2FA_EMAIL, totp=code).status_code == 200
    again = _sign_in(Client(), grants.DEMO_2FA_EMAIL, totp=code)
    assert again.json()["error"] == "two_factor_auth_check"
    older = _sign_in(Client(), grants.DEMO_2FA_EMAIL, totp=totp.at(clock.now - totp.interval))
    assert older.json()["error"] == "two_factor_auth_check"
    clock.advance(totp.interval)
    fresh = _sign_in(Client(), grants.DEMO_2FA_EMAIL, totp=totp.at(clock.now))
    assert fresh.status_code == 200


def test_forced_reset_demo_account(client: Client, demo_customer: Customer) -> None:
    response = _sign_in(client, grants.DEMO_RESET_EMAIL)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "must_reset_password"
    claims = token_claims(token=body["error_description"], audience=Audience.PASSWORD_RESET)
    assert claims is not None
    assert claims["email"] == grants.DEMO_RESET_EMAIL


def test_colours_need_a_bearer(client: Client, demo_customer: Customer) -> None:
    colors = f"{API}/sys/businesses/{demo_customer.business_id}/colors"
    assert client.get(colors).status_code == 401
    access = _sign_in(client).json()["access_token"]
    answer = client.get(colors, headers={"Authorization": f"Bearer {access}"})
    assert answer.status_code == 200
    assert answer.json()["primaryColor"] == "#1f5f8b"


def test_the_list_envelope_has_every_documented_field(
    client: Client, demo_customer: Customer
) -> None:
    access = _sign_in(client).json()["access_token"]
    page = client.get(MY, {"page": 2, "size": 5}, headers={"Authorization": f"Bearer {access}"})
    body = page.json()
    assert set(body) >= {
        "Records",
        "CurrentPage",
        "CurrentPageSize",
        "CurrentOrderField",
        "CurrentSortDirection",
        "FirstItem",
        "LastItem",
        "TotalItems",
        "TotalPages",
        "HasNextPage",
        "HasPreviousPage",
    }
    assert (body["FirstItem"], body["LastItem"], body["TotalItems"]) == (6, 10, 12)


def test_x_use_timezone_gives_the_spaces_local_time(
    client: Client, demo_customer: Customer
) -> None:
    access = _sign_in(client).json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    invoice = demo_customer.invoices.first()
    assert invoice is not None
    url = f"{INVOICES}/{invoice.pk}"
    utc = client.get(url, headers=bearer).json()["CreatedOn"]
    local = client.get(url, headers=bearer | {"X-Use-Timezone": "true"}).json()["CreatedOn"]
    # Amsterdam is one or two hours ahead; both are written with a trailing Z (as Nexudus does).
    assert utc.endswith("Z")
    assert local.endswith("Z")
    assert utc != local
    local_time = invoice.created_on.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert local == local_time.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "RATE_LIMITS", ((60, 5),))
    monkeypatch.setattr(conf, "WRITE_RATE_LIMITS", ((60, 2),))


def test_past_the_rate_limit_is_409_with_retry_after(
    client: Client, business: Any, low_limits: None, clock: Clock
) -> None:
    # The clock stands still: seven calls never straddle two of the fixed one-minute windows.
    current = f"{API}/public/businesses/current"
    statuses = [client.get(current).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [409] * 2
    throttled = client.get(current)
    # Until the fixed window the clock stands in closes, whole seconds rounded up.
    assert int(throttled["Retry-After"]) == max(1, math.ceil(60 - clock.now % 60))
    # Another client (address) has its own count.
    assert client.get(current, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_writes_have_their_own_lower_limit(
    client: Client, demo_customer: Customer, low_limits: None
) -> None:
    statuses = [_sign_in(client).status_code for _ in range(3)]
    assert statuses == [200, 200, 409]


def test_the_limits_are_read_from_the_environment() -> None:
    assert conf.rate_limits("10/s,120/m,5000/h,200000/d") == (
        (1, 10),
        (60, 120),
        (3600, 5000),
        (86400, 200000),
    )
    assert conf.rate_limits("off") == ()
    with pytest.raises(Exception, match="N/s"):
        conf.rate_limits("10 a minute")

"""Sign-in limits: failures counted per account from one address, per account from all
addresses, and per address by the accounts it failed on, atomically; slowed, then stopped; a
lockout refuses without asking the upstream, and upstream trouble does not count."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import responses
from django.conf import settings
from django.db import connections
from django.test import Client, override_settings

from tests.helpers.clock import Clock
from tests.helpers.sign_in import REFUSED, asked_to_sign_in, password_grant, post_sign_in
from tests.helpers.upstream import upstream_url
from tests.helpers.upstream_data import EMAIL, PASSWORD
from upstream import endpoints

pytestmark = pytest.mark.django_db

SIGN_IN = "/en/sign-in"


def test_sign_in_is_rate_limited_per_email(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    refused = password_grant(upstream_http, EMAIL, "wrong", **REFUSED)
    accepted = password_grant(upstream_http)
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        assert post_sign_in(client, EMAIL, "wrong").status_code == 400
    assert refused.call_count == settings.SIGN_IN_MAX_FAILURES

    blocked = post_sign_in(client, EMAIL, "wrong")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    # Even the right password: the upstream is not asked any more.
    assert post_sign_in(client, EMAIL, PASSWORD).status_code == 429
    assert refused.call_count == settings.SIGN_IN_MAX_FAILURES
    assert accepted.call_count == 0
    assert asked_to_sign_in(client)

    # The same email from another client is not blocked by this client's failures.
    elsewhere = client.post(
        SIGN_IN, {"email": EMAIL, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert elsewhere.status_code == 302
    assert accepted.call_count == 1


def _wrong_everywhere(mock: responses.RequestsMock) -> responses.BaseResponse:
    """The token endpoint refusing every password (any email)."""
    return mock.add(responses.POST, upstream_url(endpoints.TOKEN), **REFUSED)


def test_an_office_behind_one_address_is_not_locked_out_by_its_members_typos(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    """Twenty members mistype their password once each, from the office's one address; the
    next member, with the right password, gets in (the per-address limit counted 20 failures
    from one address, whatever the account, and locked everyone out)."""
    accepted = password_grant(upstream_http, "member-21@example.com", PASSWORD)
    _wrong_everywhere(upstream_http)
    for number in range(1, 21):
        assert post_sign_in(client, f"member-{number}@example.com", "typo").status_code == 400
    assert post_sign_in(client, "member-21@example.com", PASSWORD).status_code == 302
    assert accepted.call_count == 1


@override_settings(SIGN_IN_MAX_ACCOUNTS_PER_CLIENT=6, SIGN_IN_SLOW_SECONDS=60)
def test_one_address_trying_many_accounts_is_slowed_then_stopped(
    upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    """Password spraying: from half the limit, one account a SIGN_IN_SLOW_SECONDS; at the
    limit, none, whatever the account, until the window closes."""
    refused = _wrong_everywhere(upstream_http)
    client = Client()
    for number in range(3):
        assert post_sign_in(client, f"a{number}@example.com", "guess").status_code == 400
    # Slowed: one more now, the next only after the wait.
    assert post_sign_in(client, "a3@example.com", "guess").status_code == 400
    assert post_sign_in(client, "a4@example.com", "guess").status_code == 429
    for number in (4, 5):
        clock.advance(60)
        assert post_sign_in(client, f"a{number}@example.com", "guess").status_code == 400
    clock.advance(60)
    # Stopped: six accounts failed from this address.
    assert post_sign_in(client, "a6@example.com", "guess").status_code == 429
    assert refused.call_count == 6
    # Another address is not this one.
    other = post_sign_in(Client(REMOTE_ADDR="203.0.113.9"), "a7@example.com", "guess")
    assert other.status_code == 400


@override_settings(SIGN_IN_MAX_FAILURES_PER_ACCOUNT=6, SIGN_IN_SLOW_SECONDS=60)
def test_many_addresses_trying_one_account_are_slowed_then_stopped(
    upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    """A new address for each guess (a botnet): the account's own count, across addresses,
    slows the guesses from half its limit and stops them at it."""
    refused = password_grant(upstream_http, EMAIL, "guess", **REFUSED)
    accepted = password_grant(upstream_http, EMAIL, PASSWORD)

    def guess(number: int, password: str = "guess") -> int:
        client = Client(REMOTE_ADDR=f"198.51.100.{number}")
        return post_sign_in(client, EMAIL, password).status_code

    assert [guess(number) for number in range(1, 5)] == [400, 400, 400, 400]
    assert guess(5) == 429  # slowed: the 4th used this window's one
    clock.advance(60)
    assert guess(6) == 400
    clock.advance(60)
    assert guess(7) == 400
    clock.advance(60)
    # Stopped at six, from any address, even with the right password.
    assert guess(8) == 429
    assert guess(9, PASSWORD) == 429
    assert refused.call_count == 6
    assert accepted.call_count == 0


@override_settings(SIGN_IN_MAX_FAILURES=2)
def test_upstream_trouble_and_lockouts_do_not_count(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    """A customer who follows "try again soon" is let in once the upstream is back."""
    down = upstream_http.post(upstream_url(endpoints.TOKEN), body=requests.ConnectionError())
    for _ in range(4):
        assert post_sign_in(client, EMAIL, PASSWORD).status_code == 503
    assert down.call_count == 4
    upstream_http.remove(down)
    password_grant(upstream_http, EMAIL, PASSWORD)
    assert post_sign_in(client, EMAIL, PASSWORD).status_code == 302


@override_settings(SIGN_IN_MAX_FAILURES=3, BEHIND_PROXY=True)
def test_behind_a_proxy_each_forwarded_client_is_counted_apart(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    password_grant(upstream_http, EMAIL, "wrong", **REFUSED)
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
    refused = password_grant(upstream_http, EMAIL, "wrong", **REFUSED)
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

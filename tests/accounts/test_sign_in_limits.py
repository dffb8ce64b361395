"""Sign-in limits: failures counted per client and email and per client alone, atomically;
a lockout refuses without asking the upstream, and upstream trouble does not count."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import responses
from django.conf import settings
from django.db import connections
from django.test import Client, override_settings

from tests.helpers.sign_in import REFUSED, asked_to_sign_in, password_grant, post_sign_in
from tests.helpers.upstream import api_calls, upstream_url
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


@override_settings(SIGN_IN_MAX_FAILURES=3, SIGN_IN_MAX_FAILURES_PER_CLIENT=5)
def test_sign_in_is_rate_limited_per_client(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    first = password_grant(upstream_http, EMAIL, "wrong", **REFUSED)
    other = password_grant(upstream_http, "other@example.com", "wrong", **REFUSED)
    accepted = password_grant(upstream_http, "third@example.com", PASSWORD)
    for _ in range(3):
        assert post_sign_in(client, EMAIL, "wrong").status_code == 400
    assert post_sign_in(client, EMAIL, "wrong").status_code == 429
    assert first.call_count == 3

    # Another email from the same client still gets through, until the per-client limit;
    # the refused (429) attempt did not count.
    for _ in range(2):
        assert post_sign_in(client, "other@example.com", "wrong").status_code == 400
    assert other.call_count == 2
    assert post_sign_in(client, "other@example.com", "wrong").status_code == 429
    assert post_sign_in(client, "third@example.com", PASSWORD).status_code == 429
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

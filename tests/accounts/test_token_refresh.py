"""The refresh grant: an access token about to expire is replaced before a page's upstream call,
once per refresh token; a dead refresh token signs the customer out. The clock moves on; the
tokens are those the mocked token endpoint hands out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from accounts import services as accounts
from tests.helpers import upstream_data
from tests.helpers.clock import Clock
from tests.helpers.invoices import LIST, mock_my_invoices
from tests.helpers.sign_in import (
    REFUSED,
    asked_to_sign_in,
    refresh_grant,
    sign_in,
    signed_in,
    tokens,
)
from tests.helpers.upstream import api_calls, calls_to
from tests.helpers.upstream_data import NEW_ACCESS, NEW_REFRESH, REFRESH, SECRETS
from upstream import endpoints

pytestmark = pytest.mark.django_db

INVOICES = [upstream_data.invoice_detail(42)]
# The refresh happens this long before the access token's expiry.
MARGIN = accounts.REFRESH_MARGIN_SECONDS


def test_a_fresh_access_token_needs_no_upstream_call(
    client: Client, upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    sign_in(client, upstream_http, expires_in=3600)
    listed = mock_my_invoices(upstream_http, INVOICES)
    # Just outside the refresh margin: still fresh.
    clock.advance(3600 - MARGIN - 1)
    assert client.get(LIST).status_code == 200
    assert listed.call_count == 1
    # The sign-in's password grant, and no other token call.
    assert calls_to(upstream_http, "POST", endpoints.TOKEN) == 1


def test_an_expiring_access_token_is_refreshed(
    client: Client, upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    sign_in(client, upstream_http, expires_in=3600)
    refresh = refresh_grant(upstream_http, json=tokens(NEW_ACCESS, NEW_REFRESH, 1800))
    listed = mock_my_invoices(upstream_http, INVOICES, token=NEW_ACCESS)
    clock.advance(3600 - MARGIN + 1)

    assert client.get(LIST).status_code == 200
    assert refresh.call_count == 1
    body = refresh.calls[0].request.body
    assert isinstance(body, str)
    # [docs] the refresh names the client_id the sign-in used.
    sign_in_form = parse_qs(str(upstream_http.calls[0].request.body))
    assert sign_in_form["grant_type"] == ["password"]
    assert parse_qs(body) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [REFRESH],
        "client_id": sign_in_form["client_id"],
    }
    assert listed.call_count == 1
    assert signed_in(client)

    # The new token lives its own 1800 s: no second refresh until its margin...
    clock.advance(1800 - MARGIN - 1)
    assert client.get(LIST).status_code == 200
    assert listed.call_count == 2
    assert refresh.call_count == 1
    # ...and then a refresh with the refresh token that came with it.
    again = refresh_grant(upstream_http, NEW_REFRESH, json=tokens("access-3", "refresh-3"))
    third = mock_my_invoices(upstream_http, INVOICES, token="access-3")
    clock.advance(2)
    assert client.get(LIST).status_code == 200
    assert again.call_count == 1
    assert third.call_count == 1
    assert refresh.call_count == 1


def test_a_dead_refresh_token_signs_the_customer_out(
    client: Client, upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    sign_in(client, upstream_http, expires_in=60)
    refresh = refresh_grant(upstream_http, **REFUSED)
    clock.advance(61)
    response = client.get(LIST)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/en/sign-in"
    assert refresh.call_count == 1
    # Signed out: the next visit asks the upstream nothing.
    calls = len(api_calls(upstream_http))
    assert asked_to_sign_in(client)
    assert len(api_calls(upstream_http)) == calls


def test_no_customer_is_signed_out(upstream_http: responses.RequestsMock) -> None:
    with pytest.raises(accounts.SignedOut):
        accounts.customer_bearer(session=SessionStore())
    assert len(api_calls(upstream_http)) == 0


def test_the_refreshed_tokens_are_kept_in_the_session(
    client: Client, upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    sign_in(client, upstream_http)
    refresh = refresh_grant(upstream_http)
    listed = mock_my_invoices(upstream_http, INVOICES, token=NEW_ACCESS)
    clock.advance(3600)

    response = client.get(LIST)
    assert response.status_code == 200
    assert refresh.call_count == 1
    assert listed.call_count == 1
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body
    # Kept: the next page sends the new access token without refreshing again, and the
    # refresh after it uses the new refresh token.
    assert client.get(LIST).status_code == 200
    assert listed.call_count == 2
    again = refresh_grant(upstream_http, NEW_REFRESH)
    clock.advance(3600)
    assert client.get(LIST).status_code == 200
    assert again.call_count == 1
    assert refresh.call_count == 1

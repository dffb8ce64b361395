"""My Invoices is for signed-in customers: signed out, every page asks for a sign-in and the
links poll stops; a refused bearer or a dead refresh token signs the customer out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.cache import cache
from django.test import Client

from tests.helpers.clock import Clock
from tests.helpers.html import assert_private
from tests.helpers.invoices import (
    HX,
    JWT,
    LINKS,
    LIST,
    MEDIA_URL,
    MY_URL,
    SIGNED_OUT_TEXT,
    STATEMENT,
    mock_invoice,
    mock_media,
    mock_my_invoices,
    poll_links,
    preview,
)
from tests.helpers.sign_in import REFUSED, asked_to_sign_in, refresh_grant
from tests.helpers.upstream import api_calls

pytestmark = pytest.mark.django_db

SIGN_IN = "/en/sign-in"
SIGN_OUT = "/en/sign-out"


def test_signed_out_list_redirects_to_sign_in(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == "/en/sign-in?next=%2Fen%2Finvoices%2F"
    assert len(api_calls(upstream_http)) == 0


@pytest.mark.parametrize("path", ["/en/invoices/42/", "/en/invoices/42/pdf", STATEMENT])
def test_signed_out_pages_redirect_to_sign_in(
    client: Client, upstream_http: responses.RequestsMock, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == SIGN_IN
    assert parse_qs(urlsplit(response["Location"]).query) == {"next": [path]}
    assert len(api_calls(upstream_http)) == 0


@pytest.mark.parametrize("path", [LIST, "/en/invoices/42/", "/en/invoices/42/pdf"])
def test_a_refused_bearer_signs_the_customer_out(
    customer: Client, mocked: responses.RequestsMock, path: str
) -> None:
    refused: dict[str, Any] = {"status": 401, "json": {"error": "invalid_token"}}
    mocked.add(responses.GET, MY_URL, **refused)
    mocked.add(responses.GET, MEDIA_URL, **refused)
    mock_invoice(mocked, 42, **refused)
    response = customer.get(path)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == SIGN_IN
    assert parse_qs(location.query) == {"next": [path]}
    # Signed out for good: the next visit redirects without asking the upstream.
    calls = len(api_calls(mocked))
    assert asked_to_sign_in(customer)
    assert len(api_calls(mocked)) == calls


def test_fragment_signed_out_stops_the_poll(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    response = client.get(LINKS, {"ids": "1,2", "statement": "1", "next": LIST}, headers=HX)
    assert response.status_code == 286
    html = response.content.decode()
    assert SIGNED_OUT_TEXT in html
    assert re.search(r'href="/en/sign-in\?next=(/|%2F)en(/|%2F)invoices(/|%2F)"', html)
    assert "data-refresh-in" not in html
    assert "pdf-link-" not in html
    assert len(api_calls(upstream_http)) == 0
    assert_private(response)


def test_fragment_after_sign_out_stops_the_poll(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(1)])
    media = mock_media(mocked)
    assert customer.get(LIST).status_code == 200
    assert poll_links(customer, [1]).status_code == 200
    assert customer.post(SIGN_OUT).status_code == 302
    calls = len(api_calls(mocked))

    response = poll_links(customer, [1])
    assert response.status_code == 286
    assert SIGNED_OUT_TEXT in response.content.decode()
    assert JWT not in response.content.decode()
    assert len(api_calls(mocked)) == calls
    assert media.call_count == 1


def test_fragment_with_a_dead_refresh_token_stops_the_poll(
    customer: Client, mocked: responses.RequestsMock, clock: Clock
) -> None:
    refresh = refresh_grant(mocked, **REFUSED)
    media = mock_media(mocked)
    clock.advance(3600)
    response = poll_links(customer, [1])
    assert response.status_code == 286
    assert SIGNED_OUT_TEXT in response.content.decode()
    assert refresh.call_count == 1
    assert media.call_count == 0
    # Signed out for good, also once the refusal shared by racing requests has left the
    # cache: My Invoices asks for a sign-in, and the upstream hears nothing more.
    cache.clear()
    calls = len(api_calls(mocked))
    assert asked_to_sign_in(customer)
    assert len(api_calls(mocked)) == calls

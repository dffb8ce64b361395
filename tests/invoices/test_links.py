"""The links fragment that the HTMX poll swaps in: direct PDF links carrying a media JWT,
one JWT per session reused for 50 s, and what it does when no JWT can be minted."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
import requests
import responses
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.helpers.clock import Clock
from tests.helpers.html import Page, assert_private
from tests.helpers.invoices import (
    HX,
    JWT,
    JWT_2,
    LINKS,
    LIST,
    MEDIA_URL,
    STATEMENT,
    direct_link,
    mock_media,
    mock_my_invoices,
    pdf_anchor_ids,
    poll_links,
    preview,
    refresh_in,
    statement_link,
)
from tests.helpers.sign_in import password_grant, sign_in, signed_in, tokens

pytestmark = pytest.mark.django_db


def test_fragment_links(customer: Client, mocked: responses.RequestsMock, clock: Clock) -> None:
    mock_my_invoices(mocked, [preview(1), preview(2)])
    media = mock_media(mocked)
    assert customer.get(LIST).status_code == 200

    response = poll_links(customer, [1, 2, 999])
    assert response.status_code == 200
    assert_private(response)
    assert refresh_in(response) == 50
    page = Page(response)
    for invoice_id in (1, 2):
        anchor = page.by_id[f"pdf-link-{invoice_id}"]
        assert anchor["tag"] == "a"
        assert anchor["hx-swap-oob"] == "true"
        assert anchor["href"] == direct_link(invoice_id, JWT)
    # Never listed in this session: left out.
    assert pdf_anchor_ids(page) == {"pdf-link-1", "pdf-link-2"}
    statement = page.by_id["statement-link"]
    assert statement["href"] == statement_link(JWT)
    assert statement["hx-swap-oob"] == "true"
    html = response.content.decode()
    assert 'id="pdf-link-1"' in html
    assert 'hx-swap-oob="true"' in html
    assert f"t={JWT}" in html

    clock.advance(20)
    later = poll_links(customer, [1, 2])
    assert refresh_in(later) == 30
    assert Page(later).by_id["pdf-link-1"]["href"] == direct_link(1, JWT)
    assert media.call_count == 1


def test_fragment_without_statement_has_no_statement_link(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(1)])
    mock_media(mocked)
    assert customer.get(LIST).status_code == 200
    response = poll_links(customer, [1], statement=False)
    assert response.status_code == 200
    assert "statement-link" not in Page(response).by_id
    assert "pdf-link-1" in Page(response).by_id


def test_fragment_is_compressed_for_browsers_that_accept_gzip(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(invoice_id) for invoice_id in range(1, 13)])
    mock_media(mocked)
    assert customer.get(LIST).status_code == 200
    query = {"ids": ",".join(str(i) for i in range(1, 13)), "statement": "1"}
    plain = customer.get(LINKS, query, headers=HX)
    packed = customer.get(LINKS, query, headers={**HX, "Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    # A dozen links share one JWT: the refresh is a fraction of its size on the wire.
    assert len(packed.content) < 1024 < len(plain.content)
    assert_private(packed)


@pytest.mark.parametrize("ids", ["abc", "1,,x,²", "-1", "9" * 50, ",".join(["1"] * 500)])
def test_fragment_junk_ids(customer: Client, mocked: responses.RequestsMock, ids: str) -> None:
    mock_my_invoices(mocked, [preview(1)])
    mock_media(mocked)
    assert customer.get(LIST).status_code == 200
    response = customer.get(LINKS, {"ids": ids}, headers=HX)
    assert response.status_code == 200
    assert pdf_anchor_ids(Page(response)) <= {"pdf-link-1"}


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError("connection refused")},
        {"status": 503, "json": {"error": "down"}},
        {"status": 200, "body": "{not json", "content_type": "application/json"},
        {"status": 200, "json": {"nojwt": True}},
    ],
)
def test_fragment_when_the_media_jwt_cannot_be_minted(
    customer: Client, mocked: responses.RequestsMock, answer: dict[str, Any]
) -> None:
    mock_my_invoices(mocked, [preview(1)])
    assert customer.get(LIST).status_code == 200
    mocked.add(responses.GET, MEDIA_URL, **answer)
    response = poll_links(customer, [1])
    assert response.status_code == 200
    assert refresh_in(response) == 10
    assert "pdf-link-" not in response.content.decode()
    assert "statement-link" not in response.content.decode()
    assert_private(response)
    # Nothing was cached and the customer is still signed in: the next poll asks again.
    assert signed_in(customer)
    mocked.replace(responses.GET, MEDIA_URL, json={"jwt": JWT})
    retried = poll_links(customer, [1])
    assert retried.status_code == 200
    assert refresh_in(retried) == 50
    assert Page(retried).by_id["pdf-link-1"]["href"] == direct_link(1, JWT)


def test_forty_rows_cost_one_media_call_per_fifty_seconds(
    client: Client,
    mocked: responses.RequestsMock,
    settings: SettingsWrapper,
    clock: Clock,
) -> None:
    settings.INVOICES_PAGE_SIZE = 50
    ids = list(range(1, 41))
    sign_in(client, mocked)
    mock_my_invoices(mocked, [preview(i) for i in ids], params={"page": "1", "size": "50"})
    media = mock_media(mocked, JWT, JWT_2)

    listed = client.get(LIST)
    assert listed.status_code == 200
    assert len(pdf_anchor_ids(Page(listed))) == 40

    fragment = poll_links(client, ids)
    assert fragment.status_code == 200
    page = Page(fragment)
    assert pdf_anchor_ids(page) == {f"pdf-link-{i}" for i in ids}
    assert all(page.by_id[f"pdf-link-{i}"]["href"] == direct_link(i, JWT) for i in ids)
    assert page.by_id["statement-link"]["href"] == statement_link(JWT)

    clock.advance(10)
    for invoice_id in ids:
        response = client.get(f"/en/invoices/{invoice_id}/pdf")
        assert response.status_code == 302
        assert response["Location"] == direct_link(invoice_id, JWT)
    clock.advance(39)  # 49 s after minting: still the same JWT
    statement = client.get(STATEMENT)
    assert statement["Location"] == statement_link(JWT)
    assert media.call_count == 1

    clock.advance(2)  # 51 s
    later = poll_links(client, ids)
    assert later.status_code == 200
    assert media.call_count == 2
    again = Page(later)
    assert again.by_id["pdf-link-40"]["href"] == direct_link(40, JWT_2)
    assert again.by_id["statement-link"]["href"] == statement_link(JWT_2)
    assert refresh_in(later) == settings.MEDIA_JWT_REUSE_SECONDS
    # And then served from the cache again.
    assert poll_links(client, ids).status_code == 200
    assert media.call_count == 2


def test_each_session_has_its_own_media_jwt(client: Client, mocked: responses.RequestsMock) -> None:
    other = Client()
    sign_in(client, mocked)
    sign_in(other, mocked)
    media = mock_media(mocked, JWT, JWT_2)
    first = poll_links(client, [], statement=True)
    second = poll_links(other, [], statement=True)
    assert media.call_count == 2
    assert Page(first).by_id["statement-link"]["href"] == statement_link(JWT)
    assert Page(second).by_id["statement-link"]["href"] == statement_link(JWT_2)


def test_a_second_customer_in_the_same_browser_gets_nothing_of_the_first(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    """Signing in again without signing out: the first customer's invoices stay theirs."""
    mock_my_invoices(mocked, [preview(1, InvoiceNumber="FIRST-CUSTOMER-0001")])
    assert customer.get(LIST).status_code == 200
    password_grant(
        mocked, "other@example.com", "pw-other", json=tokens("access-other", "refresh-other")
    )
    sign_in(customer, email="other@example.com", password="pw-other")
    # The media JWT is asked with the second customer's bearer, never the first's.
    media = mock_media(mocked, token="access-other")

    response = poll_links(customer, [1])
    assert response.status_code == 200
    assert "FIRST-CUSTOMER-0001" not in response.content.decode()
    assert "pdf-link-1" not in Page(response).by_id
    assert media.call_count == 1

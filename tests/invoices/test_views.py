"""My Invoices with a signed-in session and the upstream mocked (responses): the list, one
invoice, PDF redirects, the links fragment the HTMX poll re-renders, and the media JWT cache."""

from __future__ import annotations

import gzip
import json
import logging
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper
from responses import matchers

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

LIST = "/en/invoices/"
LINKS = "/en/invoices/links"
STATEMENT = "/en/invoices/statement/pdf"
SIGN_IN = "/en/sign-in"
SIGN_OUT = "/en/sign-out"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJtZWRpYSI6MX0.Zmlyc3Q"
JWT_2 = "eyJhbGciOiJIUzI1NiJ9.eyJtZWRpYSI6Mn0.c2Vjb25k"
TOKEN_URL = upstream_url(endpoints.TOKEN)
MY_URL = upstream_url(endpoints.INVOICES_MY)
MEDIA_URL = upstream_url(endpoints.MEDIA_TOKEN)
BUSINESS_URL = upstream_url(endpoints.BUSINESS_CURRENT)
HX = {"HX-Request": "true"}
SIGNED_OUT_TEXT = "Your session has ended."


# Fixtures -----------------------------------------------------------------------------------


class Clock:
    """time.time for everything that reads it: the services, the customers, the locmem cache."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper) -> Iterator[Clock]:
    controlled = Clock(time.time())
    monkeypatch.setattr(time, "time", controlled)
    # Only a cache in this process expires by this clock; Redis keeps its own time. Its store
    # outlives the test, so it is emptied on both sides.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clock"}
    }
    cache.clear()
    yield controlled
    cache.clear()


@pytest.fixture
def mocked(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    """The upstream with its business registered (statement links are built from it)."""
    upstream_http.add(responses.GET, BUSINESS_URL, json=upstream_data.business())
    return upstream_http


@pytest.fixture
def customer(client: Client, mocked: responses.RequestsMock) -> Client:
    """A client signed in through the real sign-in view."""
    _sign_in(client, mocked)
    return client


# Helpers ------------------------------------------------------------------------------------


def _sign_in(client: Client, mock: responses.RequestsMock) -> None:
    grant = {"grant_type": "password", "username": EMAIL, "password": PASSWORD}
    mock.add(
        responses.POST,
        TOKEN_URL,
        json={"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600},
        match=[matchers.urlencoded_params_matcher(grant)],
    )
    response = client.post(SIGN_IN, {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert client.session[accounts.SESSION_KEY]["access_token"] == ACCESS


def _preview(invoice_id: int, **changes: Any) -> dict[str, Any]:
    data = upstream_data.invoice_detail(invoice_id, **changes)
    for key in ("BillToName", "BillToEmail", "Lines", "SubTotalFormated", "TaxFormated"):
        del data[key]
    return data


def _page(
    records: list[dict[str, Any]],
    *,
    page: int = 1,
    has_next: bool = False,
    has_previous: bool = False,
) -> dict[str, Any]:
    return {
        "Records": records,
        "CurrentPage": page,
        "CurrentPageSize": settings.INVOICES_PAGE_SIZE,
        "TotalItems": len(records),
        "TotalPages": page + 1 if has_next else page,
        "HasNextPage": has_next,
        "HasPreviousPage": has_previous,
    }


def _bearer(token: str = ACCESS) -> Any:
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def _my(
    mock: responses.RequestsMock,
    records: list[dict[str, Any]],
    *,
    params: dict[str, str] | None = None,
    **paging: Any,
) -> responses.BaseResponse:
    match = [_bearer()]
    if params is not None:
        match.append(matchers.query_param_matcher(params))
    return mock.add(responses.GET, MY_URL, json=_page(records, **paging), match=match)


def _media(mock: responses.RequestsMock, *jwts: str) -> responses.BaseResponse:
    """The media endpoint, answering `jwts` in turn (the last one again once they run out)."""
    queue = list(jwts or (JWT,))

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        jwt = queue.pop(0) if len(queue) > 1 else queue[0]
        return 200, {}, json.dumps({"jwt": jwt})

    return mock.add_callback(
        responses.GET,
        MEDIA_URL,
        callback=answer,
        content_type="application/json",
        match=[_bearer()],
    )


def _detail(mock: responses.RequestsMock, invoice_id: int, **answer: Any) -> responses.BaseResponse:
    answer = answer or {"json": upstream_data.invoice_detail(invoice_id)}
    url = upstream_url(endpoints.invoice(invoice_id))
    return mock.add(responses.GET, url, match=[_bearer()], **answer)


def _direct(invoice_id: int, jwt: str) -> str:
    return (
        f"{settings.PDF_LINK_SCHEME}://spaces.example.com{settings.UPSTREAM_PUBLIC_BASE_URL}"
        f"/api/public/billing/invoices/{invoice_id}/pdf?t={jwt}"
    )


def _statement(jwt: str) -> str:
    return (
        f"{settings.PDF_LINK_SCHEME}://spaces.example.com{settings.UPSTREAM_PUBLIC_BASE_URL}"
        f"/api/public/billing/invoices/statements/pdf?t={jwt}"
    )


def _fragment(client: Client, ids: list[int], statement: bool = True) -> Response:
    query: dict[str, str] = {"ids": ",".join(str(i) for i in ids)}
    if statement:
        query["statement"] = "1"
    return client.get(LINKS, query, headers=HX)


class _Elements(HTMLParser):
    """The attributes of every element with an id, and of the links poller."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.pollers: list[dict[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id[str(attributes["id"])] = {"tag": tag, **attributes}
        if "data-media-links" in attributes:
            self.pollers.append(attributes)


def _elements(response: Response) -> _Elements:
    return _Elements(response.content.decode())


def _pdf_anchor_ids(elements: _Elements) -> set[str]:
    return {key for key in elements.by_id if key.startswith("pdf-link-")}


def _refresh_in(response: Response) -> int:
    found = re.search(r'data-refresh-in="(\d+)"', response.content.decode())
    assert found, response.content
    return int(found.group(1))


def _assert_private(response: Response) -> None:
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def _assert_no_secrets(client: Client, responses_seen: list[Response]) -> None:
    for response in responses_seen:
        body = response.content.decode()
        cookies = [m.value for m in [*response.cookies.values(), *client.cookies.values()]]
        for secret in SECRETS:
            assert secret not in body, (secret, response.request)
            assert secret not in response.get("Location", "")
            for value in cookies:
                assert secret not in value


# Signed out ---------------------------------------------------------------------------------


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


# The list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("show", "filters"),
    [
        ("unpaid", {"paid": "false", "creditNotes": "false"}),
        ("paid", {"paid": "true", "creditNotes": "false"}),
        ("credit-notes", {"creditNotes": "true"}),
        ("all", {}),
        ("junk", {}),
        ("", {}),
        (None, {}),
    ],
)
def test_list_filters(
    customer: Client,
    mocked: responses.RequestsMock,
    show: str | None,
    filters: dict[str, str],
) -> None:
    params = {"page": "1", "size": str(settings.INVOICES_PAGE_SIZE), **filters}
    mine = _my(mocked, [_preview(1)], params=params)
    response = customer.get(LIST, {"show": show} if show is not None else {})
    assert response.status_code == 200
    assert mine.call_count == 1
    request = mine.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {ACCESS}"


@pytest.mark.parametrize("size", [10, 50])
def test_list_asks_for_the_configured_page_size(
    customer: Client, mocked: responses.RequestsMock, settings: SettingsWrapper, size: int
) -> None:
    settings.INVOICES_PAGE_SIZE = size
    mine = _my(mocked, [_preview(1)], params={"page": "1", "size": str(size)})
    assert customer.get(LIST).status_code == 200
    assert mine.call_count == 1


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        ("abc", "1"),
        ("0", "1"),
        ("-1", "1"),
        ("²", "1"),
        ("٣", "1"),
        ("1" * 50, "1"),
        ("", "1"),
        ("1.5", "1"),
        ("2", "2"),
        ("12345", "12345"),
    ],
)
def test_list_paging_values(
    customer: Client, mocked: responses.RequestsMock, raw: str, page: str
) -> None:
    size = str(settings.INVOICES_PAGE_SIZE)
    params = {"page": page, "size": size, "paid": "true", "creditNotes": "false"}
    mine = _my(mocked, [_preview(1)], params=params)
    response = customer.get(LIST, {"page": raw, "show": "paid"})
    assert response.status_code == 200
    assert mine.call_count == 1


def test_list_rows(customer: Client, mocked: responses.RequestsMock) -> None:
    _my(
        mocked,
        [
            _preview(1, TotalFormated="€10.00"),
            _preview(
                2,
                Paid=False,
                PaidOn=None,
                TotalFormated="€20.50",
                DueAmount=20.5,
                DueDate="2099-12-05T10:00:00Z",
            ),
            _preview(3, CreditNote=True, TotalFormated="-€5.00"),
        ],
    )
    response = customer.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], flags=re.DOTALL)
    assert len(rows) == 3
    paid, unpaid, credit = rows
    assert "INV-2026-00001" in paid
    assert "€10.00" in paid
    assert '<span class="badge badge-paid">Paid</span>' in paid
    assert "INV-2026-00002" in unpaid
    assert "€20.50" in unpaid
    assert '<span class="badge badge-unpaid">Unpaid</span>' in unpaid
    assert "Dec 5, 2099" in unpaid  # the due date, for what is still to pay
    assert "Dec 5, 2099" not in paid
    assert "INV-2026-00003" in credit
    assert "-€5.00" in credit
    assert '<span class="badge badge-credit">Credit note</span>' in credit
    assert "badge-paid" not in credit

    elements = _elements(response)
    for invoice_id in (1, 2, 3):
        anchor = elements.by_id[f"pdf-link-{invoice_id}"]
        # Without JavaScript the link still works: a portal URL that mints a JWT.
        assert anchor["href"] == f"/en/invoices/{invoice_id}/pdf"
        assert "hx-swap-oob" not in anchor
    assert elements.by_id["statement-link"]["href"] == STATEMENT
    assert "?t=" not in html

    assert len(elements.pollers) == 1
    poll = elements.pollers[0]["hx-get"]
    assert poll
    assert urlsplit(poll).path == LINKS
    query = parse_qs(urlsplit(poll).query)
    assert query["ids"] == ["1,2,3"]
    assert query["statement"] == ["1"]
    _assert_private(response)


@pytest.mark.parametrize(
    ("has_previous", "has_next"),
    [(False, False), (True, False), (False, True), (True, True)],
)
def test_list_paging_links(
    customer: Client, mocked: responses.RequestsMock, has_previous: bool, has_next: bool
) -> None:
    _my(mocked, [_preview(1)], page=3, has_next=has_next, has_previous=has_previous)
    html = customer.get(LIST, {"page": "3", "show": "unpaid"}).content.decode()
    assert ('rel="prev" href="?show=unpaid&amp;page=2"' in html) is has_previous
    assert ('rel="next" href="?show=unpaid&amp;page=4"' in html) is has_next


def test_empty_list(customer: Client, mocked: responses.RequestsMock) -> None:
    _my(mocked, [])
    response = customer.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No invoices here." in html
    assert "pdf-link-" not in html


# One invoice --------------------------------------------------------------------------------


def test_detail_reuses_the_invoice_summary(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    detail = _detail(mocked, 42)
    response = customer.get("/en/invoices/42/")
    assert response.status_code == 200
    assert detail.call_count == 1
    assert "components/invoice_summary.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'class="invoice-summary"' in html
    assert "Invoice INV-2026-00042" in html
    for text in ("Hot desk day pass", "Meeting room, 2 hours", "€75.00", "€60.00"):
        assert text in html
    for total in ("€135.00", "€28.35", "€163.35"):
        assert total in html
    elements = _elements(response)
    assert elements.by_id["pdf-link-42"]["href"] == "/en/invoices/42/pdf"
    assert len(elements.pollers) == 1
    poll = elements.pollers[0]["hx-get"]
    assert poll
    assert parse_qs(urlsplit(poll).query)["ids"] == ["42"]
    _assert_private(response)


def test_detail_of_someone_elses_invoice_is_not_found(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    detail = _detail(mocked, 43, status=404, json={"error": "not found"})
    response = customer.get("/en/invoices/43/")
    assert response.status_code == 404
    assert detail.call_count == 1
    assert "We could not find this invoice" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/en/invoices/123456789012345/",
        "/en/invoices/123456789012345/pdf",
        "/en/invoices/-1/",
        "/en/invoices/abc/",
        "/en/invoices/²/",
    ],
)
def test_impossible_invoice_ids_are_not_found(
    customer: Client, mocked: responses.RequestsMock, path: str
) -> None:
    calls = len(api_calls(mocked))
    response = customer.get(path)
    assert response.status_code == 404
    assert len(api_calls(mocked)) == calls


# PDF redirects ------------------------------------------------------------------------------


def test_pdf_of_a_listed_invoice_redirects_with_a_media_jwt(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    _my(mocked, [_preview(7)])
    media = _media(mocked)
    detail = _detail(mocked, 7)
    assert customer.get(LIST).status_code == 200

    response = customer.get("/en/invoices/7/pdf")
    assert response.status_code == 302
    assert response["Location"] == _direct(7, JWT)
    assert detail.call_count == 0
    assert media.call_count == 1
    _assert_private(response)


def test_pdf_of_an_unlisted_invoice_asks_for_it_first(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    _media(mocked)
    detail = _detail(mocked, 8)
    response = customer.get("/en/invoices/8/pdf")
    assert response.status_code == 302
    assert response["Location"] == _direct(8, JWT)
    assert detail.call_count == 1
    # Listed now: the next redirect needs no detail call.
    assert customer.get("/en/invoices/8/pdf")["Location"] == _direct(8, JWT)
    assert detail.call_count == 1


def test_pdf_of_someone_elses_invoice_is_not_found(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    _media(mocked)
    detail = _detail(mocked, 9, status=404, json={"error": "not found"})
    response = customer.get("/en/invoices/9/pdf")
    assert response.status_code == 404
    assert detail.call_count == 1
    assert "We could not find this invoice" in response.content.decode()
    assert "Location" not in response


def test_pdf_when_the_upstream_answers_another_invoice_is_never_500(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    # An answer outside the contract (asked for 8, got 9) is the upstream's fault: an error
    # page (502, or 404), never a server error.
    _media(mocked)
    _detail(mocked, 8, json=upstream_data.invoice_detail(9))
    response = customer.get("/en/invoices/8/pdf")
    assert response.status_code in (404, 502)
    assert "Location" not in response


def test_statement_pdf_redirects_with_a_media_jwt(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    _media(mocked)
    response = customer.get(STATEMENT)
    assert response.status_code == 302
    assert response["Location"] == _statement(JWT)
    _assert_private(response)


# The media JWT cache ------------------------------------------------------------------------


def test_forty_rows_cost_one_media_call_per_fifty_seconds(
    client: Client,
    mocked: responses.RequestsMock,
    settings: SettingsWrapper,
    clock: Clock,
) -> None:
    settings.INVOICES_PAGE_SIZE = 50
    ids = list(range(1, 41))
    _sign_in(client, mocked)
    _my(mocked, [_preview(i) for i in ids], params={"page": "1", "size": "50"})
    media = _media(mocked, JWT, JWT_2)

    listed = client.get(LIST)
    assert listed.status_code == 200
    assert len(_pdf_anchor_ids(_elements(listed))) == 40

    fragment = _fragment(client, ids)
    assert fragment.status_code == 200
    elements = _elements(fragment)
    assert _pdf_anchor_ids(elements) == {f"pdf-link-{i}" for i in ids}
    assert all(elements.by_id[f"pdf-link-{i}"]["href"] == _direct(i, JWT) for i in ids)
    assert elements.by_id["statement-link"]["href"] == _statement(JWT)

    clock.advance(10)
    for invoice_id in ids:
        response = client.get(f"/en/invoices/{invoice_id}/pdf")
        assert response.status_code == 302
        assert response["Location"] == _direct(invoice_id, JWT)
    clock.advance(39)  # 49 s after minting: still the same JWT
    statement = client.get(STATEMENT)
    assert statement["Location"] == _statement(JWT)
    assert media.call_count == 1

    clock.advance(2)  # 51 s
    later = _fragment(client, ids)
    assert later.status_code == 200
    assert media.call_count == 2
    again = _elements(later)
    assert again.by_id["pdf-link-40"]["href"] == _direct(40, JWT_2)
    assert again.by_id["statement-link"]["href"] == _statement(JWT_2)
    assert _refresh_in(later) == settings.MEDIA_JWT_REUSE_SECONDS
    # And then served from the cache again.
    assert _fragment(client, ids).status_code == 200
    assert media.call_count == 2


def test_each_session_has_its_own_media_jwt(client: Client, mocked: responses.RequestsMock) -> None:
    other = Client()
    _sign_in(client, mocked)
    _sign_in(other, mocked)
    media = _media(mocked, JWT, JWT_2)
    first = _fragment(client, [], statement=True)
    second = _fragment(other, [], statement=True)
    assert media.call_count == 2
    assert _elements(first).by_id["statement-link"]["href"] == _statement(JWT)
    assert _elements(second).by_id["statement-link"]["href"] == _statement(JWT_2)


def test_a_second_customer_in_the_same_browser_gets_nothing_of_the_first(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    """Signing in again without signing out: the first customer's invoices stay theirs."""
    _my(mocked, [_preview(1, InvoiceNumber="FIRST-CUSTOMER-0001")])
    assert customer.get(LIST).status_code == 200
    grant = {"grant_type": "password", "username": "other@example.com", "password": "pw-other"}
    mocked.add(
        responses.POST,
        TOKEN_URL,
        json={"access_token": ACCESS, "refresh_token": "refresh-other", "expires_in": 3600},
        match=[matchers.urlencoded_params_matcher(grant)],
    )
    signed_in = customer.post(SIGN_IN, {"email": "other@example.com", "password": "pw-other"})
    assert signed_in.status_code == 302
    assert customer.session[accounts.SESSION_KEY]["email"] == "other@example.com"
    _media(mocked)

    response = _fragment(customer, [1])
    assert response.status_code == 200
    assert "FIRST-CUSTOMER-0001" not in response.content.decode()
    assert "pdf-link-1" not in _elements(response).by_id


# The links fragment -------------------------------------------------------------------------


def test_fragment_links(customer: Client, mocked: responses.RequestsMock, clock: Clock) -> None:
    _my(mocked, [_preview(1), _preview(2)])
    media = _media(mocked)
    assert customer.get(LIST).status_code == 200

    response = _fragment(customer, [1, 2, 999])
    assert response.status_code == 200
    _assert_private(response)
    assert _refresh_in(response) == 50
    elements = _elements(response)
    for invoice_id in (1, 2):
        anchor = elements.by_id[f"pdf-link-{invoice_id}"]
        assert anchor["tag"] == "a"
        assert anchor["hx-swap-oob"] == "true"
        assert anchor["href"] == _direct(invoice_id, JWT)
    # Never listed in this session: left out.
    assert _pdf_anchor_ids(elements) == {"pdf-link-1", "pdf-link-2"}
    statement = elements.by_id["statement-link"]
    assert statement["href"] == _statement(JWT)
    assert statement["hx-swap-oob"] == "true"
    html = response.content.decode()
    assert 'id="pdf-link-1"' in html
    assert 'hx-swap-oob="true"' in html
    assert f"t={JWT}" in html

    clock.advance(20)
    later = _fragment(customer, [1, 2])
    assert _refresh_in(later) == 30
    assert _elements(later).by_id["pdf-link-1"]["href"] == _direct(1, JWT)
    assert media.call_count == 1


def test_fragment_without_statement_has_no_statement_link(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    _my(mocked, [_preview(1)])
    _media(mocked)
    assert customer.get(LIST).status_code == 200
    response = _fragment(customer, [1], statement=False)
    assert response.status_code == 200
    assert "statement-link" not in _elements(response).by_id
    assert "pdf-link-1" in _elements(response).by_id


def test_fragment_is_compressed_for_browsers_that_accept_gzip(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    _my(mocked, [_preview(invoice_id) for invoice_id in range(1, 13)])
    _media(mocked)
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
    _assert_private(packed)


@pytest.mark.parametrize("ids", ["abc", "1,,x,²", "-1", "9" * 50, ",".join(["1"] * 500)])
def test_fragment_junk_ids(customer: Client, mocked: responses.RequestsMock, ids: str) -> None:
    _my(mocked, [_preview(1)])
    _media(mocked)
    assert customer.get(LIST).status_code == 200
    response = customer.get(LINKS, {"ids": ids}, headers=HX)
    assert response.status_code == 200
    assert _pdf_anchor_ids(_elements(response)) <= {"pdf-link-1"}


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
    _assert_private(response)


def test_fragment_after_sign_out_stops_the_poll(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    _my(mocked, [_preview(1)])
    media = _media(mocked)
    assert customer.get(LIST).status_code == 200
    assert _fragment(customer, [1]).status_code == 200
    assert customer.post(SIGN_OUT).status_code == 302
    calls = len(api_calls(mocked))

    response = _fragment(customer, [1])
    assert response.status_code == 286
    assert SIGNED_OUT_TEXT in response.content.decode()
    assert JWT not in response.content.decode()
    assert len(api_calls(mocked)) == calls
    assert media.call_count == 1


def test_fragment_with_a_dead_refresh_token_stops_the_poll(
    customer: Client, mocked: responses.RequestsMock, clock: Clock
) -> None:
    refresh = mocked.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant"},
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": REFRESH}
            )
        ],
    )
    media = _media(mocked)
    clock.advance(3600)
    response = _fragment(customer, [1])
    assert response.status_code == 286
    assert SIGNED_OUT_TEXT in response.content.decode()
    assert refresh.call_count == 1
    assert media.call_count == 0
    assert accounts.SESSION_KEY not in customer.session


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
    _my(mocked, [_preview(1)])
    assert customer.get(LIST).status_code == 200
    mocked.add(responses.GET, MEDIA_URL, **answer)
    response = _fragment(customer, [1])
    assert response.status_code == 200
    assert _refresh_in(response) == 10
    assert "pdf-link-" not in response.content.decode()
    assert "statement-link" not in response.content.decode()
    _assert_private(response)
    # Nothing was cached and the customer is still signed in: the next poll asks again.
    assert accounts.SESSION_KEY in customer.session
    mocked.replace(responses.GET, MEDIA_URL, json={"jwt": JWT})
    retried = _fragment(customer, [1])
    assert retried.status_code == 200
    assert _refresh_in(retried) == 50
    assert _elements(retried).by_id["pdf-link-1"]["href"] == _direct(1, JWT)


# Upstream failures --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, "/en/invoices/42/", "/en/invoices/42/pdf"])
def test_a_refused_bearer_signs_the_customer_out(
    customer: Client, mocked: responses.RequestsMock, path: str
) -> None:
    refused: dict[str, Any] = {"status": 401, "json": {"error": "invalid_token"}}
    mocked.add(responses.GET, MY_URL, **refused)
    mocked.add(responses.GET, MEDIA_URL, **refused)
    _detail(mocked, 42, **refused)
    response = customer.get(path)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == SIGN_IN
    assert parse_qs(location.query) == {"next": [path]}
    assert accounts.SESSION_KEY not in customer.session
    # Signed out for good: the next visit redirects without asking the upstream.
    calls = len(api_calls(mocked))
    assert customer.get(LIST).status_code == 302
    assert len(api_calls(mocked)) == calls


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"body": requests.ConnectionError("connection refused")}, 503),
        ({"body": requests.ReadTimeout("read timed out")}, 503),
        ({"status": 500, "json": {"error": "boom"}}, 503),
        ({"status": 503, "json": {"error": "down"}}, 503),
        ({"status": 200, "body": "{not json", "content_type": "application/json"}, 502),
        ({"status": 200, "body": "<html></html>", "content_type": "text/html"}, 502),
        ({"status": 200, "json": {"Records": "nope"}}, 502),
        ({"status": 200, "json": [1, 2]}, 502),
        ({"status": 403, "json": {"error": "forbidden"}}, 502),
    ],
)
def test_upstream_failures_on_the_list(
    customer: Client, mocked: responses.RequestsMock, answer: dict[str, Any], status: int
) -> None:
    mocked.add(responses.GET, MY_URL, **answer)
    response = customer.get(LIST)
    assert response.status_code == status
    assert "Your invoices are not available just now" in response.content.decode()
    _assert_private(response)
    # Still signed in: a failing upstream is not a refused token.
    assert accounts.SESSION_KEY in customer.session


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"body": requests.ConnectionError("connection refused")}, 503),
        ({"status": 200, "body": "{not json", "content_type": "application/json"}, 502),
    ],
)
def test_upstream_failures_on_the_detail_and_pdf(
    customer: Client, mocked: responses.RequestsMock, answer: dict[str, Any], status: int
) -> None:
    _detail(mocked, 42, **answer)
    mocked.add(responses.GET, MEDIA_URL, **answer)
    assert customer.get("/en/invoices/42/").status_code == status
    assert customer.get("/en/invoices/42/pdf").status_code == status
    assert customer.get(STATEMENT).status_code == status


def test_statement_without_a_business_address_is_unavailable(
    customer: Client, upstream_http: responses.RequestsMock
) -> None:
    # The upstream cannot name the business, so there is no web address for the link.
    upstream_http.remove(responses.GET, BUSINESS_URL)
    upstream_http.add(responses.GET, BUSINESS_URL, status=503)
    _media(upstream_http)
    response = customer.get(STATEMENT)
    assert response.status_code == 503
    assert "Location" not in response


# Secrets ------------------------------------------------------------------------------------


def test_no_token_or_password_in_bodies_cookies_or_logs(
    client: Client,
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    clock: Clock,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[Response] = []
    seen.append(client.get(SIGN_IN))
    # A refused attempt first, then the right password.
    mocked.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant"},
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "password", "username": EMAIL, "password": PASSWORD + "x"}
            )
        ],
    )
    seen.append(client.post(SIGN_IN, {"email": EMAIL, "password": PASSWORD + "x"}))
    _sign_in(client, mocked)
    _my(mocked, [_preview(1), _preview(2)])
    _detail(mocked, 2)
    _detail(mocked, 3, status=404, json={"error": "not found"})
    _media(mocked, JWT, JWT_2)
    mocked.add(
        responses.POST,
        TOKEN_URL,
        json={"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": 3600},
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": REFRESH}
            )
        ],
    )
    seen.append(client.get(LIST))
    seen.append(client.get("/en/invoices/2/"))
    seen.append(client.get("/en/invoices/3/"))
    seen.append(_fragment(client, [1, 2]))
    seen.append(client.get("/en/invoices/1/pdf"))
    seen.append(client.get(STATEMENT))
    clock.advance(3600)  # the access token is refreshed on the way
    mocked.replace(responses.GET, MY_URL, json=_page([_preview(1)]), match=[_bearer(NEW_ACCESS)])
    seen.append(client.get(LIST))
    assert seen[-1].status_code == 200
    assert client.session[accounts.SESSION_KEY]["access_token"] == NEW_ACCESS
    seen.append(client.post(SIGN_OUT))
    seen.append(_fragment(client, [1]))
    assert [r.status_code for r in seen] == [200, 400, 200, 200, 404, 200, 302, 302, 200, 302, 286]

    _assert_no_secrets(client, seen)
    assert caplog.records, "nothing was logged: the log check would prove nothing"
    for secret in SECRETS:
        assert secret not in caplog.text
    assert JWT not in caplog.text

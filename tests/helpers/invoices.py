"""My Invoices' upstream mocked (invoices/my, one invoice, the media JWT), the links its pages
build from the answers, and the links fragment that the HTMX poll asks for."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import requests
import responses
from django.conf import settings
from django.test import Client
from responses import matchers

from tests.helpers import upstream_data
from tests.helpers.html import Page
from tests.helpers.upstream import upstream_url
from tests.helpers.upstream_data import ACCESS
from upstream import endpoints

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

LIST = "/en/invoices/"
LINKS = "/en/invoices/links"
STATEMENT = "/en/invoices/statement/pdf"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJtZWRpYSI6MX0.Zmlyc3Q"
JWT_2 = "eyJhbGciOiJIUzI1NiJ9.eyJtZWRpYSI6Mn0.c2Vjb25k"
MY_URL = upstream_url(endpoints.INVOICES_MY)
MEDIA_URL = upstream_url(endpoints.MEDIA_TOKEN)
BUSINESS_URL = upstream_url(endpoints.BUSINESS_CURRENT)
HX = {"HX-Request": "true"}
SIGNED_OUT_TEXT = "Your session has ended."


def preview(invoice_id: int, **changes: Any) -> dict[str, Any]:
    """An InvoicePreview, as invoices/my lists it."""
    data = upstream_data.invoice_detail(invoice_id, **changes)
    for key in ("BillToName", "BillToEmail", "Lines", "SubTotalFormated", "TaxFormated"):
        del data[key]
    return data


def my_page(
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


def bearer(token: str = ACCESS) -> Any:
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def mock_my_invoices(
    mock: responses.RequestsMock,
    records: list[dict[str, Any]],
    *,
    params: dict[str, str] | None = None,
    token: str = ACCESS,
    **paging: Any,
) -> responses.BaseResponse:
    """invoices/my for the bearer `token` (and the query `params`, when given) only."""
    match = [bearer(token)]
    if params is not None:
        match.append(matchers.query_param_matcher(params))
    return mock.add(responses.GET, MY_URL, json=my_page(records, **paging), match=match)


def mock_media(
    mock: responses.RequestsMock, *jwts: str, token: str = ACCESS
) -> responses.BaseResponse:
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
        match=[bearer(token)],
    )


def mock_invoice(
    mock: responses.RequestsMock, invoice_id: int, **answer: Any
) -> responses.BaseResponse:
    """invoices/{id}: the invoice, or `answer` (responses' keywords)."""
    answer = answer or {"json": upstream_data.invoice_detail(invoice_id)}
    url = upstream_url(endpoints.invoice(invoice_id))
    return mock.add(responses.GET, url, match=[bearer()], **answer)


def direct_link(invoice_id: int, jwt: str) -> str:
    """An invoice's PDF at the upstream, opened by a media JWT."""
    return (
        f"{settings.PDF_LINK_SCHEME}://spaces.example.com{settings.UPSTREAM_PUBLIC_BASE_URL}"
        f"/api/public/billing/invoices/{invoice_id}/pdf?t={jwt}"
    )


def statement_link(jwt: str) -> str:
    return (
        f"{settings.PDF_LINK_SCHEME}://spaces.example.com{settings.UPSTREAM_PUBLIC_BASE_URL}"
        f"/api/public/billing/invoices/statements/pdf?t={jwt}"
    )


def poll_links(client: Client, ids: list[int], statement: bool = True) -> Response:
    """The links fragment for these invoices, as the page's poll asks for it."""
    query: dict[str, str] = {"ids": ",".join(str(i) for i in ids)}
    if statement:
        query["statement"] = "1"
    return client.get(LINKS, query, headers=HX)


def pdf_anchor_ids(page: Page) -> set[str]:
    return {key for key in page.by_id if key.startswith("pdf-link-")}


def refresh_in(response: Response) -> int:
    """When the fragment asks to be polled again, in seconds."""
    found = re.search(r'data-refresh-in="(\d+)"', response.content.decode())
    assert found, response.content
    return int(found.group(1))

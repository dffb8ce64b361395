"""The upstream client against mocked HTTP (responses): every call and every outcome."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses
from django.test import override_settings
from responses import matchers

import upstream
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints
from upstream.transport import pooled_session

GUID = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"
STATUS_URL = upstream_url(endpoints.CHECKOUT_STATUS)
REGISTER_URL = upstream_url(endpoints.register_by_token(42))


# checkout_status ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["Paid", "Pending", "Failed"])
def test_checkout_status(upstream_http: responses.RequestsMock, state: str) -> None:
    upstream_http.get(
        STATUS_URL,
        json=upstream_data.checkout_status(state),
        match=[matchers.query_param_matcher({"token": GUID})],
    )
    result = _status()
    assert result.status == state
    assert result.email == "buyer@example.com"
    assert result.invoice is not None
    invoice = result.invoice
    assert invoice.id == 42
    assert invoice.number == "INV-2026-00042"
    assert invoice.total_amount == Decimal("163.35")
    assert invoice.total_formatted == "€163.35"
    assert invoice.created_on is not None
    assert invoice.created_on.year == 2026
    assert [line.description for line in invoice.lines] == [
        "Hot desk day pass",
        "Meeting room, 2 hours",
    ]
    assert invoice.lines[0].quantity == 3


def _status() -> upstream.CheckoutStatus:
    return upstream.checkout_status(token=GUID)


def test_checkout_status_without_invoice(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(
        STATUS_URL, json={"Status": "Failed", "Email": "b@example.com", "Invoice": None}
    )
    assert _status().invoice is None


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, upstream.TokenRejected),
        (404, upstream.NotFound),
        (400, upstream.UnexpectedAnswer),
        (403, upstream.UnexpectedAnswer),
        (302, upstream.UnexpectedAnswer),
        (500, upstream.UpstreamUnavailable),
        (503, upstream.UpstreamUnavailable),
    ],
)
def test_checkout_status_errors(
    upstream_http: responses.RequestsMock, status: int, error: type[Exception]
) -> None:
    upstream_http.get(STATUS_URL, status=status, json={"error": "x"})
    with pytest.raises(error):
        _status()


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectTimeout(),
        requests.exceptions.ReadTimeout(),
        requests.exceptions.ConnectionError(),
        requests.exceptions.ChunkedEncodingError(),
    ],
)
def test_transport_failures_are_unavailable(
    upstream_http: responses.RequestsMock, failure: Exception
) -> None:
    upstream_http.get(STATUS_URL, body=failure)
    with pytest.raises(upstream.UpstreamUnavailable):
        _status()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[]", "application/json"),
        ('"Paid"', "application/json"),
        ("<html><body>Login</body></html>", "text/html"),
        ('{"Status": "Paid"}', "text/html"),
        ("", "application/json"),
    ],
)
def test_malformed_answers_are_unexpected(
    upstream_http: responses.RequestsMock, body: str, content_type: str
) -> None:
    upstream_http.get(STATUS_URL, body=body, content_type=content_type)
    with pytest.raises(upstream.UnexpectedAnswer):
        _status()


@pytest.mark.parametrize(
    "change",
    [
        {"Status": "Refunded"},
        {"Status": None},
        {"Invoice": "42"},
        {"Invoice": {**upstream_data.invoice_detail(), "Id": "42"}},
        {"Invoice": {**upstream_data.invoice_detail(), "Id": True}},
        {"Invoice": {**upstream_data.invoice_detail(), "InvoiceNumber": None}},
        {"Invoice": {**upstream_data.invoice_detail(), "TotalFormated": 163.35}},
        {"Invoice": {k: v for k, v in upstream_data.invoice_detail().items() if k != "Id"}},
    ],
)
def test_wrong_shapes_are_unexpected(
    upstream_http: responses.RequestsMock, change: dict[str, Any]
) -> None:
    """Only what the page shows and cannot do without is required: the status, the invoice's
    id, number and total (CONTRACT.md, "Shapes"); tests/upstream/test_tolerant_reading.py has
    what is tolerated."""
    upstream_http.get(STATUS_URL, json={**upstream_data.checkout_status(), **change})
    with pytest.raises(upstream.UnexpectedAnswer):
        _status()


@override_settings(UPSTREAM_MAX_BODY_BYTES=1000)
def test_oversized_bodies_are_unexpected(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(STATUS_URL, body="x" * 5000, content_type="application/json")
    with pytest.raises(upstream.UnexpectedAnswer, match="cap"):
        _status()
    upstream_http.replace(
        responses.GET,
        STATUS_URL,
        body="{}",
        content_type="application/json",
        headers={"Content-Length": "999999"},
        auto_calculate_content_length=False,
    )
    with pytest.raises(upstream.UnexpectedAnswer, match="cap"):
        _status()


def test_gets_are_retried_on_503(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(STATUS_URL, status=503)
    upstream_http.get(STATUS_URL, status=502)
    upstream_http.get(STATUS_URL, json=upstream_data.checkout_status())
    assert _status().status == "Paid"
    assert len(upstream_http.calls) == 3


def test_gets_give_up_after_the_retries(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(STATUS_URL, status=503)
    with pytest.raises(upstream.UpstreamUnavailable):
        _status()
    assert len(upstream_http.calls) == 3  # the first try and UPSTREAM_GET_RETRIES=2


def test_connection_keeps_alive_in_one_pooled_session() -> None:
    first = pooled_session(retrying=True)
    assert pooled_session(retrying=True) is first
    assert pooled_session(retrying=False) is not first
    adapter = first.get_adapter("http://upstream.example")
    assert adapter.max_retries.total == 2  # type: ignore[attr-defined]
    assert pooled_session(retrying=False).get_adapter("http://x").max_retries.total == 0  # type: ignore[attr-defined]


# register_by_token --------------------------------------------------------------------------


def _register() -> upstream.RegisterByTokenAnswer:
    return upstream.register_by_token(invoice_id=42, token=GUID)


def test_register(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(
        REGISTER_URL,
        json={"Token": "eyJ.token.here", "CustomerCreated": True},
        match=[matchers.query_param_matcher({"token": GUID})],
    )
    assert _register() == upstream.RegisterByTokenAnswer(
        token="eyJ.token.here", customer_created=True
    )


def test_register_answer_without_our_extension(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(REGISTER_URL, json={"Token": "t"})
    assert _register().customer_created is None


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, upstream.TokenRejected),
        (404, upstream.NotFound),
        (409, upstream.UnexpectedAnswer),
        (500, upstream.UpstreamUnavailable),
        (503, upstream.UpstreamUnavailable),
    ],
)
def test_register_errors_are_never_retried(
    upstream_http: responses.RequestsMock, status: int, error: type[Exception]
) -> None:
    upstream_http.post(REGISTER_URL, status=status, json={"error": "x"})
    with pytest.raises(error):
        _register()
    assert len(upstream_http.calls) == 1


@pytest.mark.parametrize(
    "failure", [requests.exceptions.ReadTimeout(), requests.exceptions.ConnectionError()]
)
def test_register_transport_failure_is_not_retried(
    upstream_http: responses.RequestsMock, failure: Exception
) -> None:
    upstream_http.post(REGISTER_URL, body=failure)
    with pytest.raises(upstream.UpstreamUnavailable):
        _register()
    assert len(upstream_http.calls) == 1


@pytest.mark.parametrize("body", [{"Token": None}, {"Token": 5}, {}, []])
def test_register_malformed(upstream_http: responses.RequestsMock, body: Any) -> None:
    upstream_http.post(REGISTER_URL, json=body)
    with pytest.raises(upstream.UnexpectedAnswer):
        _register()


# business_current ---------------------------------------------------------------------------


def test_business_current(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    assert upstream.business_current() == upstream.Business(
        id=1, name="Canal Street Coworking", web_address="spaces.example.com"
    )


# Logs -------------------------------------------------------------------------


def test_client_never_logs_tokens(
    upstream_http: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    upstream_http.get(STATUS_URL, json=upstream_data.checkout_status())
    upstream_http.post(REGISTER_URL, body=requests.exceptions.ReadTimeout(f"token={GUID}"))
    with caplog.at_level(logging.DEBUG):
        _status()
        with pytest.raises(upstream.UpstreamUnavailable):
            _register()
    assert "upstream GET /api/public/checkout/status -> 200" in caplog.text
    assert "timed out" in caplog.text
    assert GUID not in caplog.text


# customer calls ------------------------------------------------------------------------------

TOKEN_URL = upstream_url(endpoints.TOKEN)
TOKENS = {"access_token": "acc", "token_type": "bearer", "expires_in": 3600, "refresh_token": "ref"}


def test_password_grant(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(
        TOKEN_URL,
        json=TOKENS,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "password",
                    "username": "a@example.com",
                    "password": "pw",
                    "client_id": "c-1",
                }
            )
        ],
    )
    tokens = upstream.token_by_password(username="a@example.com", password="pw", client_id="c-1")
    assert tokens == upstream.Tokens(access_token="acc", refresh_token="ref", expires_in=3600)


def test_refresh_grant(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(
        TOKEN_URL,
        json=TOKENS,
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "ref", "client_id": "c-1"}
            )
        ],
    )
    assert upstream.token_by_refresh(refresh_token="ref", client_id="c-1").access_token == "acc"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": "invalid_grant", "error_description": "no"}, upstream.TokenRejected),
        (400, {"error": "invalid_request"}, upstream.UnexpectedAnswer),
        (400, "not json", upstream.UnexpectedAnswer),
        (401, {}, upstream.TokenRejected),
        (409, {}, upstream.UnexpectedAnswer),
        (503, {}, upstream.UpstreamUnavailable),
        (200, {"access_token": "acc"}, upstream.UnexpectedAnswer),
    ],
)
def test_token_errors(
    upstream_http: responses.RequestsMock, status: int, body: Any, error: type[Exception]
) -> None:
    if isinstance(body, str):
        upstream_http.post(TOKEN_URL, status=status, body=body, content_type="application/json")
    else:
        upstream_http.post(TOKEN_URL, status=status, json=body)
    with pytest.raises(error):
        upstream.token_by_password(username="a@example.com", password="pw", client_id="c")
    assert len(upstream_http.calls) == 1  # never retried: a POST


def _page(records: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    return {
        "Records": records,
        "CurrentPage": 2,
        "CurrentPageSize": 5,
        "TotalItems": 12,
        "TotalPages": 3,
        "HasNextPage": True,
        "HasPreviousPage": True,
        **changes,
    }


def test_invoices_my(upstream_http: responses.RequestsMock) -> None:
    preview = {
        k: v
        for k, v in upstream_data.invoice_detail().items()
        if k not in {"Lines", "BillToName", "BillToEmail", "SubTotalFormated", "TaxFormated"}
    }
    upstream_http.get(
        upstream_url(endpoints.INVOICES_MY),
        json=_page([preview]),
        match=[
            matchers.query_param_matcher(
                {"page": "2", "size": "5", "paid": "false", "creditNotes": "true"}
            ),
            matchers.header_matcher({"Authorization": "Bearer acc"}),
        ],
    )
    result = upstream.invoices_my(bearer="acc", paid=False, credit_notes=True, page=2, size=5)
    assert result.page == 2
    assert result.total_items == 12
    assert result.has_next is True
    assert result.records[0].number == "INV-2026-00042"
    assert result.records[0].due_date is not None


@pytest.mark.parametrize(
    "body",
    [_page("x"), _page([{"Id": 1}]), {"records": []}, []],  # type: ignore[arg-type]
)
def test_invoices_my_malformed(upstream_http: responses.RequestsMock, body: Any) -> None:
    upstream_http.get(upstream_url(endpoints.INVOICES_MY), json=body)
    with pytest.raises(upstream.UnexpectedAnswer):
        upstream.invoices_my(bearer="acc")


@pytest.mark.parametrize(
    ("status", "error"), [(401, upstream.TokenRejected), (404, upstream.NotFound)]
)
def test_invoice_detail(
    upstream_http: responses.RequestsMock, status: int, error: type[Exception]
) -> None:
    url = upstream_url(endpoints.invoice(42))
    upstream_http.get(url, json=upstream_data.invoice_detail())
    assert upstream.invoice_detail(bearer="acc", invoice_id=42).bill_to_email == "buyer@example.com"
    upstream_http.replace(responses.GET, url, status=status, json={})
    with pytest.raises(error):
        upstream.invoice_detail(bearer="acc", invoice_id=42)


def test_media_token(upstream_http: responses.RequestsMock) -> None:
    url = upstream_url(endpoints.MEDIA_TOKEN)
    upstream_http.get(url, json={"jwt": "eyJ.media.jwt"})
    assert upstream.media_token(bearer="acc") == "eyJ.media.jwt"
    upstream_http.replace(responses.GET, url, json={"jwt": None})
    with pytest.raises(upstream.UnexpectedAnswer):
        upstream.media_token(bearer="acc")
    upstream_http.replace(responses.GET, url, status=401, json={})
    with pytest.raises(upstream.TokenRejected):
        upstream.media_token(bearer="acc")


def test_business_web_address_must_be_a_host(upstream_http: responses.RequestsMock) -> None:
    url = upstream_url(endpoints.BUSINESS_CURRENT)
    upstream_http.get(url, json={**upstream_data.business(), "WebAddress": "evil.example/x?y="})
    # Not a host: never used in a link (PDF links then fall back to the upstream's host).
    assert upstream.business_current().web_address == ""

"""[ours] Starting a checkout for an unpaid invoice (upstream.paying), mocked with responses:
the request it sends, the answers it reads, and how it tells "already paid" from throttling."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import responses

import upstream
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints

URL = upstream_url(endpoints.invoice_checkout(42))
RETURN = "https://portal.example.com/en/invoices/complete"
SESSION = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"


def _start() -> upstream.InvoiceCheckout:
    return upstream.invoice_checkout_start(
        bearer="member-bearer", invoice_id=42, gateway="stripe", return_url=RETURN
    )


def test_a_checkout_is_started_with_the_bearer_and_a_form(
    upstream_http: responses.RequestsMock,
) -> None:
    answer = {"CheckoutUrl": "https://pay.example.com/s/1", "SessionId": SESSION}
    upstream_http.post(URL, json=answer)
    checkout = _start()
    assert checkout == upstream.InvoiceCheckout(
        checkout_url="https://pay.example.com/s/1", session_id=SESSION
    )
    [call] = upstream_http.calls
    assert call.request.headers["Authorization"] == "Bearer member-bearer"
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(str(call.request.body)) == {"gateway": ["stripe"], "returnUrl": [RETURN]}


def test_a_409_without_retry_after_is_already_paid(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(URL, status=409, json={"message": "paid"})
    with pytest.raises(upstream.AlreadyPaid):
        _start()


def test_a_409_with_retry_after_is_throttling(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(URL, status=409, body="", headers={"Retry-After": "7"})
    with pytest.raises(upstream.Throttled) as raised:
        _start()
    assert raised.value.retry_after == 7
    # A write is never sent twice on its own.
    assert len(upstream_http.calls) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, upstream.NotFound), (401, upstream.TokenRejected), (400, upstream.UnexpectedAnswer)],
)
def test_refusals(
    upstream_http: responses.RequestsMock, status: int, error: type[Exception]
) -> None:
    upstream_http.post(URL, status=status, json={})
    with pytest.raises(error):
        _start()


@pytest.mark.parametrize(
    "checkout_url", ["javascript:alert(1)", "/relative/path", "", "https://", 42]
)
def test_a_checkout_address_that_is_no_web_address_is_refused(
    upstream_http: responses.RequestsMock, checkout_url: object
) -> None:
    upstream_http.post(URL, json={"CheckoutUrl": checkout_url, "SessionId": SESSION})
    with pytest.raises(upstream.UnexpectedAnswer):
        _start()


def test_an_unknown_gateway_is_never_sent(upstream_http: responses.RequestsMock) -> None:
    with pytest.raises(ValueError, match="gateway"):
        upstream.invoice_checkout_start(
            bearer="b", invoice_id=42, gateway="bitcoin", return_url=RETURN
        )
    assert not upstream_http.calls


@pytest.mark.parametrize(
    ("payments", "expected"),
    [
        (
            [
                {
                    "PaidOn": "2026-12-01T10:00:00",
                    "AmountFormated": "€10.00",
                    "CardBrand": "Visa",
                    "CardLastFour": "4242",
                }
            ],
            [("€10.00", "Visa", "4242")],
        ),
        (
            [{"TotalFormated": "€5", "CardType": "Mastercard", "Last4": "12345"}],
            [("€5", "Mastercard", "")],
        ),
        ("nothing", []),
        ([None, 3, {"AmountFormated": "€1"}], [("€1", "", "")]),
    ],
)
def test_payments_are_read_tolerantly(
    payments: object, expected: list[tuple[str, str, str]]
) -> None:
    invoice = upstream.parse_invoice_detail(upstream_data.invoice_detail(Payments=payments))
    assert [
        (p.amount_formatted, p.card_brand, p.card_last_four) for p in invoice.payments
    ] == expected

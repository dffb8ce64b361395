"""sandbox_purchase and sandbox_seed, run as a person would."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client

from sandbox.models import BasketSession, Customer, Invoice
from tests.sandbox.conftest import INVOICES, pdf_text


def _purchase(*args: str) -> tuple[str, BasketSession]:
    out = io.StringIO()
    call_command("sandbox_purchase", *args, stdout=out)
    last_line = out.getvalue().strip().splitlines()[-1]
    guid = next(iter(parse_qs(urlsplit(last_line).query).values()))[0]
    return last_line, BasketSession.objects.get(guid=guid)


@pytest.mark.parametrize("gateway", ["stripe", "spreedly", "paypal"])
def test_purchase_prints_completion_url_last(db: None, gateway: str) -> None:
    url, basket = _purchase("--gateway", gateway)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://127.0.0.1:8000"
    assert parts.path == "/en/invoices/complete"
    assert parse_qs(parts.query) == {f"{gateway}_session_id": [str(basket.guid)]}
    assert basket.gateway == gateway
    assert basket.status == "Paid"


def test_purchased_invoice_pdf_by_token(client: Client, db: None) -> None:
    _, basket = _purchase("--gateway", "stripe", "--email", "cli@example.com")
    response = client.get(f"{INVOICES}/{basket.invoice_id}/pdfByToken", {"token": str(basket.guid)})
    assert response.status_code == 200
    assert basket.invoice.invoice_number in pdf_text(response.content)
    assert basket.buyer_email == "cli@example.com"


def test_pending_and_failed_purchases(db: None) -> None:
    _, pending = _purchase("--gateway", "paypal", "--pending", "5")
    assert pending.status == "Pending"
    assert 4 <= (pending.settles_at - pending.created_at).total_seconds() <= 5
    _, failed = _purchase("--gateway", "spreedly", "--fail")
    assert failed.status == "Failed"
    assert failed.invoice.paid_on is None


def test_purchase_refuses_bad_arguments(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("sandbox_purchase", "--gateway", "stripe", "--pending", "-1")
    with pytest.raises(CommandError):
        call_command("sandbox_purchase", "--gateway", "bitcoin")


def test_seed_is_idempotent(db: None) -> None:
    call_command("sandbox_seed", stdout=io.StringIO())
    first = list(Invoice.objects.values_list("invoice_number", "created_on"))
    out = io.StringIO()
    call_command("sandbox_seed", stdout=out)
    assert "(0 new)" in out.getvalue()
    assert list(Invoice.objects.values_list("invoice_number", "created_on")) == first
    assert len(first) == 12
    # The demo customer, and the two-factor and forced-reset ones (docs/sandbox.md).
    assert Customer.objects.count() == 3
    demo = Customer.objects.get(email="demo@example.com")
    assert demo.email == "demo@example.com"
    assert check_password("demo-password", demo.password)

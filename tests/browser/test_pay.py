"""Pay in Chromium, in every language: sign in, Pay an unpaid invoice, the sandbox's gateway,
the receipt, and My Invoices with that invoice paid and the balance lower; a failed payment
then a successful retry; a double submit that pays once. axe on each new page, and nothing
wider than a 320 px phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from sandbox.models import Customer, Invoice, OutboxEmail, Payment
from tests.browser.conftest import axe_as_member, fits_a_phone
from tests.helpers.sign_in import sign_in_in_chromium

LANGUAGES = ["en", "es", "fr", "de"]
PAY_IN_ROW = "table.invoices form.pay button"


def _cents(text: str) -> int:
    """An amount as the page formats it (€1,234.50, 1.234,50 €): its digits, two decimals."""
    return int(re.sub(r"\D", "", text))


def _balance(page: Page) -> int:
    return _cents(page.locator(".balance .amount").inner_text())


def _first_unpaid_number(page: Page) -> str:
    row = page.locator("table.invoices tbody tr", has=page.locator("form.pay")).first
    return row.locator("th a").inner_text().strip()


def _gateway(page: Page, outcome: str) -> None:
    expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
    page.locator(f"button[name=outcome][value={outcome}]").click()


def _receipt(chromium: Browser, page: Page, language: str, number: str) -> None:
    expect(page).to_have_url(re.compile(rf"/{language}/invoices/complete$"))
    expect(page.locator("#checkout-state h1, main h1").first).to_be_visible()
    expect(page.get_by_text(number).first).to_be_visible()
    # The card the gateway took, where the upstream gives it.
    expect(page.get_by_text("4242").first).to_be_visible()
    # A member already signed in is offered no password setting: the invoice is theirs.
    assert page.locator("form[action$='/password/forgot']").count() == 0
    assert axe_as_member(chromium, page) == []
    fits_a_phone(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pay_an_invoice_and_see_it_paid(
    chromium: Browser, page: Page, demo_customer: Customer, language: str
) -> None:
    sign_in_in_chromium(page, language)
    balance, pays = _balance(page), page.locator(PAY_IN_ROW).count()
    assert pays >= 1
    fits_a_phone(page)
    number = _first_unpaid_number(page)
    page.locator(PAY_IN_ROW).first.click()
    _gateway(page, "pay")
    _receipt(chromium, page, language, number)
    page.locator(f"a[href='/{language}/invoices/']").last.click()
    page.wait_for_url(re.compile(rf"/{language}/invoices/$"))
    # Paid at once: nothing cached still says unpaid, and the balance dropped.
    assert page.locator(PAY_IN_ROW).count() == pays - 1
    assert _balance(page) < balance
    invoice = Invoice.objects.get(invoice_number=number)
    assert invoice.payments.count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_payment_then_a_successful_retry(
    chromium: Browser, page: Page, demo_customer: Customer, language: str
) -> None:
    sign_in_in_chromium(page, language)
    number = _first_unpaid_number(page)
    page.locator(f"table.invoices th a:text-is('{number}')").click()
    expect(page.locator(".actions form.pay button")).to_be_visible()
    # The invoice page's actions are one size: Pay, the PDF and Print side by side.
    expect(page.locator(".actions [data-print]")).to_be_visible()
    heights = {
        round(page.locator(f".actions {part}").bounding_box()["height"])  # type: ignore[index]
        for part in ("form.pay button", "a.pdf-link", "[data-print]")
    }
    assert len(heights) == 1, heights
    assert axe_as_member(chromium, page) == []
    fits_a_phone(page)
    page.locator(".actions form.pay button").click()
    _gateway(page, "fail")
    expect(page).to_have_url(re.compile(rf"/{language}/invoices/complete$"))
    # The failed page names the invoice and its amount, and leads back to paying it.
    expect(page.get_by_text(number).first).to_be_visible()
    assert axe_as_member(chromium, page) == []
    fits_a_phone(page)
    page.locator("main a.button").first.click()
    page.wait_for_url(re.compile(rf"/{language}/invoices/\d+/$"))
    page.locator(".actions form.pay button").click()
    _gateway(page, "pay")
    _receipt(chromium, page, language, number)
    assert Payment.objects.filter(invoice__invoice_number=number).count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_double_submit_pays_once(
    chromium: Browser, page: Page, demo_customer: Customer, language: str
) -> None:
    sign_in_in_chromium(page, language)
    number = _first_unpaid_number(page)
    page.locator(PAY_IN_ROW).first.dblclick()
    expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
    page.locator("button[name=outcome][value=pay]").dblclick()
    _receipt(chromium, page, language, number)
    invoice = Invoice.objects.get(invoice_number=number)
    assert invoice.payments.count() == 1
    # One basket: the second press went to the same checkout.
    assert invoice.basket_sessions.count() == 1
    receipts = OutboxEmail.objects.filter(to=demo_customer.email, subject__contains=number)
    assert receipts.count() == 1


def test_a_phones_row_labels_keep_french_spacing(page: Page, demo_customer: Customer) -> None:
    # On a phone each row is a card whose dates are labelled "Date : …" by CSS.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_in_chromium(page, "fr")
    label = page.evaluate(
        "getComputedStyle(document.querySelector('td[data-label]'), '::before').content"
    )
    assert label == '"Date\u00a0: "'

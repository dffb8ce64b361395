"""My Invoices as a customer reads it, in Chromium: the balance and what is overdue, credit
notes as their own kind, the due date on the detail, one date format per language from the
receipt to the list and the detail, and a sign-in error said once."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from django.utils import timezone
from playwright.sync_api import Page, expect

from sandbox.models import Customer, Invoice
from tests.browser.conftest import purchase_url, space_zone
from tests.helpers.sign_in import sign_in_in_chromium as sign_in

# The sandbox's business writes en-GB: English pages take its region, the others their own.
LOCALES = {"en": "en_GB", "es": "es", "fr": "fr", "de": "de"}


def _rows(page: Page) -> dict[str, str]:
    """Each listed invoice's number and its status badge."""
    rows = page.locator("table.invoices tbody tr")
    return {
        rows.nth(i).locator("th").inner_text().strip(): rows.nth(i)
        .locator("td.status")
        .inner_text()
        .strip()
        for i in range(rows.count())
    }


def _fact(page: Page, label: str) -> str:
    return page.locator(f"dl.facts dt:text-is('{label}') + dd").inner_text().strip()


def test_the_balance_is_what_the_unpaid_invoices_owe_and_overdue_ones_are_marked(
    page: Page, demo_customer: Customer
) -> None:
    invoices = list(Invoice.objects.filter(customer=demo_customer))
    owed = [i for i in invoices if not i.paid and not i.credit_note]
    zone = space_zone()
    today = timezone.localdate(timezone=zone)
    overdue = {i.invoice_number for i in owed if timezone.localdate(i.due_date, zone) < today}
    # The demo has both.
    assert owed
    assert overdue
    expected = format_currency(sum((i.due_amount for i in owed), Decimal(0)), "EUR", locale="en_GB")
    sign_in(page)
    expect(page.locator(".balance")).to_contain_text(f"Balance due {expected}")
    count = len(overdue)
    expect(page.locator(".balance")).to_contain_text(
        f"{count} invoice{'s' if count > 1 else ''} overdue"
    )
    statuses = _rows(page)
    assert {number for number, status in statuses.items() if status == "Overdue"} == overdue
    for invoice in invoices:
        wanted = (
            "Credit note"
            if invoice.credit_note
            else "Paid"
            if invoice.paid
            else "Overdue"
            if invoice.invoice_number in overdue
            else "Unpaid"
        )
        assert statuses[invoice.invoice_number] == wanted, invoice.invoice_number


def test_credit_notes_are_their_own_kind(page: Page, demo_customer: Customer) -> None:
    sign_in(page)
    page.get_by_role("link", name="Paid", exact=True).click()
    expect(page.locator("table.invoices")).to_be_visible()
    assert not [number for number in _rows(page) if number.startswith("CN-")]
    assert set(_rows(page).values()) == {"Paid"}
    page.get_by_role("link", name="Credit notes").click()
    expect(page.locator("table.invoices")).to_be_visible()
    assert set(_rows(page).values()) == {"Credit note"}
    page.locator("table.invoices th a").first.click()
    expect(page.get_by_role("heading", level=2).first).to_have_text(re.compile(r"^Credit note CN-"))
    assert _fact(page, "Status") == "Credit note"
    assert page.locator("table.lines caption").inner_text() == "What is credited"


def test_the_detail_of_an_unpaid_invoice_says_when_it_is_due(
    page: Page, demo_customer: Customer
) -> None:
    invoice = (
        Invoice.objects.filter(customer=demo_customer, paid_on__isnull=True, credit_note=False)
        .order_by("due_date")
        .first()
    )
    assert invoice is not None
    sign_in(page)
    page.get_by_role("link", name=invoice.invoice_number, exact=True).click()
    due_on = timezone.localdate(invoice.due_date, space_zone())
    due = format_date(due_on, "medium", locale="en_GB")
    assert _fact(page, "Due date") == due
    assert _fact(page, "Status") == "Overdue"


def test_one_date_format_per_language_on_the_receipt_the_list_and_the_detail(
    page: Page, portal: str, demo_customer: Customer
) -> None:
    today = timezone.localdate(timezone=space_zone())
    for language, locale in LOCALES.items():
        sign_in(page, language)
        page.goto(purchase_url(portal, language, email="demo@example.com"))
        number = page.locator("h2").first.inner_text().split()[-1]
        receipt = page.locator("dl.facts dd").first.inner_text().strip()
        page.goto(f"/{language}/invoices/")
        link = page.get_by_role("link", name=number, exact=True)
        row = page.locator("table.invoices tbody tr", has=link)
        listed = row.locator("td").first.inner_text().strip()
        row.locator("th a").click()
        page.wait_for_url(re.compile(r"/invoices/\d+/$"))
        detail = page.locator("dl.facts dd").first.inner_text().strip()
        expected = format_date(today, format="medium", locale=locale)
        assert (receipt, listed, detail) == (expected, expected, expected), language
        page.context.clear_cookies()


def test_a_sign_in_error_is_said_once(page: Page, demo_customer: Customer) -> None:
    page.goto("/en/sign-in")
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "not-the-password")
    page.click("form.stack button[type=submit]")
    message = "That email and password do not match an account."
    expect(page.get_by_role("alert")).to_have_text(message)
    assert page.locator("main").inner_text().count(message) == 1

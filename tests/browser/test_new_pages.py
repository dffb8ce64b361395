"""The pages the payment and export work added, as a member meets them in every language:
axe finds nothing, and nothing is wider than a 320 px phone. (The receipt, the invoice page
and the failed payment are checked on the way in test_pay.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from invoices import export
from sandbox.models import Customer
from tests.browser.conftest import axe_violations, fits_a_phone
from tests.helpers.sign_in import sign_in_in_chromium

LANGUAGES = ["en", "es", "fr", "de"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_export_page_and_its_refusal(
    chromium: Browser,
    page: Page,
    demo_customer: Customer,
    language: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_in_in_chromium(page, language)
    monkeypatch.setattr(export, "EXPORT_MAX", 1)
    # A second context lets axe's script in (the CSP would refuse it), with the same session.
    checked = chromium.new_context(bypass_csp=True, storage_state=page.context.storage_state())
    try:
        member = checked.new_page()
        member.goto(f"{page.url.split('/' + language + '/')[0]}/{language}/invoices/export")
        assert axe_violations(member) == []
        fits_a_phone(member)
        # A choice past the limit (one, here): the refusal takes the form's place.
        member.locator("input[name=period][value=this-year]").check()
        member.locator("main form button[type=submit]").click()
        again = member.locator(f"main a.button[href='/{language}/invoices/export']")
        expect(again).to_be_visible()
        assert axe_violations(member) == []
        fits_a_phone(member)
    finally:
        checked.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_that_takes_a_member_to_the_gateway(
    chromium: Browser, page: Page, demo_customer: Customer, language: str
) -> None:
    sign_in_in_chromium(page, language)
    # Its refresh is held back, so the page can be checked as it shows for a moment.
    checked = chromium.new_context(bypass_csp=True, storage_state=page.context.storage_state())
    try:
        held = checked.new_page()
        # A 204 leaves the page where it is (an aborted navigation shows an error page).
        held.route(re.compile(r"/sandbox/pay/"), lambda route: route.fulfill(status=204))
        held.goto(page.url)
        held.locator("table.invoices form.pay button").first.click()
        expect(held.locator("meta[http-equiv=refresh]")).to_have_count(1)
        assert axe_violations(held) == []
        fits_a_phone(held)
    finally:
        checked.close()

"""The pages the payment and export work added, as a member meets them in every language:
axe finds nothing, and nothing is wider than a 320 px phone. (The receipt, the invoice page
and the failed payment are checked on the way in test_pay.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from invoices import export
from sandbox.models import Customer
from tests.browser.conftest import axe_violations, fits_a_phone, without_csp
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
    with without_csp(chromium, page) as member:
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_that_takes_a_member_to_the_gateway(
    chromium: Browser, page: Page, demo_customer: Customer, language: str
) -> None:
    sign_in_in_chromium(page, language)
    # Its refresh is held back, so the page can be checked as it shows for a moment.
    with without_csp(chromium, page) as held:
        # A 204 leaves the page where it is (an aborted navigation shows an error page).
        held.route(re.compile(r"/sandbox/pay/"), lambda route: route.fulfill(status=204))
        held.goto(page.url)
        held.locator("table.invoices form.pay button").first.click()
        expect(held.locator("meta[http-equiv=refresh]")).to_have_count(1)
        assert axe_violations(held) == []
        fits_a_phone(held)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sandbox_gateway_page(
    chromium: Browser, page: Page, demo_customer: Customer, language: str
) -> None:
    """The demo's simulated gateway, in the language of the page that started the payment."""
    sign_in_in_chromium(page, language)
    with without_csp(chromium, page) as member:
        member.goto(page.url)
        member.locator("table.invoices form.pay button").first.click()
        expect(member).to_have_url(re.compile(r"/sandbox/pay/"))
        expect(member.locator("html")).to_have_attribute("lang", language)
        assert axe_violations(member) == []
        fits_a_phone(member)

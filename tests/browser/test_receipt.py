"""The receipt a buyer keeps, in Chromium: the gateway, the paid-on date and the tax rate; one
primary action and a print button; a tab title that follows the state, also when htmx swaps
it; a failed payment's way back to the shop; the page's address opened in another browser; a
signed-in buyer's receipt."""

from __future__ import annotations

import re

from babel.dates import format_date
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import services
from tests.browser.conftest import DESKTOP, PDF_LINK, brand_for_localhost, purchase_url, space_zone
from tests.helpers.sign_in import sign_in_in_chromium as sign_in

THANKS = "Thank you, your payment is confirmed"


def _purchase(portal: str, *, gateway: str, language: str = "en", **kwargs: object) -> str:
    basket = services.purchase_create(gateway=gateway, **kwargs)  # type: ignore[arg-type]
    return services.completion_url(basket=basket, language=language)


def _fact(page: Page, label: str) -> str:
    return page.locator(f"dl.facts dt:text-is('{label}') + dd").inner_text().strip()


def test_the_receipt_names_the_card_the_paid_on_date_and_the_tax_rate(
    page: Page, portal: str
) -> None:
    for gateway in ("paypal", "spreedly", "stripe"):
        page.goto(_purchase(portal, gateway=gateway))
        expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
        # The card the upstream's Payments name (without them, the gateway: a mocked test).
        assert _fact(page, "Payment method") == "Visa ending in 4242"
        assert _fact(page, "Amount paid").startswith("€")
    # The sandbox's business writes en-GB: CLDR's medium date of that culture.
    today = format_date(timezone.localdate(timezone=space_zone()), format="medium", locale="en_GB")
    assert _fact(page, "Paid on") == today
    assert _fact(page, "Date") == today
    # The sandbox's tax rate, 21 %, as the PDF prints it.
    expect(page.locator("table.lines tfoot")).to_contain_text("Tax (21%)")
    page.goto(_purchase(portal, gateway="stripe", language="de"))
    expect(page.locator("table.lines tfoot")).to_contain_text("Steuer (21\xa0%)")
    assert page.locator("dl.facts dt", has_text="Bezahlt am").count() == 1


def test_one_primary_action_and_a_print_button(page: Page, portal: str) -> None:
    # Records the print call instead of opening the browser's dialog.
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; }")
    page.goto(purchase_url(portal))
    main = page.locator("main")
    primary = main.locator("a.button, button:not(.secondary):not(.link)")
    expect(primary).to_have_count(1)
    expect(primary).to_have_text(PDF_LINK)
    print_button = page.get_by_role("button", name="Print")
    expect(print_button).to_be_visible()
    print_button.click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    expect(print_button).to_be_hidden()


def test_without_javascript_there_is_no_print_button(chromium: Browser, portal: str) -> None:
    context = chromium.new_context(viewport=DESKTOP, base_url=portal, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(purchase_url(portal))
        expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
        expect(page.get_by_role("button", name="Print")).to_be_hidden()
    finally:
        context.close()


def test_back_to_the_business_and_its_support_contact(page: Page, portal: str) -> None:
    brand_for_localhost(
        portal,
        name="Canal Street",
        website_url="https://canal.example/",
        support_email="help@canal.example",
        support_phone="+31 20 123 4567",
    )
    page.goto(purchase_url(portal))
    expect(page.get_by_role("link", name="Back to Canal Street")).to_have_attribute(
        "href", "https://canal.example/"
    )
    contact = page.locator("main .contact")
    expect(contact.get_by_role("link", name="help@canal.example")).to_have_attribute(
        "href", "mailto:help@canal.example"
    )
    expect(contact.get_by_role("link", name="+31 20 123 4567")).to_have_attribute(
        "href", "tel:+31201234567"
    )


def test_the_default_brand_s_website_and_contact_come_from_settings(
    page: Page, portal: str, settings: SettingsWrapper
) -> None:
    settings.BRAND_SUPPORT_EMAIL = "help@canal.example"
    settings.BRAND_WEBSITE_URL = "https://canal.example/"
    page.goto(purchase_url(portal))
    expect(page.get_by_role("link", name="Back to Canal Street Coworking")).to_have_attribute(
        "href", "https://canal.example/"
    )
    expect(page.locator("main .contact")).to_contain_text("help@canal.example")


def test_the_title_follows_the_state_when_htmx_swaps_it(page: Page, portal: str) -> None:
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.goto(purchase_url(portal, pending_seconds=3))
    expect(page).to_have_title("Confirming your payment… · Canal Street Coworking")
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS, timeout=15_000)
    expect(page).to_have_title("Thank you for your purchase · Canal Street Coworking")
    assert len(loads) == 1  # swapped in place, not reloaded
    # The print button came with the swapped receipt, and works.
    expect(page.get_by_role("button", name="Print")).to_be_visible()


def test_try_again_after_a_failed_payment_leads_to_the_shop(page: Page, portal: str) -> None:
    page.goto(purchase_url(portal, fail=True))
    expect(page).to_have_title("Your payment did not go through · Canal Street Coworking")
    # The default brand names no shop: the tenant's public site (the sandbox's
    # purchase page here) is where a buyer starts again.
    page.get_by_role("link", name="Try again").click()
    page.wait_for_url(f"{portal}/sandbox/")
    expect(page.get_by_role("button", name=re.compile("Pay", re.IGNORECASE))).to_be_visible()


def test_a_brand_shop_address_wins(page: Page, portal: str) -> None:
    brand_for_localhost(
        portal, website_url="https://canal.example/", shop_url="https://canal.example/shop"
    )
    page.goto(purchase_url(portal, fail=True))
    expect(page.get_by_role("link", name="Try again")).to_have_attribute(
        "href", "https://canal.example/shop"
    )


def test_the_address_copied_into_another_browser_explains_itself(
    chromium: Browser, page: Page, portal: str, settings: SettingsWrapper
) -> None:
    settings.BRAND_SUPPORT_EMAIL = "help@canal.example"
    page.goto(purchase_url(portal))
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    copied = page.url  # what the address bar shows: the token left it at once
    other = chromium.new_context(viewport=DESKTOP, base_url=portal)
    try:
        elsewhere = other.new_page()
        elsewhere.goto(copied)
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text(
            "This page opens only in the browser you paid in"
        )
        assert "copy it in full" not in elsewhere.content()
        expect(elsewhere.locator("main .contact")).to_contain_text("help@canal.example")
        elsewhere.get_by_role("link", name="Sign in to My Invoices").click()
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Sign in")
    finally:
        other.close()


def test_a_signed_in_buyer_gets_one_pdf_link_and_their_account_address(
    page: Page, portal: str, demo_customer: object
) -> None:
    sign_in(page)
    # Typed at the checkout in another case than the account's.
    page.goto(purchase_url(portal, email="Demo@Example.com"))
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    main = page.locator("main")
    expect(main.get_by_role("link", name=PDF_LINK)).to_have_count(1)
    # The page's own sentences name the account (the invoice's "Billed to" is the upstream's).
    for sentence in (main.locator(".lead"), main.locator(".account")):
        expect(sentence).to_contain_text("demo@example.com")
        expect(sentence).not_to_contain_text("Demo@Example.com")
    expect(main).to_contain_text("You are signed in as demo@example.com")
    expect(main).not_to_contain_text("Sign in to find it")
    expect(main.get_by_role("link", name="Go to My Invoices")).to_be_visible()

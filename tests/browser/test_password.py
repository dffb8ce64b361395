"""A new customer's way in, in Chromium: a purchase with a new email, "Set your password" on
the receipt, the email in the sandbox's outbox, its link, a new password, and My Invoices with
that purchase. And the links that do not work: wrong, expired, used."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from sandbox import conf as sandbox_conf
from sandbox import services
from sandbox.models import OutboxEmail

NEW_PASSWORD = "Harbour-view-2026"


def _reset_link(page: Page, email: str) -> str:
    """Opens the sandbox's outbox as a person would and returns the newest link to `email`."""
    page.goto("/sandbox/outbox")
    newest = page.locator("article.email").first
    expect(newest).to_contain_text(email)
    return newest.locator('a[href*="/user/resetPassword?token="]').get_attribute("href") or ""


def _choose(page: Page, password: str) -> None:
    """Types a new password twice and sends it."""
    page.get_by_label(re.compile(r"^New password:?$")).fill(password)
    page.get_by_label(re.compile(r"^New password, again:?$")).fill(password)
    page.get_by_role("button", name="Set my password and sign in").click()


def test_a_new_customer_sets_a_password_from_the_receipt_and_finds_the_purchase(
    page: Page, portal: str
) -> None:
    email = "new-buyer@example.com"
    basket = services.purchase_create(gateway="stripe", email=email)
    number = basket.invoice.invoice_number
    page.goto(services.completion_url(basket=basket))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your payment is confirmed"
    )
    page.get_by_role("button", name="Set your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.locator("main")).to_contain_text(email)

    page.get_by_role("link", name="Open the outbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    newest = page.locator("article.email").first
    expect(newest).to_contain_text(email)
    with page.expect_navigation():
        newest.locator('a[href*="/en/user/resetPassword?token="]').click()
    # The token has left the address bar (kept in the session, then a 303).
    assert page.url == f"{portal}/en/user/resetPassword"
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(page.get_by_label("Email")).to_have_value(email)

    _choose(page, NEW_PASSWORD)
    page.wait_for_url(f"{portal}/en/invoices/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My Invoices")
    expect(page.locator("table.invoices")).to_contain_text(number)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The new password signs in by itself too.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{portal}/en/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{portal}/en/invoices/")
    expect(page.locator("table.invoices")).to_contain_text(number)


def test_forgot_password_from_the_sign_in_page_and_a_policy_refusal(
    page: Page, portal: str, demo_customer: object
) -> None:
    page.goto("/en/sign-in")
    page.get_by_role("link", name="Forgot or never set your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set or reset your password")
    page.get_by_label("Email").fill("demo@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    page.goto(_reset_link(page, "demo@example.com"))

    # The location's policy speaks through the upstream's Errors, and the link still works.
    _choose(page, "short")
    expect(page.locator("main")).to_contain_text("at least 8 characters")
    expect(page.locator("main")).to_contain_text("must contain a digit")
    _choose(page, NEW_PASSWORD)
    page.wait_for_url(f"{portal}/en/invoices/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My Invoices")


def test_an_unknown_email_gets_the_same_answer_and_no_email(page: Page, portal: str) -> None:
    page.goto("/en/password/forgot")
    page.get_by_label("Email").fill("nobody-here@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.locator("main")).to_contain_text("nobody-here@example.com")
    assert not OutboxEmail.objects.exists()


def _invalid(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(page.get_by_role("link", name="Send me a new link")).to_be_visible()


def test_a_used_link_gives_a_clear_page(page: Page, portal: str, demo_customer: object) -> None:
    page.goto("/en/password/forgot")
    page.get_by_label("Email").fill("demo@example.com")
    page.get_by_role("button", name="Send me a link").click()
    link = _reset_link(page, "demo@example.com")
    page.goto(link)
    _choose(page, NEW_PASSWORD)
    page.wait_for_url(f"{portal}/en/invoices/")
    # Again, in another browser: said at once, before a password is typed (the portal
    # remembers the links it completed).
    page.context.clear_cookies()
    answer = page.goto(link)
    assert answer is not None
    assert answer.status == 400
    _invalid(page)
    expect(page.locator("main")).to_contain_text("already been used")


def test_an_expired_link_gives_a_clear_page_at_once(
    page: Page, portal: str, demo_customer: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_conf, "RESET_TOKEN_SECONDS", 1)
    page.goto("/en/password/forgot")
    page.get_by_label("Email").fill("demo@example.com")
    page.get_by_role("button", name="Send me a link").click()
    link = _reset_link(page, "demo@example.com")
    time.sleep(2)
    answer = page.goto(link)
    assert answer is not None
    assert answer.status == 400
    _invalid(page)


@pytest.mark.parametrize("token", ["not-a-token!", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
def test_a_wrong_link_gives_a_clear_page(page: Page, portal: str, token: str) -> None:
    page.goto(f"/en/user/resetPassword?token={token}")
    if page.get_by_role("heading", level=1).text_content() == "Choose your password":
        # Well-formed: only the upstream can tell, when the new password is sent.
        page.get_by_label("Email").fill("someone@example.com")
        _choose(page, NEW_PASSWORD)
    _invalid(page)

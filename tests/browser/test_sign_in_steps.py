"""The sign-in steps beyond the password, in Chromium against the live sandbox: the two-factor
code form ([docs] two_factor_auth_check, then totp) and the forced-reset page."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import Page, expect

from sandbox import demo, grants


def _password_step(page: Page, email: str) -> None:
    page.goto("/en/sign-in?next=/en/invoices/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form.stack button[type=submit]")


def test_two_factor_code_form(page: Page, demo_customer: object) -> None:
    _password_step(page, grants.DEMO_2FA_EMAIL)
    page.wait_for_url(re.compile(r"/en/sign-in/code\?next="))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    code = page.get_by_label("Code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")

    code.fill("000000")
    page.click("form.stack button[type=submit]")
    expect(page.get_by_text("That code is not right")).to_be_visible()
    assert "/en/sign-in/code" in page.url

    page.get_by_label("Code").fill(pyotp.TOTP(grants.DEMO_2FA_SECRET).now())
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/en/invoices/$"))
    expect(page.get_by_role("heading", name="My Invoices")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_password_to_reset_is_a_clear_page(page: Page, demo_customer: object) -> None:
    with page.expect_response(lambda answer: answer.url.endswith("/en/sign-in")) as answered:
        _password_step(page, grants.DEMO_RESET_EMAIL)
    assert answered.value.status == 403
    expect(page.get_by_role("heading", name="Your password must be reset")).to_be_visible()
    # The upstream's reset token is a JWT: nowhere in the page.
    assert not re.search(r"eyJ[\w-]+\.", page.content())
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_a_password_to_reset_leads_into_the_reset_flow(page: Page, demo_customer: object) -> None:
    """The upstream's reset token is kept in the session: "Choose a new password" opens the
    form for it, and the new password signs the customer in; the old one no longer works."""
    _password_step(page, grants.DEMO_RESET_EMAIL)
    page.get_by_role("link", name="Choose a new password").click()
    page.wait_for_url(re.compile(r"/en/user/resetPassword$"))
    # The token names the account: the form says whose password this is.
    expect(page.get_by_label("Email")).to_have_value(grants.DEMO_RESET_EMAIL)
    page.get_by_label(re.compile(r"^New password:?$")).fill("harbour-2026")
    page.get_by_label(re.compile(r"^New password, again:?$")).fill("harbour-2026")
    page.get_by_role("button", name="Set my password and sign in").click()
    page.wait_for_url(re.compile(r"/en/invoices/$"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto("/en/sign-in")
    page.fill("input[name=email]", grants.DEMO_RESET_EMAIL)
    page.fill("input[name=password]", "harbour-2026")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/en/invoices/$"))

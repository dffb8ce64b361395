"""Signing out in Chromium: what the browser keeps of the customer afterwards (the sign-out
button on every page is tested on its own)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.helpers.sign_in import sign_in_in_chromium


def test_sign_out_leaves_nothing_of_the_customer_in_the_browser(
    page: Page, demo_customer: object
) -> None:
    sign_in_in_chromium(page)
    page.goto("/en/")
    # Something a page script could have kept: Clear-Site-Data "storage" drops it.
    page.evaluate("localStorage.setItem('kept', 'yes'); sessionStorage.setItem('kept', 'yes')")
    with page.expect_response(re.compile(r"/en/sign-out$")) as answered:
        page.get_by_role("button", name="Sign out").click()
    assert answered.value.header_value("clear-site-data") == '"cache", "storage"'
    page.wait_for_url(re.compile(r"/en/sign-in$"))
    # Signed out, on the sign-in page (which names itself rather than linking to itself).
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    assert page.evaluate("localStorage.getItem('kept')") is None
    # My Invoices asks to sign in again; going back shows no page of the customer.
    page.goto("/en/invoices/")
    page.wait_for_url(re.compile(r"/en/sign-in\?next="))
    page.go_back()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("My Invoices")

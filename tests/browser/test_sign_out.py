"""Signing out in Chromium from every page that offers it: the home page, My Invoices, an
invoice, and a signed-in buyer's receipt. Chromium sends the form with the page's Origin
(Django's CSRF check needs it) only when the page's Referrer-Policy allows it: a page sent with
`no-referrer` posts `Origin: null`, which Django refuses with a 403."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import purchase_url
from tests.helpers.sign_in import sign_in_in_chromium


def _home(page: Page, portal: str) -> None:
    page.goto("/en/")


def _my_invoices(page: Page, portal: str) -> None:
    page.goto("/en/invoices/")


def _invoice(page: Page, portal: str) -> None:
    page.goto("/en/invoices/")
    page.locator("table.invoices th a").first.click()
    page.wait_for_url(re.compile(r"/en/invoices/\d+/$"))


def _receipt(page: Page, portal: str) -> None:
    # The demo customer buys again while signed in: the receipt is a signed-in buyer's.
    page.goto(purchase_url(portal, email="demo@example.com"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your payment is confirmed"
    )


@pytest.mark.parametrize(
    "where",
    [_home, _my_invoices, _invoice, _receipt],
    ids=["home", "my-invoices", "invoice", "receipt"],
)
def test_sign_out_works_from_every_page_that_offers_it(
    page: Page, portal: str, demo_customer: object, where: Callable[[Page, str], None]
) -> None:
    sign_in_in_chromium(page)
    where(page, portal)
    assert Session.objects.count() == 1
    posted: list[Request] = []
    page.on("request", lambda r: posted.append(r) if r.method == "POST" else None)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign out").click()
    assert len(posted) == 1
    # What Django's CSRF check reads: the page's own origin, never "null".
    assert posted[0].headers.get("origin") == portal
    answer = posted[0].response()
    assert answer is not None
    assert answer.status == 302
    # Ends on the sign-in page, a 200, not "This form has expired" (403).
    landed = navigation.value
    assert landed is not None
    assert landed.status == 200
    assert landed.url == f"{portal}/en/sign-in"
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    # The session that held the customer's tokens is gone; the new one holds none.
    assert all("access_token" not in str(s.get_decoded()) for s in Session.objects.all())
    # My Invoices asks to sign in again.
    page.goto("/en/invoices/")
    expect(page).to_have_url(re.compile(r"/en/sign-in\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_private_pages_keep_their_pdf_links_from_sending_a_referer(
    page: Page, portal: str, demo_customer: object
) -> None:
    """The other half of the page policy: `same-origin` on the page, `rel="noreferrer"` on
    every PDF link, so the upstream's PDF host never learns a portal address."""
    sign_in_in_chromium(page)
    for where in (_my_invoices, _invoice, _receipt):
        where(page, portal)
        answer = page.reload()
        assert answer is not None
        assert answer.headers["referrer-policy"] == "same-origin"
        links = page.locator('a[href*="/pdf"], a[href*="pdfByToken"]')
        assert links.count() >= 1, where.__name__
        for index in range(links.count()):
            assert "noreferrer" in (links.nth(index).get_attribute("rel") or "").split()

"""The guest's moment after paying, in Chromium: the confirmation and its PDF, a pending
payment turning into the confirmation without a reload, a reused link, the keyboard alone,
JavaScript off, printing, and no token in a third-party Referer."""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from brands.models import FooterLink
from tests.browser.conftest import (
    DESKTOP,
    PDF_LINK,
    brand_for_localhost,
    leave_the_pdf_viewer,
    open_pdf,
    purchase_url,
    set_visibility,
)
from tests.helpers.harness import free_port
from tests.helpers.servers import LoopbackHTTPServer


def test_from_purchase_to_pdf(page: Page, portal: str) -> None:
    page.goto(purchase_url(portal, email="guest@example.com"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your payment is confirmed"
    )
    # The token left the address bar at once.
    assert page.url.endswith("/en/invoices/complete")
    number = page.get_by_role("heading", level=2).first.inner_text().split()[-1]
    assert number in open_pdf(page)


def test_pending_turns_into_the_confirmation_without_a_reload(page: Page, portal: str) -> None:
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.goto(purchase_url(portal, pending_seconds=3))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirming your payment…")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your payment is confirmed", timeout=15_000
    )
    assert len(loads) == 1  # htmx swapped the state in place
    # The live region announced it.
    assert page.locator("#checkout-state[aria-live=polite]").count() == 1


def test_a_hidden_tab_sends_no_poll_and_showing_it_asks_at_once(page: Page, portal: str) -> None:
    polls: list[str] = []
    page.on(
        "request", lambda request: polls.append(request.url) if "poll=" in request.url else None
    )
    page.goto(purchase_url(portal, pending_seconds=2))
    set_visibility(page, "hidden")
    page.wait_for_timeout(4_500)  # the first poll was due after 2 s
    assert polls == []
    set_visibility(page, "visible")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your payment is confirmed", timeout=3_000
    )
    assert len(polls) == 1


def test_a_reused_link_in_a_fresh_browser(chromium: Browser, page: Page, portal: str) -> None:
    link = purchase_url(portal)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your payment is confirmed"
    )
    fresh = chromium.new_context(viewport=DESKTOP, base_url=portal)
    try:
        other = fresh.new_page()
        other.goto(link)
        expect(other.get_by_role("heading", level=1)).to_have_text(
            "This purchase link has already been used"
        )
        # Still a way to the invoice, and no account details.
        assert "%PDF" not in other.content()
        open_pdf(other)
    finally:
        fresh.close()


def test_the_guest_flow_with_the_keyboard_alone(page: Page, portal: str) -> None:
    page.goto(purchase_url(portal))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if PDF_LINK.search(str(focused)):
            break
    else:
        pytest.fail("the PDF link cannot be reached with Tab")
    # Focus is visible: an outline of at least 2 px.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(str(outline).removesuffix("px")) >= 2
    with page.expect_response(lambda answer: "/pdf" in answer.url) as answered:
        page.keyboard.press("Enter")
    assert answered.value.headers["content-type"] == "application/pdf"
    leave_the_pdf_viewer(page)


def test_the_confirmation_prints_cleanly(page: Page, portal: str) -> None:
    page.goto(purchase_url(portal))
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("link", name=PDF_LINK).first.is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    printed = page.pdf(format="A4")
    pages = PdfReader(io.BytesIO(printed)).pages
    # NFKC: the printed text's ligatures (ﬁ) as letters again.
    text = unicodedata.normalize("NFKC", "\n".join(part.extract_text() for part in pages))
    assert "Thank you, your payment is confirmed" in text
    assert "View invoice" not in text
    assert len(PdfReader(io.BytesIO(printed)).pages) == 1


def test_without_javascript_the_guest_still_gets_the_pdf(chromium: Browser, portal: str) -> None:
    context = chromium.new_context(viewport=DESKTOP, base_url=portal, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(purchase_url(portal, pending_seconds=2))
        # Pending without JavaScript: the page reloads itself (meta refresh) until paid.
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Thank you, your payment is confirmed", timeout=15_000
        )
        open_pdf(page)
    finally:
        context.close()


@pytest.fixture
def third_party() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Another site on another port, keeping the headers of every request it gets."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers.items()))
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>Elsewhere</title><p>Elsewhere</p>")

        def log_message(self, format: str, *args: object) -> None:
            return

    port = free_port()
    server = LoopbackHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    yield f"http://127.0.0.1:{port}/terms", seen
    server.shutdown()
    server.server_close()


def test_a_third_party_link_sends_no_token_in_its_referer(
    context: BrowserContext, portal: str, third_party: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = third_party
    brand = brand_for_localhost(portal)
    FooterLink.objects.create(brand=brand, label="Terms", url=url)
    page = context.new_page()
    link = purchase_url(portal)
    token = link.split("=")[-1]
    page.goto(link)
    page.get_by_role("link", name="Terms").click()
    page.wait_for_url(url)
    assert seen  # the page, and whatever else the browser asked that site for (a favicon)
    for headers in seen:
        # The site's own favicon request may name its own page; nothing may name ours.
        assert not headers.get("Referer", "").startswith(portal)
        assert all(token not in value for value in headers.values())
    assert "Referer" not in seen[0]

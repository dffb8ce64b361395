"""My Invoices in Chromium: sign in, open a PDF, a link that still works after its first media
JWT expired, a hidden tab that sends no poll, and the same downloads with JavaScript off."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import conf as sandbox_conf
from tests.browser.conftest import DESKTOP, open_pdf, set_visibility
from tests.helpers.sign_in import sign_in_in_chromium

FIRST_PDF = re.compile(r"^View PDF INV-")


def _first_jwt(page: Page) -> str:
    href = page.get_by_role("link", name=FIRST_PDF).first.get_attribute("href") or ""
    return parse_qs(urlsplit(href).query).get("t", [""])[0]


def test_sign_in_and_open_a_pdf(page: Page, demo_customer: object) -> None:
    sign_in_in_chromium(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("My Invoices")
    expect(page.get_by_role("link", name=FIRST_PDF).first).to_be_visible()
    # The poll has put direct upstream links with a media JWT in place of the portal's.
    expect(page.get_by_role("link", name=FIRST_PDF).first).to_have_attribute(
        "href", re.compile(r"/pdf\?t=ey")
    )
    assert "INV-" in open_pdf(page, FIRST_PDF)


def test_a_link_still_works_after_its_first_jwt_expired(
    page: Page,
    demo_customer: object,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Media JWTs of 4 s, reused for 2 s: the poll must replace them to keep links working.
    monkeypatch.setattr(sandbox_conf, "MEDIA_TOKEN_SECONDS", 4)
    settings.MEDIA_JWT_REUSE_SECONDS = 2
    sign_in_in_chromium(page)
    expect(page.get_by_role("link", name=FIRST_PDF).first).to_have_attribute(
        "href", re.compile(r"/pdf\?t=ey")
    )
    first = _first_jwt(page)
    page.wait_for_timeout(5_000)  # the first JWT is dead by now
    assert _first_jwt(page) != first
    open_pdf(page, FIRST_PDF)


def test_a_hidden_tab_polls_nothing_and_refreshes_when_shown(
    page: Page,
    demo_customer: object,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox_conf, "MEDIA_TOKEN_SECONDS", 4)
    settings.MEDIA_JWT_REUSE_SECONDS = 2
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/invoices/links" in r.url else None)
    sign_in_in_chromium(page)
    expect(page.get_by_role("link", name=FIRST_PDF).first).to_have_attribute(
        "href", re.compile(r"/pdf\?t=ey")
    )
    before = len(polls)
    set_visibility(page, "hidden")
    page.wait_for_timeout(4_000)  # two refreshes would have been due
    assert len(polls) == before
    stale = _first_jwt(page)
    set_visibility(page, "visible")
    page.wait_for_timeout(1_000)
    assert len(polls) == before + 1
    assert _first_jwt(page) != stale


def test_without_javascript_my_invoices_downloads_still_work(
    chromium: Browser, portal: str, demo_customer: object
) -> None:
    context = chromium.new_context(viewport=DESKTOP, base_url=portal, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_in_chromium(page)
        # The portal's own link: it mints a fresh media JWT and redirects to the PDF.
        expect(page.get_by_role("link", name=FIRST_PDF).first).to_have_attribute(
            "href", re.compile(r"^/en/invoices/\d+/pdf$")
        )
        assert "INV-" in open_pdf(page, FIRST_PDF)
    finally:
        context.close()

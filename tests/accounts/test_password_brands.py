"""A password link points at the portal of the brand it was asked from: two brands of one
portal process, each on its own host and its own sandbox tenant; each tenant knows its
portal's address (Business.portal_url, else the sandbox's configured SANDBOX_PORTAL_URL), as a
Nexudus tenant knows its portal's domain."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost
from sandbox import conf as sandbox_conf
from sandbox import services
from sandbox.models import Business, OutboxEmail

NEW_PASSWORD = "Harbour-view-2026"


def _form(browser: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """Fills the form at `url` as a browser would: its CSRF token, and the page as Referer."""
    page = browser.get(url, timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    return browser.post(
        url,
        data={"csrfmiddlewaretoken": csrf.group(1), **data},
        headers={"Referer": url},
        timeout=30,
    )


def _newest_link(to: str) -> str:
    email = OutboxEmail.objects.filter(to=to, body__contains="/user/resetPassword").first()
    assert email is not None
    found = re.search(r"https?://\S+/user/resetPassword\?token=\S+", email.body)
    assert found is not None
    return found.group(0)


def test_each_brands_customers_get_links_to_their_own_portal(
    portal: str, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = urlsplit(portal).port
    canal_url, harbour_url = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    # The sandbox's default portal is the first brand's; the second tenant names its own.
    monkeypatch.setattr(sandbox_conf, "PORTAL_URL", canal_url)
    canal_business = services.demo_business_get_or_create()
    harbour_business = Business.objects.create(
        id=canal_business.pk + 1,
        name="Harbour Sandbox Tenant",
        web_address=f"localhost:{port}",
        portal_url=harbour_url,
    )
    for slug, url, host in (
        ("canal", canal_url, "127.0.0.1"),
        ("harbour", harbour_url, "localhost"),
    ):
        brand = Brand.objects.create(
            slug=slug,
            name=slug.title(),
            upstream_url=f"{url}/sandbox",
            public_base_url="/sandbox",
            pdf_link_scheme="http",
            languages="en,de",
        )
        BrandHost.objects.create(brand=brand, host=host)
    # A new customer of each tenant, by a purchase registered at its own brand.
    numbers = {}
    for business, url, email in (
        (canal_business, canal_url, "ada@example.com"),
        (harbour_business, harbour_url, "grace@example.com"),
    ):
        basket = services.purchase_create(gateway="stripe", email=email, business=business)
        numbers[email] = basket.invoice.invoice_number
        with requests.Session() as browser:
            receipt = browser.get(
                f"{url}/en/invoices/complete?stripe_session_id={basket.guid}", timeout=30
            )
            assert "Set your password" in receipt.text

    with requests.Session() as browser:
        sent = _form(browser, f"{harbour_url}/de/password/forgot", {"email": "grace@example.com"})
        assert sent.status_code == 200
        assert sent.url == f"{harbour_url}/de/password/sent"
        link = _newest_link("grace@example.com")
        assert link.startswith(f"{harbour_url}/de/user/resetPassword?token=")
        # Asked at the other brand, Harbour's customer is unknown there: no email.
        _form(browser, f"{canal_url}/en/password/forgot", {"email": "grace@example.com"})
        resets = OutboxEmail.objects.filter(to="grace@example.com", body__contains="resetPassword")
        assert resets.count() == 1

        form = browser.get(link, timeout=30)
        assert form.url == f"{harbour_url}/de/user/resetPassword"
        assert "Harbour" in form.text
        done = _form(
            browser,
            form.url,
            {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
        assert done.url == f"{harbour_url}/de/invoices/"
        assert "Meine Rechnungen" in done.text
        assert numbers["grace@example.com"] in done.text
        assert numbers["ada@example.com"] not in done.text

    with requests.Session() as browser:
        _form(browser, f"{canal_url}/en/password/forgot", {"email": "ada@example.com"})
        assert _newest_link("ada@example.com").startswith(f"{canal_url}/en/user/resetPassword?")

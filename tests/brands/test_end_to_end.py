"""Two brands served by one portal process, end to end: each host shows its own brand on the
completion page and My Invoices, and calls its own upstream (two tenants of the live sandbox,
told apart by the host they are reached on, as Nexudus tenants are)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from pypdf import PdfReader
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost
from sandbox import demo, services
from sandbox.models import Business, Customer, OutboxEmail
from tests.helpers.harness import demo_sign_in
from tests.helpers.html import csrf_token

PASSWORD = "Harbour-pw-83f1"


@dataclass(frozen=True)
class Site:
    url: str  # where a browser reaches this brand's portal
    api_host: str  # the host its upstream (a sandbox tenant) is reached on
    business: Business


def _form_sent(browser: requests.Session, url: str, **fields: str) -> requests.Response:
    """The form at `url`, loaded and sent with these fields, as a browser would."""
    token = csrf_token(browser.get(url, timeout=30).text)
    return browser.post(url, {"csrfmiddlewaretoken": token, **fields}, timeout=30)


def _sandbox_brand(slug: str, host: str, port: int | None, **fields: str) -> Brand:
    """A brand for `host` whose upstream is the live sandbox reached on that host (a tenant
    of its own when a business names that host)."""
    brand = Brand.objects.create(
        slug=slug,
        upstream_url=f"http://{host}:{port}/sandbox",
        public_base_url="/sandbox",
        pdf_link_scheme="http",
        **fields,
    )
    BrandHost.objects.create(brand=brand, host=host)
    return brand


@pytest.fixture
def sites(portal: str, settings: SettingsWrapper) -> tuple[Site, Site]:
    port = urlsplit(portal).port
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    canal_business = services.demo_business_get_or_create()
    # An explicit id: the demo business was made with id 1, which PostgreSQL's sequence does
    # not know about.
    harbour_business = Business.objects.create(
        id=canal_business.pk + 1,
        name="Harbour Sandbox Tenant",
        web_address=f"localhost:{port}",
        town_city="Rotterdam",
    )
    _sandbox_brand("canal", "127.0.0.1", port, languages="en,es,fr,de")
    _sandbox_brand(
        "harbour",
        "localhost",
        port,
        name="Harbour Works",
        primary_color="#0b6e4f",
        default_language="de",
        languages="en,de",
    )
    return (
        Site(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", canal_business),
        Site(f"http://localhost:{port}", f"localhost:{port}", harbour_business),
    )


def _complete(site: Site, language: str, email: str) -> tuple[str, str]:
    """A guest purchase at this site's tenant, returned to this site: (page, PDF link)."""
    basket = services.purchase_create(gateway="stripe", email=email, business=site.business)
    with requests.Session() as browser:
        page = browser.get(
            f"{site.url}/{language}/invoices/complete?stripe_session_id={basket.guid}", timeout=30
        )
        assert page.status_code == 200, page.text
        link = re.search(r'href="(http[^"]*pdfByToken[^"]*)"', page.text)
        assert link is not None
        return page.text, link.group(1).replace("&amp;", "&")


def _pdf_text(url: str) -> str:
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


def test_each_brand_completes_a_purchase_with_its_own_upstream(sites: tuple[Site, Site]) -> None:
    canal, harbour = sites
    canal_page, canal_pdf = _complete(canal, "en", "ada@example.com")
    harbour_page, harbour_pdf = _complete(harbour, "de", "grace@example.com")

    assert "Canal Street Coworking" in canal_page
    assert "Harbour" not in canal_page
    assert "Harbour Works" in harbour_page
    assert "Canal" not in harbour_page
    assert "--color-primary:#0b6e4f" in harbour_page
    # German page, and the German upstream answer's amounts (Accept-Language).
    assert '<html lang="de"' in harbour_page
    assert "Vielen Dank" in harbour_page
    assert re.search(r"\d+,\d\d\xa0€", harbour_page)

    # Each invoice's PDF link points at its own tenant, which knows only its own invoices.
    assert urlsplit(canal_pdf).netloc == canal.api_host
    assert urlsplit(harbour_pdf).netloc == harbour.api_host
    assert "Canal Street Coworking" in _pdf_text(canal_pdf)
    assert "Harbour Sandbox Tenant" in _pdf_text(harbour_pdf)
    wrong_tenant = harbour_pdf.replace(harbour.api_host, canal.api_host)
    assert requests.get(wrong_tenant, timeout=30).status_code in (401, 404)


def _customer(site: Site, email: str) -> Customer:
    customer, _ = services.customer_get_or_create(business=site.business, email=email)
    customer.password, customer.portal_access = make_password(PASSWORD), True
    customer.save()
    services.invoice_create(
        business=site.business,
        email=email,
        customer=customer,
        lines=[(f"Desk at {site.business.name}", 1, Decimal("100.00"))],
    )
    return customer


def _signed_in(site: Site, language: str, email: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    # A browser set to this language, as a customer reading the portal in it usually has.
    browser.headers["Accept-Language"] = f"{language},en;q=0.5"
    signed_in = demo_sign_in(browser, site.url, email=email, password=PASSWORD, language=language)
    assert signed_in.status_code == 200, signed_in.text
    return browser, signed_in.text


def _first_pdf(site: Site, browser: requests.Session, page: str) -> str:
    """The first invoice's PDF through the page's link (the portal mints a media JWT and
    redirects): the PDF must come from this site's own tenant."""
    link = re.search(r'href="(/[a-z]{2}/invoices/\d+/pdf)"', page)
    assert link is not None
    answer = browser.get(site.url + link.group(1), timeout=30)
    assert answer.status_code == 200
    assert urlsplit(answer.url).netloc == site.api_host
    assert answer.content.startswith(b"%PDF-")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)


def test_each_brand_lists_its_own_customers_invoices(sites: tuple[Site, Site]) -> None:
    canal, harbour = sites
    _customer(canal, "ada@example.com")
    _customer(harbour, "grace@example.com")

    canal_browser, canal_list = _signed_in(canal, "en", "ada@example.com")
    harbour_browser, harbour_list = _signed_in(harbour, "de", "grace@example.com")
    with canal_browser, harbour_browser:
        assert "My Invoices" in canal_list
        assert "Canal Street Coworking" in canal_list
        assert "Meine Rechnungen" in harbour_list
        assert "Harbour Works" in harbour_list
        assert "Desk at Canal Street Coworking" in _first_pdf(canal, canal_browser, canal_list)
        harbour_pdf = _first_pdf(harbour, harbour_browser, harbour_list)
        assert "Desk at Harbour Sandbox Tenant" in harbour_pdf
        # PDF links go from the browser to the tenant, which answers in the browser's language
        # (the contract's links carry none of their own).
        assert "RECHNUNG" in harbour_pdf


def test_one_brands_customer_cannot_sign_in_at_the_other(sites: tuple[Site, Site]) -> None:
    canal, harbour = sites
    _customer(canal, "ada@example.com")
    with requests.Session() as browser:
        refused = demo_sign_in(browser, harbour.url, email="ada@example.com", password=PASSWORD)
    assert refused.status_code == 400
    assert "do not match an account" in refused.text


def test_a_second_brand_in_the_demo_is_a_tenant_of_its_own(
    portal: str, settings: SettingsWrapper
) -> None:
    """As docs/operators.md tries a second brand in the demo: `sandbox_tenant` for its host,
    then the brand. The sandbox's purchase page returns the buyer to that brand (not to
    SANDBOX_PORTAL_URL, a host no brand serves any more), its emails name that tenant and link
    to that brand, and the footer shows that tenant's address."""
    port = urlsplit(portal).port
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    demo.demo_seed()
    call_command(
        "sandbox_tenant", f"localhost:{port}", "--name=Harbour Works", "--address=Maasboulevard 9"
    )
    _sandbox_brand("harbour", "localhost", port, languages="en,de")
    site = f"http://localhost:{port}"
    with requests.Session() as browser:
        made = _form_sent(browser, f"{site}/sandbox/", gateway="stripe", pending_seconds="0")
        completion = re.search(r'href="([^"]*invoices/complete[^"]*)"', made.text)
        assert completion is not None
        assert completion.group(1).startswith(f"{site}/en/invoices/complete?")
        receipt = browser.get(completion.group(1).replace("&amp;", "&"), timeout=30)
        assert receipt.status_code == 200
        assert "Harbour Works" in receipt.text
        assert "Maasboulevard 9" in receipt.text
        assert "Canal Street" not in receipt.text
        assert demo_sign_in(browser, site).status_code == 200

    with requests.Session() as browser:
        sent = _form_sent(browser, f"{site}/en/password/forgot", email=demo.DEMO_EMAIL)
        assert sent.status_code == 200
    # The purchase's receipt went to the same outbox; this is the reset link's email.
    emails = OutboxEmail.objects.filter(business__web_address=f"localhost:{port}")
    [reset] = emails.filter(body__contains="/user/resetPassword")
    assert "Harbour Works" in reset.subject
    assert f"{site}/en/user/resetPassword?token=" in reset.body

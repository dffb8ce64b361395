"""What operators meet: the page of a host no brand serves, the admin's warnings before a change
leaves a host without a brand, and the brand form's wording (Django's test client; the colour
pickers in Chromium are in tests/browser/test_operators.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.hosts import hosts_without_brand, site_hosts
from brands.models import Brand, BrandHost

pytestmark = pytest.mark.django_db
ADD = "/admin/brands/brand/add/"
LIST = "/admin/brands/brand/"
SITE = ["portal.example", "billing.harbour.example", ".wild.example", "*", "Upper.Example."]


@pytest.fixture
def operator(client: Client, settings: SettingsWrapper) -> Client:
    settings.ALLOWED_HOSTS = [*SITE, "testserver"]
    client.force_login(User.objects.create_superuser("operator", "op@example.com", "pw"))
    return client


def _brand(slug: str, *hosts: str) -> Brand:
    brand = Brand.objects.create(slug=slug, upstream_url=f"https://{slug}.spaces.nexudus.com")
    for host in hosts:
        BrandHost.objects.create(brand=brand, host=host)
    return brand


def _warnings(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", found).strip()
        for found in re.findall(r'<li class="warning">(.*?)</li>', html, flags=re.DOTALL)
    ]


def test_the_site_hosts_are_the_exact_allowed_names(settings: SettingsWrapper) -> None:
    settings.ALLOWED_HOSTS = SITE
    assert site_hosts() == ["billing.harbour.example", "portal.example", "upper.example"]
    settings.ALLOWED_HOSTS = []
    settings.DEBUG = True
    assert site_hosts() == ["127.0.0.1", "localhost"]


def test_hosts_without_brand(settings: SettingsWrapper) -> None:
    settings.ALLOWED_HOSTS = SITE
    assert hosts_without_brand() == []  # no brand yet: every host gets the default brand
    harbour = _brand("harbour", "billing.harbour.example")
    assert hosts_without_brand() == ["portal.example", "upper.example"]
    canal = _brand("canal", "portal.example", "upper.example")
    assert hosts_without_brand() == []
    assert hosts_without_brand(leaving_out=canal.pk) == ["portal.example", "upper.example"]
    settings.DEFAULT_BRAND = "harbour"
    assert hosts_without_brand(leaving_out=canal.pk) == []
    # A default brand that is the one deleted catches nothing.
    assert hosts_without_brand(leaving_out=harbour.pk) == ["billing.harbour.example"]


def test_the_first_brand_s_form_warns_that_other_hosts_lose_the_default(
    operator: Client,
) -> None:
    [warning] = _warnings(operator.get(ADD).content.decode())
    assert "Once this brand is saved" in warning
    assert "billing.harbour.example, portal.example, testserver, upper.example" in warning


def test_the_list_and_forms_name_hosts_without_a_brand(operator: Client) -> None:
    brand = _brand("harbour", "billing.harbour.example", "testserver")
    for page in (LIST, ADD, f"{LIST}{brand.pk}/change/"):
        [warning] = _warnings(operator.get(page).content.decode())
        assert "No brand lists these host names" in warning
        assert warning.endswith(
            "portal.example, upper.example. List them under a brand, or set DEFAULT_BRAND."
        )


def test_deleting_a_brand_warns_which_hosts_it_leaves_without_one(operator: Client) -> None:
    _brand("harbour", "billing.harbour.example", "testserver")
    canal = _brand("canal", "portal.example", "upper.example")
    warnings = _warnings(operator.get(f"{LIST}{canal.pk}/delete/").content.decode())
    assert warnings == [
        "Deleting this brand leaves these host names without a brand; they will show "
        "“This address is not set up”: portal.example, upper.example."
    ]


def test_no_warning_when_every_host_has_a_brand_or_a_default_catches_them(
    operator: Client, settings: SettingsWrapper
) -> None:
    _brand("canal", "portal.example", "upper.example", "billing.harbour.example", "testserver")
    assert _warnings(operator.get(LIST).content.decode()) == []
    Brand.objects.get().hosts.filter(host="portal.example").delete()
    settings.DEFAULT_BRAND = "canal"
    assert _warnings(operator.get(LIST).content.decode()) == []


def _form(**changes: Any) -> dict[str, Any]:
    return {
        "slug": "harbour",
        "upstream_url": "https://harbour.spaces.nexudus.com",
        "pdf_link_scheme": "https",
        "invoice_payment": "upstream",
        "payment_gateway": "stripe",
        "receipt_emailed": "on",
        "default_language": "en",
        "languages": ["en"],
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "footer_links-TOTAL_FORMS": "0",
        "footer_links-INITIAL_FORMS": "0",
        **changes,
    }


def test_an_http_logo_address_is_told_to_use_https(operator: Client) -> None:
    html = operator.post(ADD, _form(logo_url="http://cdn.example/logo.png")).content.decode()
    assert "Use an https:// address: browsers block http images on a secure page." in html
    assert "Enter a valid URL" not in html
    assert not Brand.objects.exists()
    junk = operator.post(ADD, _form(logo_url="https://")).content.decode()
    assert "Enter a valid URL" in junk


def test_website_and_shop_addresses_are_saved(operator: Client) -> None:
    response = operator.post(
        ADD, _form(website_url="https://harbour.example/", shop_url="https://harbour.example/shop")
    )
    assert response.status_code == 302
    brand = Brand.objects.get()
    assert (brand.website_url, brand.shop_url) == (
        "https://harbour.example/",
        "https://harbour.example/shop",
    )
    refused = operator.post(ADD, _form(slug="other", website_url="javascript:alert(1)"))
    assert refused.status_code == 200


def test_the_brand_form_s_labels_help_and_colour_pickers(operator: Client) -> None:
    html = operator.get(ADD).content.decode()
    labels = [
        re.sub(r"<[^>]+>|:", "", label).strip()
        for label in re.findall(r"<label[^>]*>(.*?)</label>", html, flags=re.DOTALL)
    ]
    assert "Languages" in labels
    assert "Upload a logo" in labels
    assert "Website address" in labels
    assert [label for label in labels if label[:1].islower()] == []
    assert "themes/canal/" in html
    assert "themes//" not in html
    for name in ("primary_color", "secondary_color", "background_color", "text_color"):
        assert f'data-color-for="id_{name}"' in html
    assert "js/brand-colors.js" in html


def test_an_unknown_host_gets_a_neutral_page_in_the_address_s_language(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = SITE
    _brand("harbour", "billing.harbour.example")
    response = client.get("/de/invoices/", HTTP_HOST="portal.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Diese Adresse ist nicht eingerichtet" in html
    assert "css/portal.css" in html
    assert "portal.example" in html
    assert "harbour" not in html.lower()
    french = client.get("/", HTTP_HOST="portal.example", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Cette adresse n\u2019est pas configurée" in french.content.decode()

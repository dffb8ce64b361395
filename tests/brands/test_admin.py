"""The brand admin: validation that keeps brands safe and readable."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from brands.models import Brand

pytestmark = pytest.mark.django_db
ADD = "/admin/brands/brand/add/"


@pytest.fixture
def operator(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("operator", "op@example.com", "pw"))
    return client


def _form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "harbour",
        "name": "Harbour Works",
        "upstream_url": "https://harbour.spaces.nexudus.com",
        "public_base_url": "",
        "pdf_link_scheme": "https",
        "invoice_payment": "upstream",
        "payment_gateway": "stripe",
        "receipt_emailed": "on",
        "default_language": "en",
        "languages": ["en", "es"],
        "hosts-TOTAL_FORMS": "1",
        "hosts-INITIAL_FORMS": "0",
        "hosts-0-host": "Billing.Harbour.example",
        "footer_links-TOTAL_FORMS": "0",
        "footer_links-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), "#0b6e4f").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_brand_is_saved_with_its_host_in_lower_case(operator: Client) -> None:
    response = operator.post(ADD, _form())
    assert response.status_code == 302, response.content.decode()
    brand = Brand.objects.get(slug="harbour")
    assert [host.host for host in brand.hosts.all()] == ["billing.harbour.example"]
    assert brand.languages == "en,es"


def test_unreadable_text_on_background_is_refused(operator: Client) -> None:
    response = operator.post(ADD, _form(text_color="#777777", background_color="#888888"))
    assert response.status_code == 200
    assert "WCAG AA asks for at least 4.5:1" in response.content.decode()
    assert not Brand.objects.exists()


def test_a_light_primary_is_saved_and_the_operator_told_which_text_colour_it_gets(
    operator: Client,
) -> None:
    response = operator.post(ADD, _form(primary_color="#ffeb3b"), follow=True)
    page = response.content.decode()
    assert Brand.objects.get().primary_color == "#ffeb3b"
    assert "Adjusted for readability" in page
    assert "text on primary uses #1b1f23" in page


@pytest.mark.parametrize(
    "field",
    ["primary_color", "secondary_color", "background_color", "text_color"],
)
def test_a_colour_holding_css_is_refused(operator: Client, field: str) -> None:
    response = operator.post(ADD, _form(**{field: "#fff;background:url(//evil)"}))
    assert response.status_code == 200
    assert not Brand.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("upstream_url", "javascript:alert(1)"),
        ("logo_url", "http://cdn.example/logo.png"),
        ("public_base_url", "/a/../../b"),
        ("support_phone", "<script>"),
        ("slug", "../etc"),
        ("hosts-0-host", "evil.example:8000"),
        ("default_language", "fr"),
    ],
)
def test_unsafe_values_are_refused(operator: Client, field: str, value: str) -> None:
    response = operator.post(ADD, _form(**{field: value}))
    assert response.status_code == 200
    assert not Brand.objects.exists()


def test_a_footer_link_must_be_a_web_address(operator: Client) -> None:
    response = operator.post(
        ADD,
        _form(
            **{
                "footer_links-TOTAL_FORMS": "1",
                "footer_links-0-label": "Terms",
                "footer_links-0-url": "javascript:alert(1)",
                "footer_links-0-position": "0",
            }
        ),
    )
    assert response.status_code == 200
    assert not Brand.objects.exists()


def test_a_png_logo_is_stored_and_an_svg_refused(operator: Client) -> None:
    svg = SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml")
    refused = operator.post(ADD, _form(logo_file=svg))
    assert refused.status_code == 200
    assert not Brand.objects.exists()
    png = SimpleUploadedFile("logo.png", _png(), "image/png")
    assert operator.post(ADD, _form(logo_file=png)).status_code == 302
    brand = Brand.objects.get()
    assert bytes(brand.logo) == _png()
    assert brand.logo_type == "image/png"


def test_the_admin_is_for_staff_only(client: Client) -> None:
    response = client.get(ADD)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_brand_pages_render_with_the_readability_figures(operator: Client) -> None:
    assert operator.get(ADD).status_code == 200
    operator.post(ADD, _form(primary_color="#ffeb3b"))
    brand = Brand.objects.get()
    page = operator.get(f"/admin/brands/brand/{brand.pk}/change/").content.decode()
    assert "Button text on primary: #1b1f23 on #ffeb3b, 13.58:1" in page
    listing = operator.get("/admin/brands/brand/").content.decode()
    assert "billing.harbour.example" in listing

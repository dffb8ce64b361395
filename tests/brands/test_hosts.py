"""Brands by host: each host shows its own brand and calls its own upstream, nothing leaks
between brands, and brand fields cannot inject markup or CSS."""

from __future__ import annotations

import re
import time

import pytest
import responses
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper
from responses import matchers

from accounts import services as accounts
from brands.middleware import SESSION_BRAND
from brands.models import Brand, BrandHost, FooterLink
from tests.helpers import upstream_data
from tests.helpers.sign_in import asked_to_sign_in, sign_in, signed_in, tokens
from upstream import endpoints

pytestmark = pytest.mark.django_db

CANAL_API = "https://canal.upstream.example"
HARBOUR_API = "https://harbour.upstream.example"
GUID = "5f0c7a0e-3b1d-4c2e-9a57-2f6f3e8d1c44"


@pytest.fixture(autouse=True)
def any_host(settings: SettingsWrapper) -> None:
    # The brands decide which hosts are served (portal/middleware.py); Django's own check is
    # opened here so that the brand check is the one under test.
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def brands() -> tuple[Brand, Brand]:
    canal = Brand.objects.create(slug="canal", upstream_url=CANAL_API, languages="en,es,fr,de")
    BrandHost.objects.create(brand=canal, host="portal.canal.example")
    harbour = Brand.objects.create(
        slug="harbour",
        name="Harbour Works",
        upstream_url=HARBOUR_API,
        primary_color="#0b6e4f",
        logo_url="https://cdn.harbour.example/logo.png",
        support_email="help@harbour.example",
        default_language="es",
        languages="en,es",
    )
    BrandHost.objects.create(brand=harbour, host="billing.harbour.example")
    FooterLink.objects.create(brand=harbour, label="Terms", url="https://harbour.example/terms")
    return canal, harbour


@pytest.fixture
def upstreams(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    for api, name, primary in [
        (CANAL_API, "Canal Street Coworking", "#8a1c7c"),
        (HARBOUR_API, "Harbour Upstream Name", "#123456"),
    ]:
        upstream_http.get(
            api + endpoints.BUSINESS_CURRENT,
            json={**upstream_data.business(), "Name": name, "Address": "Quay 1"},
        )
        upstream_http.get(
            api + endpoints.business_colors(1),
            json={"primaryColor": primary, "secondaryColor": "#f2a541"},
        )
    return upstream_http


def _customer_of(client: Client, brand: str) -> None:
    """A signed-in customer of `brand` in this client's session, with a fresh access token."""
    session = client.session
    session[accounts.SESSION_KEY] = {
        "email": upstream_data.EMAIL,
        "client_id": "portal-test",
        "access_token": upstream_data.ACCESS,
        "refresh_token": upstream_data.REFRESH,
        "expires_at": time.time() + 3600,
    }
    session[SESSION_BRAND] = brand
    session.save()


def _hosts_called(mock: responses.RequestsMock) -> set[str]:
    return {re.sub(r"^(https://[^/]+).*", r"\1", str(call.request.url)) for call in mock.calls}


def test_each_host_shows_its_own_brand(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    _customer_of(client, "canal")
    canal = client.get("/en/", HTTP_HOST="portal.canal.example").content.decode()
    # Canal leaves name and colours empty: the upstream's fill them, the colours fetched
    # with the signed-in customer's bearer ([docs] 401 without one).
    assert "Canal Street Coworking" in canal
    assert "--color-primary:#8a1c7c" in canal
    assert "Harbour" not in canal
    [colors] = [call for call in upstreams.calls if str(call.request.url).endswith("/colors")]
    assert colors.request.headers["Authorization"] == f"Bearer {upstream_data.ACCESS}"

    harbour = client.get("/en/", HTTP_HOST="billing.harbour.example").content.decode()
    # Harbour's own values win over its upstream's.
    assert "Harbour Works" in harbour
    assert "Harbour Upstream Name" not in harbour
    assert "--color-primary:#0b6e4f" in harbour
    assert 'src="https://cdn.harbour.example/logo.png"' in harbour
    assert 'href="mailto:help@harbour.example"' in harbour
    assert 'href="https://harbour.example/terms" rel="noopener noreferrer">Terms<' in harbour
    assert "Canal" not in harbour


def test_without_a_customer_the_colours_are_the_brands_own(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    canal = client.get("/en/", HTTP_HOST="portal.canal.example").content.decode()
    # [docs] The colours need a customer's bearer: an anonymous page does not ask for them.
    assert not [call for call in upstreams.calls if str(call.request.url).endswith("/colors")]
    assert "--color-primary:#8a1c7c" not in canal
    assert "Canal Street Coworking" in canal
    # Once a customer's page has fetched them, every page of the brand has them.
    _customer_of(client, "canal")
    client.get("/en/", HTTP_HOST="portal.canal.example")
    client.logout()
    other = Client()
    anonymous = other.get("/en/", HTTP_HOST="portal.canal.example").content.decode()
    assert "--color-primary:#8a1c7c" in anonymous


def test_each_brand_calls_its_own_upstream(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    upstreams.get(
        HARBOUR_API + endpoints.CHECKOUT_STATUS,
        json=upstream_data.checkout_status("Pending"),
        match=[matchers.query_param_matcher({"token": GUID})],
    )
    response = client.get(
        f"/es/invoices/complete?stripe_session_id={GUID}",
        HTTP_HOST="billing.harbour.example",
        follow=True,
    )
    assert response.status_code == 200
    assert _hosts_called(upstreams) == {HARBOUR_API}
    # The upstream is asked in the page's language.
    assert {call.request.headers["Accept-Language"] for call in upstreams.calls} == {"es"}


def test_an_unknown_host_gets_a_400_and_no_brand(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    response = client.get("/en/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    text = response.content.decode()
    assert "not set up" in text
    assert "Canal" not in text
    assert "Harbour" not in text
    assert len(upstreams.calls) == 0


def test_an_unknown_host_can_get_the_configured_default_brand(
    client: Client,
    brands: tuple[Brand, Brand],
    upstreams: responses.RequestsMock,
    settings: SettingsWrapper,
) -> None:
    settings.DEFAULT_BRAND = "harbour"
    response = client.get("/en/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 200
    assert "Harbour Works" in response.content.decode()


def test_without_brands_every_host_gets_the_default_brand_from_settings(
    client: Client, upstream_http: responses.RequestsMock, settings: SettingsWrapper
) -> None:
    settings.BRAND_NAME = "Settings Coworking"
    for host in ("127.0.0.1", "portal.anything.example"):
        response = client.get("/en/", HTTP_HOST=host)
        assert response.status_code == 200
        assert "Settings Coworking" in response.content.decode()


def test_a_session_of_one_brand_is_not_valid_under_another(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    upstreams.post(CANAL_API + endpoints.TOKEN, json=tokens())
    sign_in(client, HTTP_HOST="portal.canal.example")
    assert signed_in(client, HTTP_HOST="portal.canal.example")

    # The same cookie presented to the other brand's host: a fresh, empty session there.
    response = client.get("/en/invoices/", HTTP_HOST="billing.harbour.example")
    assert response.status_code == 302
    assert "/sign-in" in response["Location"]
    # Canal's bearer token went to Canal's upstream only (its colours), never to Harbour's.
    for call in upstreams.calls:
        if not str(call.request.url).startswith(CANAL_API):
            assert upstream_data.ACCESS not in str(call.request.headers.get("Authorization"))
    # Discarded, not set aside: back at Canal, the customer has to sign in again.
    assert asked_to_sign_in(client, HTTP_HOST="portal.canal.example")


def test_markup_in_brand_fields_and_upstream_data_is_inert(
    client: Client, brands: tuple[Brand, Brand], upstream_http: responses.RequestsMock
) -> None:
    _canal, harbour = brands
    # Saved without the admin's validation, as a careless import might.
    Brand.objects.filter(pk=harbour.pk).update(
        name='<script>alert("name")</script>',
        primary_color="</style",  # as long as the column allows (PostgreSQL enforces it)
        support_phone='"><img src=x onerror=alert(1)>',
        logo_url="javascript:alert(1)",
    )
    FooterLink.objects.create(brand=harbour, label="<b>bold</b>", url="javascript:alert(1)")
    upstream_http.get(
        HARBOUR_API + endpoints.BUSINESS_CURRENT,
        json={**upstream_data.business(), "Address": "<iframe src=//evil.example>"},
    )
    upstream_http.get(
        HARBOUR_API + endpoints.business_colors(1),
        json={"primaryColor": "</style><script>alert(2)</script>", "textColor": "#zzzzzz"},
    )
    _customer_of(client, "harbour")
    page = client.get("/en/", HTTP_HOST="billing.harbour.example").content.decode()
    assert any(str(call.request.url).endswith("/colors") for call in upstream_http.calls)
    assert "<script>alert" not in page
    assert "<iframe" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in page
    assert "javascript:" not in page
    style = re.search(r"<style nonce=\"[^\"]+\">(.*?)</style>", page, re.S)
    assert style is not None
    assert re.fullmatch(r":root\{(--color-[a-z-]+:#[0-9a-f]{6};?)+\}", style.group(1))


def test_an_edit_in_the_admin_shows_at_once(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    assert (
        "Harbour Works" in client.get("/en/", HTTP_HOST="billing.harbour.example").content.decode()
    )
    harbour = Brand.objects.get(slug="harbour")
    harbour.name = "Harbour Works Rotterdam"
    harbour.save()
    page = client.get("/en/", HTTP_HOST="billing.harbour.example").content.decode()
    assert "Harbour Works Rotterdam" in page


def test_a_new_host_name_is_served_at_once(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    assert client.get("/en/", HTTP_HOST="pay.harbour.example").status_code == 400
    BrandHost.objects.create(brand=brands[1], host="pay.harbour.example")
    assert client.get("/en/", HTTP_HOST="pay.harbour.example").status_code == 200


# Languages ----------------------------------------------------------------------------------


def test_root_goes_to_the_brands_default_language(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    assert client.get("/", HTTP_HOST="billing.harbour.example")["Location"] == "/es/"
    assert client.get("/", HTTP_HOST="portal.canal.example")["Location"] == "/en/"
    # Also for a gateway's return link without a language: the query survives.
    response = client.get(
        f"/invoices/complete?stripe_session_id={GUID}", HTTP_HOST="billing.harbour.example"
    )
    assert response["Location"] == f"/es/invoices/complete?stripe_session_id={GUID}"


def test_a_language_the_brand_does_not_offer_goes_to_its_default(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    response = client.get("/fr/invoices/?show=paid", HTTP_HOST="billing.harbour.example")
    assert response.status_code == 302
    assert response["Location"] == "/es/invoices/?show=paid"


def test_the_switcher_offers_the_brands_languages_and_keeps_the_page(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    page = client.get("/es/sign-in?next=/es/invoices/", HTTP_HOST="billing.harbour.example")
    links = re.findall(r'<a href="([^"]+)" hreflang="([a-z]+)"', page.content.decode())
    assert links == [
        ("/en/sign-in?next=/es/invoices/", "en"),
        ("/es/sign-in?next=/es/invoices/", "es"),
    ]
    assert 'lang="es" aria-current="true"' in page.content.decode()


# Logos --------------------------------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_an_uploaded_logo_is_served_to_its_brand_only(
    client: Client, brands: tuple[Brand, Brand], upstreams: responses.RequestsMock
) -> None:
    Brand.objects.filter(slug="canal").update(logo=PNG, logo_type="image/png")
    page = client.get("/en/", HTTP_HOST="portal.canal.example").content.decode()
    found = re.search(r'<img class="logo" src="(/brand/logo/[0-9a-f]+)"', page)
    assert found is not None
    logo = client.get(found.group(1), HTTP_HOST="portal.canal.example")
    assert logo.status_code == 200
    assert logo.content == PNG
    assert logo["Content-Type"] == "image/png"
    assert "immutable" in logo["Cache-Control"]
    assert client.get(found.group(1), HTTP_HOST="billing.harbour.example").status_code == 404
    assert client.get("/brand/logo/0000", HTTP_HOST="portal.canal.example").status_code == 404

"""Reloads of a settled purchase's page are served kept rendered (portal.rendered): the same
page with this answer's own CSP nonce and CSRF token, never another visitor's; another
language, brand, theme or signed-in customer shows at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import responses
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost
from portal.rendered import pages_forget
from tests.helpers.checkout import COMPLETE, TOKEN, land, register, status
from tests.helpers.html import csrf_token, without_nonce
from tests.helpers.sign_in import sign_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

FORGOT = "/en/password/forgot"
THANKS = "Thank you, your payment is confirmed"


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    pages_forget()
    yield
    pages_forget()


def _rendered(response: Response) -> bool:
    """Rendered from its templates, rather than served kept."""
    return bool(response.templates)


def _nonce(response: Response) -> str:
    """The page's CSP nonce, which its own header allows."""
    found = re.search(r'<style nonce="([^"]+)">', response.content.decode())
    assert found is not None
    assert f"'nonce-{found.group(1)}'" in response["Content-Security-Policy"]
    return found.group(1)


def _set_password(browser: Client, token: str) -> int:
    """Posts the receipt's "Set your password" form with `token`: 403 if CSRF refuses it."""
    data = {"email": "buyer@example.com", "csrfmiddlewaretoken": token}
    return browser.post(FORGOT, data).status_code


def test_a_reload_is_the_kept_page_with_its_own_nonce_and_csrf_token(
    mocked: responses.RequestsMock,
) -> None:
    status(mocked)
    register(mocked)  # a new customer: the page has the "Set your password" form
    browser = Client(enforce_csrf_checks=True)
    first = land(browser)
    reload = browser.get(COMPLETE)
    assert _rendered(first)
    assert not _rendered(reload)
    assert without_nonce(reload.content.decode()) == without_nonce(first.content.decode())
    assert _nonce(reload) != _nonce(first)
    assert csrf_token(reload) != csrf_token(first)
    assert "csrftoken" in reload.cookies
    assert _set_password(browser, csrf_token(reload)) != 403


def test_a_kept_page_without_a_form_makes_no_csrf_token(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked, json={"Token": TOKEN, "CustomerCreated": False})
    first = land(client)
    reload = client.get(COMPLETE)
    assert not _rendered(reload)
    for response in (first, reload):
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert "csrftoken" not in response.cookies
        _nonce(response)


def test_another_visitor_never_gets_the_first_ones_nonce_or_token(
    mocked: responses.RequestsMock,
) -> None:
    status(mocked)
    register(mocked)
    first_browser = Client(enforce_csrf_checks=True)
    second_browser = Client(enforce_csrf_checks=True)
    first = land(first_browser)
    # The same purchase in a second browser: the same page, kept.
    second = land(second_browser)
    assert not _rendered(second)
    page = second.content.decode()
    assert THANKS in page
    assert _nonce(first) not in page
    assert csrf_token(first) not in page
    assert _set_password(second_browser, csrf_token(first)) == 403
    assert _set_password(second_browser, csrf_token(second)) != 403


def test_each_language_has_its_own_kept_page(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked)
    french_page = COMPLETE.replace("/en/", "/fr/")
    english = land(client)
    french = client.get(french_page)
    assert '<html lang="fr">' in french.content.decode()
    assert "Merci, votre paiement est confirmé" in french.content.decode()
    assert THANKS not in french.content.decode()
    for page, first in ((COMPLETE, english), (french_page, french)):
        again = client.get(page)
        assert not _rendered(again)
        assert without_nonce(again.content.decode()) == without_nonce(first.content.decode())


def test_signing_in_shows_at_once(client: Client, mocked: responses.RequestsMock) -> None:
    status(mocked)
    register(mocked)
    land(client)
    assert "Sign out" not in client.get(COMPLETE).content.decode()
    sign_in(client, mocked)
    assert "Sign out" in client.get(COMPLETE).content.decode()


@pytest.fixture
def two_brands(settings: SettingsWrapper) -> dict[str, Brand]:
    """Two brands on one upstream (the mocked one), each on its own host."""
    settings.ALLOWED_HOSTS = ["*"]
    brands = {}
    for slug in ("harbour", "canal"):
        brand = Brand.objects.create(
            slug=slug,
            name=f"{slug.title()} Works",
            upstream_url=settings.UPSTREAM_URL,
            public_base_url=settings.UPSTREAM_PUBLIC_BASE_URL,
            pdf_link_scheme=settings.PDF_LINK_SCHEME,
        )
        BrandHost.objects.create(brand=brand, host=f"{slug}.example")
        brands[slug] = brand
    return brands


def test_each_brand_and_theme_has_its_own_kept_page(
    mocked: responses.RequestsMock,
    two_brands: dict[str, Brand],
    settings: SettingsWrapper,
    tmp_path: Path,
) -> None:
    settings.THEMES_DIR = tmp_path
    theme = tmp_path / "harbour" / "checkout" / "states"
    theme.mkdir(parents=True)
    (theme / "paid.html").write_text("<h1>Ahoy, {{ business_name }}</h1>")
    status(mocked)
    register(mocked)
    harbour, canal = Client(HTTP_HOST="harbour.example"), Client(HTTP_HOST="canal.example")
    land(harbour)
    land(canal)
    for _ in range(2):
        harbour_page = harbour.get(COMPLETE).content.decode()
        canal_page = canal.get(COMPLETE).content.decode()
        assert "<h1>Ahoy, Harbour Works</h1>" in harbour_page
        assert THANKS not in harbour_page
        assert THANKS in canal_page
        assert "Canal Works" in canal_page
        assert "Harbour Works" not in canal_page
    two_brands["canal"].name = "Canal Street Coworking"
    two_brands["canal"].save()
    renamed = canal.get(COMPLETE).content.decode()
    assert "Canal Street Coworking" in renamed
    assert "Canal Works" not in renamed


def test_a_message_waiting_is_shown_to_its_visitor_only(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked)
    first = land(Client())  # kept from now on
    assert _rendered(first)
    # A member who just signed out (a message waits for their next page) opens the same link.
    sign_in(client, mocked)
    client.post("/en/sign-out")
    theirs = land(client)
    assert _rendered(theirs)
    assert "You are signed out." in theirs.content.decode()
    assert "You are signed out." not in client.get(COMPLETE).content.decode()
    # Nor was it kept for the next visitor.
    other = land(Client())
    assert "You are signed out." not in other.content.decode()

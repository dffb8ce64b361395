"""The operators' side in Chromium: the brand form's colour pickers (a script, under the
portal's CSP) and its warning before a first brand takes other hosts off the default brand;
the page a host without a brand gets."""

from __future__ import annotations

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost


def test_colour_pickers_fill_the_brand_form(
    page: Page, portal: str, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    User.objects.create_superuser("operator", "op@example.com", "operator-password")
    page.goto("/admin/login/?next=/admin/brands/brand/add/")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "operator-password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/brands/brand/add/")
    # Before the first brand: the other host names lose the default brand once it is saved.
    expect(page.locator(".messagelist .warning")).to_contain_text("127.0.0.1, localhost")
    picker = page.get_by_role("textbox", name="Primary colour")
    expect(page.locator("input[type=color][data-color-for=id_primary_color]")).to_be_visible()
    page.locator("input[type=color][data-color-for=id_primary_color]").fill("#0b6e4f")
    expect(picker).to_have_value("#0b6e4f")
    # Typing a colour moves the picker; an empty field still means the upstream's colour.
    page.fill("#id_text_color", "#1B1F23")
    expect(page.locator("input[type=color][data-color-for=id_text_color]")).to_have_value("#1b1f23")
    # Every language is offered from the start.
    expect(page.locator("input[name=languages]:checked")).to_have_count(4)
    page.fill("#id_slug", "canal")
    page.fill("#id_upstream_url", f"{portal}/sandbox")
    page.fill("#id_hosts-0-host", "localhost")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/brands/brand/")
    brand = Brand.objects.get()
    assert (brand.primary_color, brand.text_color, brand.background_color) == (
        "#0b6e4f",
        "#1b1f23",
        "",
    )
    # 127.0.0.1 is now without a brand, and the list says so.
    expect(page.locator(".messagelist .warning")).to_contain_text("No brand lists")
    expect(page.locator(".messagelist .warning")).to_contain_text("127.0.0.1")


def test_a_host_without_a_brand_gets_a_neutral_styled_translated_page(
    page: Page, portal: str, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    brand = Brand.objects.create(slug="canal", upstream_url=f"{portal}/sandbox")
    BrandHost.objects.create(brand=brand, host="127.0.0.1")
    answer = page.goto(f"{portal}/es/")
    assert answer is not None
    assert answer.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Esta dirección no está configurada")
    # The portal's stylesheet applies (a serif default would mean an unstyled page).
    font = page.evaluate("getComputedStyle(document.documentElement).fontFamily")
    assert "system-ui" in font
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

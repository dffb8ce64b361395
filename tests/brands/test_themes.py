"""Per-brand templates: a theme folder overrides any template for its brand only."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_brands(settings: SettingsWrapper, upstream_http: responses.RequestsMock) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    for slug in ("harbour", "canal"):
        brand = Brand.objects.create(
            slug=slug, name=slug.title(), upstream_url=f"https://{slug}.upstream.example"
        )
        BrandHost.objects.create(brand=brand, host=f"{slug}.example")


def test_a_theme_overrides_a_template_for_its_brand_only(
    client: Client, two_brands: None, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.THEMES_DIR = tmp_path
    (tmp_path / "harbour" / "portal").mkdir(parents=True)
    (tmp_path / "harbour" / "portal" / "home.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Ahoy from the theme</h1>{% endblock %}'
    )
    harbour = client.get("/en/", HTTP_HOST="harbour.example").content.decode()
    canal = client.get("/en/", HTTP_HOST="canal.example").content.decode()
    assert "Ahoy from the theme" in harbour
    # The theme's page keeps the default layout around it.
    assert '<header class="site-header">' in harbour
    # The other brand, served by the same process right after, keeps the default page.
    assert "Ahoy from the theme" not in canal
    assert "Welcome" in canal
    assert "Ahoy from the theme" in client.get("/en/", HTTP_HOST="harbour.example").content.decode()


def test_a_theme_can_extend_the_template_it_replaces(
    client: Client, two_brands: None, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.THEMES_DIR = tmp_path
    (tmp_path / "canal").mkdir()
    (tmp_path / "canal" / "base.html").write_text(
        '{% extends "base.html" %}{% block footer %}<p>Canal opening hours</p>'
        "{{ block.super }}{% endblock %}"
    )
    page = client.get("/en/sign-in", HTTP_HOST="canal.example").content.decode()
    assert "<p>Canal opening hours</p>" in page
    assert '<footer class="site-footer">' in page
    assert 'name="password"' in page


def test_the_shipped_example_theme_renders(client: Client, two_brands: None) -> None:
    page = client.get("/en/", HTTP_HOST="harbour.example").content.decode()
    assert "Welcome to the harbour" in page
    assert "themes/harbour/harbour.css" in page
    assert "open every day" in page

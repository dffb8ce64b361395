"""The home page: language-prefixed, and the sandbox's purchase page beside it in tests."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

# Every page looks its brand up (brands/hosts.py).
pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_language_prefix(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_english_home_page_is_served_in_english(client: Client) -> None:
    response = client.get("/en/")
    assert response.status_code == 200
    assert b'<html lang="en"' in response.content


def test_sandbox_purchase_page_is_mounted_in_tests(client: Client, db: None) -> None:
    response = client.get("/sandbox/")
    assert response.status_code == 200
    assert b'name="gateway"' in response.content


def test_the_demo_note_shows_only_where_the_sandbox_is_mounted(
    client: Client, db: None, settings: SettingsWrapper
) -> None:
    assert 'href="/sandbox/"' in client.get("/en/").content.decode()
    settings.ROOT_URLCONF = "tests.portal.urls_without_sandbox"
    page = client.get("/en/")
    assert page.status_code == 200
    assert "/sandbox/" not in page.content.decode()
    assert "Make a test purchase" not in page.content.decode()

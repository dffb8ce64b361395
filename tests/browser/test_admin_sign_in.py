"""The operators' sign-in in Chromium: the right password opens the admin; past the limit,
the form says to wait, and not even the right password is checked."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings as SettingsWrapper


def _sign_in(page: Page, password: str) -> int:
    page.goto("/admin/login/")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", password)
    with page.expect_response(re.compile(r"/admin/login/")) as answered:
        page.click("input[type=submit]")
    return answered.value.status


def test_an_operator_signs_in_and_a_guesser_is_stopped(
    page: Page, portal: str, settings: SettingsWrapper
) -> None:
    User.objects.create_superuser("operator", "op@example.com", "the-right-one")
    assert _sign_in(page, "the-right-one") == 302
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.context.clear_cookies()
    statuses = [_sign_in(page, f"guess-{number}") for number in range(7)]
    assert statuses == [200] * settings.SIGN_IN_MAX_FAILURES + [429] * 2
    expect(
        page.get_by_text("Too many attempts. Wait a few minutes, then try again.")
    ).to_be_visible()
    assert _sign_in(page, "the-right-one") == 429

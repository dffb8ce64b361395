"""What a new member meets, with the upstream mocked: the password rules before the first try,
a used or expired link said before any password is typed, what just happened said once
(signed out, password set), who is signed in, and a sign-in page that does not link to
itself. Focus and layout are Chromium's: tests/browser/test_new_member.py."""

from __future__ import annotations

import hashlib

import pytest
import responses
from django.core.cache import cache
from django.test import Client

from accounts.forms import PASSWORD_RULES
from accounts.templatetags.emails import email
from tests.accounts.test_password_reset import (
    COMPLETE_URL,
    EXCHANGE_URL,
    INVALID,
    NEW_PASSWORD,
    ONE_TIME,
    confirmation,
    reset_token,
)
from tests.helpers import upstream_data
from tests.helpers.html import Page
from tests.helpers.sign_in import sign_in, tokens
from tests.helpers.upstream import upstream_url
from upstream import endpoints

pytestmark = pytest.mark.django_db

RESET = "/en/user/resetPassword"
USED = "This link has already been used to set a password."
EXPIRED = "This link has expired."


@pytest.fixture
def mock(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    return upstream_http


def _set_password(client: Client, token: str) -> int:
    client.get(RESET, {"token": token})
    data = {"email": "", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    return client.post(RESET, data).status_code


def _completions(mock: responses.RequestsMock) -> int:
    return sum(1 for call in mock.calls if "completePasswordReset" in str(call.request.url))


# The password rules ---------------------------------------------------------------------------


def test_the_password_rules_show_before_the_first_try(client: Client, mock: object) -> None:
    client.get(RESET, {"token": reset_token()})
    page = Page(client.get(RESET))
    assert str(PASSWORD_RULES) in page.text
    field = next(e for e in page.elements if e.get("name") == "password")
    described = str(field.get("aria-describedby") or "").split()
    assert described, "the rules are tied to the password field"
    rules = [e for e in page.elements if e.get("id") in described]
    assert rules
    assert "helptext" in str(rules[0].get("class"))


def test_the_password_rules_stay_beside_a_refusal(
    client: Client, mock: responses.RequestsMock
) -> None:
    errors = [{"PropertyName": "Password", "Message": "Too short.", "AttemptedValue": None}]
    mock.post(COMPLETE_URL, status=400, json=confirmation(False, Errors=errors))
    client.get(RESET, {"token": reset_token()})
    data = {"email": "", "password": "short", "password_again": "short"}
    page = Page(client.post(RESET, data))
    assert "Too short." in page.text
    assert str(PASSWORD_RULES) in page.text


# Used and expired links -------------------------------------------------------------------------


def test_a_used_link_says_so_before_a_password_is_typed(
    client: Client, mock: responses.RequestsMock
) -> None:
    mock.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, json=tokens())
    token = reset_token()
    assert _set_password(client, token) == 303
    # Another browser (the link forwarded, or opened again from the email).
    other = Client()
    landed = other.get(RESET, {"token": token}, follow=True)
    assert landed.status_code == 400
    text = Page(landed).text
    assert INVALID in text
    assert USED in text
    assert not any(e.get("name") == "password" for e in Page(landed).elements)
    assert _completions(mock) == 1
    # Remembered hashed, for the token's life (every process shares the cache).
    assert cache.get(f"password-reset:used:{hashlib.sha256(token.encode()).hexdigest()}")
    assert token not in repr(getattr(cache, "_cache", {}))


def test_a_used_mark_lasts_as_long_as_the_token(
    client: Client, mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, json=tokens())
    timeouts: list[float | None] = []
    original = cache.set

    def kept(key: str, value: object, timeout: float | None = None) -> None:
        timeouts.append(timeout)
        original(key, value, timeout)

    monkeypatch.setattr(cache, "set", kept)
    assert _set_password(client, reset_token(seconds=600)) == 303
    assert any(isinstance(t, int) and 590 <= t <= 601 for t in timeouts), timeouts


def test_an_expired_link_says_it_has_expired(client: Client, mock: object) -> None:
    landed = client.get(RESET, {"token": reset_token(seconds=-5)}, follow=True)
    assert landed.status_code == 400
    assert EXPIRED in Page(landed).text


def test_a_link_the_upstream_refuses_keeps_the_general_words(
    client: Client, mock: responses.RequestsMock
) -> None:
    errors = [{"PropertyName": "Token", "Message": "Invalid.", "AttemptedValue": None}]
    mock.post(COMPLETE_URL, status=400, json=confirmation(False, Errors=errors))
    assert _set_password(client, reset_token()) == 400
    text = Page(client.get(RESET)).text
    assert "wrong, has expired, or has already been used" in text
    assert USED not in text


# What just happened, said once ---------------------------------------------------------------


def test_signing_out_says_so_on_the_sign_in_page(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    sign_in(client, upstream_http)
    landed = client.post("/en/sign-out", follow=True)
    assert landed.redirect_chain[-1][0] == "/en/sign-in"
    status = [e for e in Page(landed).elements if e.get("role") == "status"]
    assert status
    assert "You are signed out." in Page(landed).text
    assert "You are signed out." not in Page(client.get("/en/sign-in")).text


def test_signing_out_says_so_in_french(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    sign_in(client, upstream_http, language="fr")
    landed = client.post("/fr/sign-out", follow=True)
    assert "Déconnexion effectuée." in Page(landed).text


def test_setting_a_password_says_so(client: Client, mock: responses.RequestsMock) -> None:
    mock.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, json=tokens())
    assert _set_password(client, reset_token()) == 303
    # Said on the next page shown (My Invoices, or here the home page), then no more.
    assert "Your password is set" in Page(client.get("/en/")).text
    assert "Your password is set" not in Page(client.get("/en/")).text


# The header ------------------------------------------------------------------------------------


def test_the_header_names_the_signed_in_customer(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    sign_in(client, upstream_http)
    page = Page(client.get("/en/"))
    emails = [e for e in page.elements if "email" in str(e.get("class")).split()]
    assert emails
    assert f"Signed in as {upstream_data.EMAIL}" in page.text


def test_the_sign_in_page_does_not_link_to_itself(client: Client, mock: object) -> None:
    page = Page(client.get("/en/sign-in"))
    # (The language switcher's "English" is a link here too, marked current as on every page.)
    assert page.links_named("Sign in") == []
    assert any(e.get("aria-current") == "page" for e in page.elements)
    # Elsewhere the header offers it.
    assert Page(client.get("/en/")).links_named("Sign in") == ["/en/sign-in"]


def test_an_emails_hyphens_hold_on_to_the_next_character() -> None:
    assert email("a-b--c@x-<y>.example-") == (
        'a<span class="nowrap">-b</span><span class="nowrap">--c</span>@x'
        '<span class="nowrap">-&lt;</span>y&gt;.example-'
    )

"""registerByToken once per session: whatever reloads do, in another browser (the link is
used), and after a lost answer (a 401 then is our own registration)."""

from __future__ import annotations

import pytest
import requests
import responses
from django.core.cache import cache
from django.test import Client

from tests.helpers.checkout import (
    COMPLETE,
    GUID,
    PDF_BY_TOKEN,
    PDF_TEXT,
    REGISTER,
    TOKEN,
    land,
    register,
    status,
)
from tests.helpers.html import Page
from tests.helpers.upstream import calls_to
from upstream import endpoints

pytestmark = pytest.mark.django_db


def test_paid_asks_status_and_registers_once(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked)
    response = client.get(f"{COMPLETE}?stripe_session_id={GUID}", follow=True)
    assert response.status_code == 200
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 1
    assert calls_to(mocked, "POST", REGISTER) == 1


def test_reloads_never_register_again(client: Client, mocked: responses.RequestsMock) -> None:
    status(mocked)
    register(mocked)
    land(client)
    for _ in range(3):
        # As if served by another worker process: only the session remembers the registration.
        cache.clear()
        response = client.get(COMPLETE)
        assert response.status_code == 200
        assert Page(response).links_named(PDF_TEXT) == [PDF_BY_TOKEN + TOKEN]
    assert calls_to(mocked, "POST", REGISTER) == 1
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 4


def test_register_401_in_a_new_session_is_the_used_page(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked, status=401, json={})
    response = land(client)
    text = response.content.decode()
    assert response.status_code == 200
    assert "This purchase link has already been used" in text
    assert Page(response).links_named(PDF_TEXT) == [PDF_BY_TOKEN + GUID]
    assert "Your account" not in text
    assert "buyer@example.com" not in text


def test_lost_register_answer_then_401_is_the_confirmation(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked, body=requests.exceptions.ReadTimeout())
    register(mocked, status=401, json={})
    first = land(client)
    assert first.status_code == 503
    assert "We cannot confirm your purchase just now" in first.content.decode()
    assert first["Retry-After"] == "10"

    retry = client.get(COMPLETE)
    text = retry.content.decode()
    assert retry.status_code == 200
    assert "Thank you, your payment is confirmed" in text
    assert "already been used" not in text
    assert Page(retry).links_named(PDF_TEXT) == [PDF_BY_TOKEN + GUID]
    assert calls_to(mocked, "POST", REGISTER) == 2


def test_a_throttled_registration_was_no_attempt(
    client: Client, mocked: responses.RequestsMock
) -> None:
    """[docs] 409 refuses the call unread: the buyer sees the payment being confirmed, and a
    401 afterwards (another browser used the link meanwhile) is not taken for our own."""
    status(mocked)
    register(mocked, status=409, headers={"Retry-After": "30"}, json={})
    register(mocked, status=401, json={})
    first = land(client)
    assert first.status_code == 200
    assert "Confirming your payment" in first.content.decode()
    cache.clear()  # the 409 closed the budget for 30 s
    retry = client.get(COMPLETE)
    assert "This purchase link has already been used" in retry.content.decode()
    assert calls_to(mocked, "POST", REGISTER) == 2

"""A pending payment: a live "confirming" state that polls and backs off to a cap, with and
without JavaScript, and turns into the confirmation when the payment settles."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests
import responses
from django.test import Client

from checkout.views import POLL_DELAYS
from tests.helpers.checkout import (
    COMPLETE,
    PDF_BY_TOKEN,
    PDF_TEXT,
    REGISTER,
    STATUS_URL,
    TOKEN,
    htmx,
    land,
    register,
    status,
)
from tests.helpers.html import Page
from tests.helpers.upstream import calls_to

pytestmark = pytest.mark.django_db


def test_pending_page_polls(client: Client, mocked: responses.RequestsMock) -> None:
    status(mocked, "Pending")
    response = land(client)
    page = Page(response)
    assert response.status_code == 200
    assert "Confirming your payment" in response.content.decode()
    [poller] = page.having("hx-get")
    assert poller["hx-get"] == f"{COMPLETE}?poll=1"
    assert poller["hx-trigger"] == f"load delay:{POLL_DELAYS[0]}s, poll-now"
    [state] = [element for element in page.elements if element.get("id") == "checkout-state"]
    assert state.get("aria-live") == "polite"
    assert calls_to(mocked, "POST", REGISTER) == 0


@pytest.mark.parametrize(
    ("poll", "count"),
    [("3", 3), ("abc", 0), ("²", 0), ("-1", 0)],
    ids=["third", "abc", "sup2", "neg"],
)
def test_a_pending_poll_schedules_the_next_one(
    client: Client, mocked: responses.RequestsMock, poll: str, count: int
) -> None:
    """Each poll waits longer than the last; junk counts as none so far."""
    status(mocked, "Pending")
    land(client)
    response = htmx(client, f"?{urlencode({'poll': poll})}")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    [poller] = Page(response).having("hx-get")
    assert poller["hx-get"] == f"{COMPLETE}?poll={count + 1}"
    assert poller["hx-trigger"] == f"load delay:{POLL_DELAYS[count]}s, poll-now"


def test_pending_poll_stops_at_the_cap(client: Client, mocked: responses.RequestsMock) -> None:
    status(mocked, "Pending")
    land(client)
    response = htmx(client, f"?poll={len(POLL_DELAYS)}")
    page = Page(response)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "taking longer than usual" in response.content.decode()
    assert page.links_named("Check again") == [COMPLETE]
    assert page.having("hx-get") == []


@pytest.mark.parametrize("poll", ["1000", "9" * 5000], ids=["thousand", "huge"])
def test_long_poll_numbers_are_past_the_cap(
    client: Client, mocked: responses.RequestsMock, poll: str
) -> None:
    status(mocked, "Pending")
    land(client)
    response = htmx(client, f"?{urlencode({'poll': poll})}")
    assert response.status_code == 200
    assert "taking longer than usual" in response.content.decode()
    assert Page(response).having("hx-get") == []


def test_pending_turns_into_the_confirmation_fragment(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked, "Pending")
    status(mocked, "Paid")
    register(mocked)
    assert "Confirming your payment" in land(client).content.decode()
    response = htmx(client, "?poll=1")
    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text
    assert "Thank you, your payment is confirmed" in text
    assert Page(response).links_named(PDF_TEXT) == [PDF_BY_TOKEN + TOKEN]


def test_without_javascript_the_pending_page_backs_off_to_the_cap(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked, "Pending")
    page = land(client).content.decode()
    assert f'content="{POLL_DELAYS[0]}; url={COMPLETE}?poll=1"' in page
    later = client.get(f"{COMPLETE}?poll=4").content.decode()
    assert f'content="{POLL_DELAYS[4]}; url={COMPLETE}?poll=5"' in later
    capped = client.get(f"{COMPLETE}?poll={len(POLL_DELAYS)}").content.decode()
    assert 'http-equiv="refresh"' not in capped


def test_an_outage_while_pending_keeps_the_poll_count(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked, "Pending")
    land(client)
    mocked.replace(responses.GET, STATUS_URL, body=requests.exceptions.ConnectionError())
    response = htmx(client, "?poll=6")
    assert response.status_code == 503
    [poller] = Page(response).having("hx-get")
    assert poller["hx-get"] == f"{COMPLETE}?poll=6"

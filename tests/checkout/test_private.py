"""Every answer of the checkout-complete page, whatever its state, is a private page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import requests
import responses
from django.test import Client

from tests.helpers.checkout import COMPLETE, GUID, STATUS_URL, htmx, land, register, status
from tests.helpers.html import assert_private

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db


def _redirect(client: Client, mock: responses.RequestsMock) -> Response:
    return client.get(f"{COMPLETE}?stripe_session_id={GUID}")


def _bad_link(client: Client, mock: responses.RequestsMock) -> Response:
    return client.get(f"{COMPLETE}?stripe_session_id=nope")


def _confirmation(client: Client, mock: responses.RequestsMock) -> Response:
    status(mock)
    register(mock)
    return land(client)


def _pending_poll(client: Client, mock: responses.RequestsMock) -> Response:
    status(mock, "Pending")
    land(client)
    return htmx(client, "?poll=1")


def _not_found(client: Client, mock: responses.RequestsMock) -> Response:
    mock.get(STATUS_URL, status=404, json={})
    return land(client)


def _unexpected(client: Client, mock: responses.RequestsMock) -> Response:
    mock.get(STATUS_URL, body="<html>oops</html>", content_type="text/html")
    return land(client)


def _unavailable(client: Client, mock: responses.RequestsMock) -> Response:
    mock.get(STATUS_URL, body=requests.exceptions.ConnectionError())
    return land(client)


@pytest.mark.parametrize(
    ("case", "status_code"),
    [
        (_redirect, 303),
        (_bad_link, 400),
        (_confirmation, 200),
        (_pending_poll, 200),
        (_not_found, 404),
        (_unexpected, 502),
        (_unavailable, 503),
    ],
    ids=["redirect", "bad-link", "confirmation", "pending-poll", "not-found", "502", "503"],
)
def test_every_response_is_private(
    client: Client,
    mocked: responses.RequestsMock,
    case: Callable[[Client, responses.RequestsMock], Response],
    status_code: int,
) -> None:
    response = case(client, mocked)
    assert response.status_code == status_code
    assert_private(response)

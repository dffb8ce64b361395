"""Every way a purchase does not end on the confirmation: a failed payment, an unknown
purchase, an upstream that is down or answers what the contract does not say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from django.test import Client

from tests.helpers import upstream_data
from tests.helpers.checkout import REGISTER, STATUS_URL, land, register, status
from tests.helpers.upstream import calls_to

pytestmark = pytest.mark.django_db


def test_failed_payment(client: Client, mocked: responses.RequestsMock) -> None:
    status(mocked, "Failed")
    response = land(client)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Your payment did not go through" in text
    assert "Nothing was charged" in text
    assert calls_to(mocked, "POST", REGISTER) == 0


def _register_404(mock: responses.RequestsMock) -> None:
    status(mock)
    register(mock, status=404, json={})


def _status_401(mock: responses.RequestsMock) -> None:
    mock.get(STATUS_URL, status=401, json={})


def _status_404(mock: responses.RequestsMock) -> None:
    mock.get(STATUS_URL, status=404, json={})


@pytest.mark.parametrize(
    "upstream", [_register_404, _status_401, _status_404], ids=lambda case: case.__name__[1:]
)
def test_unknown_purchase_is_404(
    client: Client,
    mocked: responses.RequestsMock,
    upstream: Callable[[responses.RequestsMock], None],
) -> None:
    upstream(mocked)
    response = land(client)
    assert response.status_code == 404
    assert "We could not find this purchase" in response.content.decode()


@pytest.mark.parametrize(
    ("answer", "status_code"),
    [
        ({"body": requests.exceptions.ConnectionError()}, 503),
        ({"status": 500, "json": {}}, 503),
        ({"status": 503, "json": {}}, 503),
        ({"body": requests.exceptions.ReadTimeout()}, 503),
        ({"body": '{"Status": "Paid", ', "content_type": "application/json"}, 502),
        ({"body": "<html><body>Maintenance</body></html>", "content_type": "text/html"}, 502),
        ({"json": upstream_data.checkout_status("Paid") | {"Invoice": None}}, 502),
    ],
    ids=[
        "connection-error",
        "500",
        "503",
        "slow",
        "malformed-json",
        "html",
        "paid-without-invoice",
    ],
)
def test_upstream_trouble_keeps_the_payment_safe(
    client: Client, mocked: responses.RequestsMock, answer: dict[str, Any], status_code: int
) -> None:
    """Down (503) or answering what the contract does not say (502): nothing is registered."""
    mocked.get(STATUS_URL, **answer)
    response = land(client)
    assert response.status_code == status_code
    assert "Your payment is safe" in response.content.decode()
    assert calls_to(mocked, "POST", REGISTER) == 0


def test_unexpected_answer_says_so_and_retries_later(
    client: Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(STATUS_URL, body="<html>oops</html>", content_type="text/html")
    response = land(client)
    assert response.status_code == 502
    assert response["Retry-After"] == "10"
    assert "an answer we did not expect" in response.content.decode()
    assert "is not answering" not in response.content.decode()

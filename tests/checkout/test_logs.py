"""The completion page's logs say what happened and never hold the basket GUID or a Token."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import requests
import responses
from django.test import Client

from tests.helpers.checkout import COMPLETE, GUID, STATUS_URL, TOKEN, land, register, status

pytestmark = pytest.mark.django_db


def _paid_flow(client: Client, mock: responses.RequestsMock) -> None:
    status(mock)
    register(mock)
    land(client)
    client.get(COMPLETE)


def _lost_answer_flow(client: Client, mock: responses.RequestsMock) -> None:
    status(mock)
    register(mock, body=requests.exceptions.ReadTimeout())
    register(mock, status=401, json={})
    land(client)
    client.get(COMPLETE)


def _bad_link_flow(client: Client, mock: responses.RequestsMock) -> None:
    client.get(f"{COMPLETE}?{urlencode({'stripe_session_id': '{' + GUID + '}'})}")
    client.get(f"{COMPLETE}?{urlencode([('stripe_session_id', GUID)] * 2)}")


def _not_found_flow(client: Client, mock: responses.RequestsMock) -> None:
    mock.get(STATUS_URL, status=404, json={})
    land(client)


@pytest.fixture
def raw_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> pytest.LogCaptureFixture:
    """caplog seeing records as the code wrote them, "django" (not propagated) included.

    The console handler's MaskSecretsFilter rewrites each record in place before caplog's
    handler (added after it) sees it: without this, a leak would be masked before the test.
    """
    django_logger = logging.getLogger("django")
    for handler in {*logging.getLogger().handlers, *django_logger.handlers}:
        monkeypatch.setattr(handler, "filters", [])
    monkeypatch.setattr(django_logger, "handlers", [*django_logger.handlers, caplog.handler])
    return caplog


@pytest.mark.parametrize(
    ("flow", "logged"),
    [
        (_paid_flow, "upstream POST"),
        (_lost_answer_flow, "after a lost answer"),
        (_bad_link_flow, "completion link refused"),
        (_not_found_flow, "not found upstream on completion"),
    ],
    ids=["paid", "lost-answer", "bad-link", "not-found"],
)
def test_logs_hold_no_token(
    client: Client,
    mocked: responses.RequestsMock,
    raw_logs: pytest.LogCaptureFixture,
    flow: Callable[[Client, responses.RequestsMock], None],
    logged: str,
) -> None:
    with raw_logs.at_level(logging.DEBUG):
        flow(client, mocked)
    assert logged in raw_logs.text  # the capture works
    assert GUID not in raw_logs.text.lower()
    assert TOKEN not in raw_logs.text

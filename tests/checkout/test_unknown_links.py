"""Completion links the upstream does not know, limited per visitor: each is a call on the
tenant's shared budget (about 120 a minute for the whole space), so an anonymous visitor may
ask about a few, then gets "too many" without the upstream being asked; a buyer's own link,
which the upstream knows, never counts."""

from __future__ import annotations

import uuid

import pytest
import responses
from django.test import Client

from checkout.services import UNKNOWN_LINK_SECONDS, UNKNOWN_LINKS_PER_VISITOR
from tests.helpers.checkout import GUID, STATUS_URL, land, register, status
from tests.helpers.upstream import calls_to
from upstream import endpoints

pytestmark = pytest.mark.django_db

# Fixed, so that every test process collects the same ids (tests/README.md).
UNKNOWN = [str(uuid.UUID(int=number + 1)) for number in range(UNKNOWN_LINKS_PER_VISITOR + 2)]


def _unknown_everywhere(mock: responses.RequestsMock) -> None:
    mock.get(STATUS_URL, status=404, json={})


def test_a_visitor_asking_about_unknown_links_is_stopped(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _unknown_everywhere(mocked)
    for guid in UNKNOWN[:UNKNOWN_LINKS_PER_VISITOR]:
        assert land(client, guid).status_code == 404
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == UNKNOWN_LINKS_PER_VISITOR

    stopped = land(client, UNKNOWN[UNKNOWN_LINKS_PER_VISITOR])
    assert stopped.status_code == 429
    assert stopped["Retry-After"] == str(UNKNOWN_LINK_SECONDS)
    assert "We could not find this purchase" in stopped.content.decode()
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == UNKNOWN_LINKS_PER_VISITOR

    # Another visitor (address) is not this one.
    elsewhere = land(Client(REMOTE_ADDR="203.0.113.7"), UNKNOWN[-1])
    assert elsewhere.status_code == 404


def test_an_unknown_link_opened_again_is_not_asked_about_again(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _unknown_everywhere(mocked)
    for _ in range(UNKNOWN_LINKS_PER_VISITOR + 3):
        assert land(client, UNKNOWN[0]).status_code == 404
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 1


def test_a_buyers_own_link_is_never_limited(client: Client, mocked: responses.RequestsMock) -> None:
    """Behind an office's address where someone tried unknown links, a buyer still gets their
    receipt, and reopening it asks the upstream nothing."""
    status(mocked, "Paid")
    register(mocked)
    assert land(client, GUID).status_code == 200
    office = Client()
    for guid in UNKNOWN[:UNKNOWN_LINKS_PER_VISITOR]:
        mocked.get(
            STATUS_URL,
            status=404,
            json={},
            match=[responses.matchers.query_param_matcher({"token": guid})],
        )
        assert land(office, guid).status_code == 404
    again = land(client, GUID)
    assert again.status_code == 200
    asked = [c for c in mocked.calls if str(c.request.url) == f"{STATUS_URL}?token={GUID}"]
    assert len(asked) == 1

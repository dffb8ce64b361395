"""The gateway's return link: kept server-side behind a redirect, refused when malformed, shown
for an hour, replaced by the next purchase's."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import responses
from django.test import Client

from tests.helpers.checkout import COMPLETE, GUID, OTHER_GUID, land, register, status
from tests.helpers.upstream import api_calls, calls_to
from upstream import endpoints

pytestmark = pytest.mark.django_db
# The page's own address with no purchase in this browser's session.
ELSEWHERE = "This page opens only in the browser you paid in"


@pytest.mark.parametrize("param", ["stripe_session_id", "spreedly_session_id", "paypal_session_id"])
@pytest.mark.parametrize("value", [GUID, GUID.upper()], ids=["lower", "upper"])
def test_return_url_redirects_and_keeps_the_guid(
    client: Client, mocked: responses.RequestsMock, param: str, value: str
) -> None:
    status(mocked, "Pending")
    response = client.get(f"{COMPLETE}?{urlencode({param: value})}")
    assert response.status_code == 303
    assert response["Location"] == COMPLETE
    assert len(api_calls(mocked)) == 0
    # The address without the GUID still shows this purchase: the upstream is asked about the
    # GUID the session kept, lower-cased.
    page = client.get(COMPLETE)
    assert page.status_code == 200
    assert "Confirming your payment" in page.content.decode()
    [asked] = api_calls(mocked)
    assert parse_qs(urlsplit(str(asked.request.url)).query) == {"token": [GUID]}


@pytest.mark.parametrize(
    "query",
    [
        urlencode([("stripe_session_id", GUID), ("stripe_session_id", OTHER_GUID)]),
        urlencode([("stripe_session_id", GUID), ("paypal_session_id", OTHER_GUID)]),
        "stripe_session_id=",
        urlencode({"stripe_session_id": "not-a-guid"}),
        urlencode({"stripe_session_id": "{" + GUID + "}"}),
        urlencode({"stripe_session_id": "urn:uuid:" + GUID}),
        urlencode({"spreedly_session_id": GUID[:-1]}),
        urlencode({"paypal_session_id": GUID + "\n"}),
        urlencode({"stripe_session_id": "' OR 1=1; DROP TABLE invoices; --"}),
        urlencode({"stripe_session_id": "<script>alert(1)</script>"}),
    ],
    ids=[
        "repeated",
        "two-gateways",
        "empty",
        "not-a-guid",
        "braces",
        "urn",
        "31-hex-digits",
        "trailing-newline",
        "sql",
        "html",
    ],
)
def test_bad_link_is_refused_without_asking_upstream(
    client: Client, mocked: responses.RequestsMock, query: str
) -> None:
    response = client.get(f"{COMPLETE}?{query}")
    assert response.status_code == 400
    assert "This link is incomplete" in response.content.decode()
    # Nothing of the link was kept: the page without it has no purchase to show.
    again = client.get(COMPLETE)
    assert again.status_code == 400
    assert ELSEWHERE in again.content.decode()
    assert len(api_calls(mocked)) == 0


def test_the_purchase_is_shown_for_an_hour_only(
    client: Client, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a shared computer, the next person does not find the last buyer's purchase."""
    status(mocked, "Failed")
    land(client)
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(COMPLETE)
    assert response.status_code == 400
    assert ELSEWHERE in response.content.decode()
    # Opening the gateway's link again shows it again.
    assert land(client).status_code == 200


def test_second_purchase_replaces_the_first(client: Client, mocked: responses.RequestsMock) -> None:
    status(mocked, guid=GUID)
    register(mocked, guid=GUID)
    status(mocked, guid=OTHER_GUID, invoice_id=43)
    register(mocked, invoice_id=43, guid=OTHER_GUID, json={"Token": "second-token"})
    assert "INV-2026-00042" in land(client, GUID).content.decode()

    text = land(client, OTHER_GUID, param="paypal_session_id").content.decode()
    assert "INV-2026-00043" in text
    assert "INV-2026-00042" not in text
    # A reload shows the second purchase: the session now holds its GUID alone.
    reloaded = client.get(COMPLETE).content.decode()
    assert "INV-2026-00043" in reloaded
    assert "INV-2026-00042" not in reloaded
    assert calls_to(mocked, "POST", endpoints.register_by_token(43)) == 1

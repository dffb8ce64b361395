"""No token or password of a signed-in customer reaches a page, a cookie or a log, through a
whole visit: a refused sign-in, the pages, the links, PDFs, a refresh and the sign-out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import responses
from django.test import Client

from tests.helpers.clock import Clock
from tests.helpers.invoices import (
    JWT,
    JWT_2,
    LIST,
    MY_URL,
    STATEMENT,
    bearer,
    mock_invoice,
    mock_media,
    mock_my_invoices,
    my_page,
    poll_links,
    preview,
)
from tests.helpers.sign_in import REFUSED, password_grant, refresh_grant, sign_in
from tests.helpers.upstream_data import EMAIL, NEW_ACCESS, PASSWORD, SECRETS

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

SIGN_IN = "/en/sign-in"
SIGN_OUT = "/en/sign-out"


def _assert_no_secrets(client: Client, responses_seen: list[Response]) -> None:
    for response in responses_seen:
        body = response.content.decode()
        cookies = [m.value for m in [*response.cookies.values(), *client.cookies.values()]]
        for secret in SECRETS:
            assert secret not in body, (secret, response.request)
            assert secret not in response.get("Location", "")
            for value in cookies:
                assert secret not in value


def test_no_token_or_password_in_bodies_cookies_or_logs(
    client: Client,
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    clock: Clock,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[Response] = []
    seen.append(client.get(SIGN_IN))
    # A refused attempt first, then the right password.
    password_grant(mocked, EMAIL, PASSWORD + "x", **REFUSED)
    seen.append(client.post(SIGN_IN, {"email": EMAIL, "password": PASSWORD + "x"}))
    sign_in(client, mocked)
    mock_my_invoices(mocked, [preview(1), preview(2)])
    mock_invoice(mocked, 2)
    mock_invoice(mocked, 3, status=404, json={"error": "not found"})
    mock_media(mocked, JWT, JWT_2)
    refresh = refresh_grant(mocked)
    seen.append(client.get(LIST))
    seen.append(client.get("/en/invoices/2/"))
    seen.append(client.get("/en/invoices/3/"))
    seen.append(poll_links(client, [1, 2]))
    seen.append(client.get("/en/invoices/1/pdf"))
    seen.append(client.get(STATEMENT))
    clock.advance(3600)  # the access token is refreshed on the way
    mine = mocked.replace(
        responses.GET, MY_URL, json=my_page([preview(1)]), match=[bearer(NEW_ACCESS)]
    )
    seen.append(client.get(LIST))
    assert seen[-1].status_code == 200
    assert refresh.call_count == 1
    assert mine.call_count == 1
    seen.append(client.post(SIGN_OUT))
    seen.append(poll_links(client, [1]))
    assert [r.status_code for r in seen] == [200, 400, 200, 200, 404, 200, 302, 302, 200, 302, 286]

    _assert_no_secrets(client, seen)
    assert caplog.records, "nothing was logged: the log check would prove nothing"
    for secret in SECRETS:
        assert secret not in caplog.text
    assert JWT not in caplog.text

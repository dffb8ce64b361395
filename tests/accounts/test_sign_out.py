"""Sign-out: a POST with its CSRF token ends the session, and nothing kept for it survives."""

from __future__ import annotations

import pytest
import responses
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from accounts import services as accounts
from invoices import services
from tests.helpers import upstream_data
from tests.helpers.html import csrf_token
from tests.helpers.invoices import JWT, mock_media, poll_links
from tests.helpers.sign_in import asked_to_sign_in, password_grant, sign_in, signed_in
from tests.helpers.upstream import upstream_url
from tests.helpers.upstream_data import ACCESS, EMAIL, PASSWORD
from upstream import endpoints

pytestmark = pytest.mark.django_db

SIGN_IN = "/en/sign-in"
SIGN_OUT = "/en/sign-out"


def test_sign_out_is_post_only(client: Client, upstream_http: responses.RequestsMock) -> None:
    sign_in(client, upstream_http)
    response = client.get(SIGN_OUT)
    assert response.status_code == 405
    assert signed_in(client)


def test_sign_out_needs_csrf(upstream_http: responses.RequestsMock) -> None:
    browser = Client(enforce_csrf_checks=True)
    password_grant(upstream_http)
    found = csrf_token(browser.get(SIGN_IN))
    data = {"email": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": found}
    assert browser.post(SIGN_IN, data).status_code == 302
    assert browser.post(SIGN_OUT).status_code == 403
    assert signed_in(browser)


def test_sign_out_ends_the_session_and_drops_the_media_jwt(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    sign_in(client, upstream_http)
    media = mock_media(upstream_http, JWT)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # The links poll mints this session's media JWT once, then reuses it.
    for _ in range(2):
        links = poll_links(client, [])
        assert links.status_code == 200
        assert JWT in links.content.decode()
    assert media.call_count == 1

    sent: list[str | None] = []

    def receiver(sender: object, *, session: SessionStore, **kwargs: object) -> None:
        sent.append(session.session_key)

    accounts.signing_out.connect(receiver)
    try:
        response = client.post(SIGN_OUT)
    finally:
        accounts.signing_out.disconnect(receiver)

    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert sent == [old_key]
    assert not SessionStore().exists(old_key)
    # The old session's media JWT went with it: asked for that session, the upstream mints anew.
    services.media_token_get(session=SessionStore(session_key=old_key), bearer=ACCESS)
    assert media.call_count == 2
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != old_key

    # Signed out, My Invoices asks for a sign-in again, as it does for the old cookie.
    assert asked_to_sign_in(client)
    replayed = Client()
    replayed.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert asked_to_sign_in(replayed)

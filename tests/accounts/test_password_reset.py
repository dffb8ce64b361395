"""The password pages with the upstream mocked (responses): asking for a link, the emailed
link's page (its token leaves the address bar), a new password, and the sign-in it ends with."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import jwt
import pytest
import requests
import responses
from django.test import Client, override_settings
from responses import matchers

from accounts import passwords
from accounts import services as accounts
from tests.helpers import upstream_data
from tests.helpers.html import without_nonce
from tests.helpers.upstream import api_calls, upstream_url
from upstream import endpoints

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

FORGOT = "/en/password/forgot"
SENT = "/en/password/sent"
RESET = "/en/user/resetPassword"
START_URL = upstream_url(endpoints.PASSWORD_RESET_START)
COMPLETE_URL = upstream_url(endpoints.PASSWORD_RESET_COMPLETE)
EXCHANGE_URL = upstream_url(endpoints.TOKEN_EXCHANGE)
NEW_PASSWORD = "Pw-9zQ-new-one"
ONE_TIME = "eyJone-time.jwt-for-exchange.sig"
INVALID = "This link does not work"


def reset_token(email: str = upstream_data.EMAIL, seconds: int = 600) -> str:
    """A reset token as the upstream would email it: a JWT naming the email, signed with a
    key the portal does not know."""
    claims = {"email": email, "exp": int(time.time()) + seconds, "aud": "password-reset"}
    return jwt.encode(claims, "the upstream's own key, unknown to the portal", algorithm="HS256")


def confirmation(successful: bool = True, **fields: Any) -> dict[str, Any]:
    status = 200 if successful else 400
    base = {"WasSuccessful": successful, "Value": None, "Status": status, "Message": None}
    return {**base, "Errors": None, **fields}


@pytest.fixture
def mock(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    return upstream_http


def _tokens() -> dict[str, Any]:
    return {
        "access_token": upstream_data.ACCESS,
        "refresh_token": upstream_data.REFRESH,
        "expires_in": 3600,
        "token_type": "bearer",
    }


def _open_link(client: Client, token: str) -> Response:
    return client.get(RESET, {"token": token})


def _choose(client: Client, password: str = NEW_PASSWORD, again: str | None = None) -> Response:
    data = {"email": "", "password": password, "password_again": again or password}
    return client.post(RESET, data)


# Asking for a link ---------------------------------------------------------------------------


def test_the_sign_in_page_offers_a_way_to_set_a_password(client: Client, mock: Any) -> None:
    page = client.get("/en/sign-in").content.decode()
    assert f'href="{FORGOT}"' in page
    assert "Forgot or never set your password?" in page


def test_asking_for_a_link_sends_the_email_and_business_and_says_check_your_inbox(
    client: Client, mock: responses.RequestsMock
) -> None:
    started = mock.post(
        START_URL,
        json=confirmation(),
        match=[matchers.json_params_matcher({"email": "ada@example.com", "businessId": 1})],
    )
    form = client.get(FORGOT)
    assert form.status_code == 200
    assert 'autocomplete="email"' in form.content.decode()
    response = client.post(FORGOT, {"email": " ada@example.com "})
    assert response.status_code == 303
    assert response["Location"] == SENT
    assert started.call_count == 1
    sent = client.get(SENT)
    assert sent.status_code == 200
    assert "Check your inbox" in sent.content.decode()
    assert '<strong class="email">ada@example.com</strong>' in sent.content.decode()


def test_known_and_unknown_emails_get_the_same_answer(
    client: Client, mock: responses.RequestsMock
) -> None:
    # The upstream answers the same for both (CONTRACT.md); so does the portal, word for word.
    mock.post(START_URL, json=confirmation())
    pages = []
    for email in ("ada@example.com", "nobody@example.com"):
        response = client.post(FORGOT, {"email": email}, follow=True)
        assert response.status_code == 200
        pages.append(response.content.decode().replace(email, "EMAIL"))
    # Equal but for the CSP nonce drawn per answer.
    assert [without_nonce(page) for page in pages[1:]] == [without_nonce(pages[0])]


def test_a_bad_email_is_a_400_and_asks_nothing(
    client: Client, mock: responses.RequestsMock
) -> None:
    response = client.post(FORGOT, {"email": "not an email"})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert api_calls(mock) == []


@override_settings(SIGN_IN_MAX_FAILURES=3)
def test_links_are_limited_like_sign_ins(client: Client, mock: responses.RequestsMock) -> None:
    started = mock.post(START_URL, json=confirmation())
    for _ in range(3):
        assert client.post(FORGOT, {"email": "ada@example.com"}).status_code == 303
    refused = client.post(FORGOT, {"email": "ada@example.com"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert started.call_count == 3
    # Another email from this client still gets its link; sign-in counts on its own.
    assert client.post(FORGOT, {"email": "other@example.com"}).status_code == 303
    mock.post(upstream_url(endpoints.TOKEN), json=_tokens())
    signed_in = client.post("/en/sign-in", {"email": "ada@example.com", "password": "pw"})
    assert signed_in.status_code == 302


@override_settings(SIGN_IN_MAX_FAILURES=2)
def test_an_upstream_that_does_not_answer_is_a_503_and_does_not_count(
    client: Client, mock: responses.RequestsMock
) -> None:
    mock.post(START_URL, body=requests.ConnectionError())
    for _ in range(3):
        response = client.post(FORGOT, {"email": "ada@example.com"})
        assert response.status_code == 503
        assert "We cannot reach the billing system" in response.content.decode()
    mock.replace(responses.POST, START_URL, json=confirmation())
    assert client.post(FORGOT, {"email": "ada@example.com"}).status_code == 303


def test_a_business_the_upstream_cannot_tell_is_a_503(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), status=503)
    started = upstream_http.post(START_URL, json=confirmation())
    assert client.post(FORGOT, {"email": "ada@example.com"}).status_code == 503
    assert started.call_count == 0


def test_the_receipts_button_posts_the_buyers_email(client: Client, mock: Any) -> None:
    mock.get(upstream_url(endpoints.CHECKOUT_STATUS), json=upstream_data.checkout_status("Paid"))
    mock.post(
        upstream_url(endpoints.register_by_token(42)),
        json={"Token": "invoice-token", "CustomerCreated": True},
    )
    started = mock.post(
        START_URL,
        json=confirmation(),
        match=[matchers.json_params_matcher({"email": "buyer@example.com", "businessId": 1})],
    )
    guid = "5f0c7a0e-3b1d-4c2e-9a57-2f6f3e8d1c44"
    receipt = client.get(f"/en/invoices/complete?stripe_session_id={guid}", follow=True)
    page = receipt.content.decode()
    assert f'action="{FORGOT}"' in page
    assert '<input type="hidden" name="email" value="buyer@example.com">' in page
    assert "Set your password" in page
    assert client.post(FORGOT, {"email": "buyer@example.com"}).status_code == 303
    assert started.call_count == 1


# The emailed link ----------------------------------------------------------------------------


def test_the_token_leaves_the_address_bar(client: Client, mock: Any) -> None:
    token = reset_token()
    response = _open_link(client, token)
    assert response.status_code == 303
    assert response["Location"] == RESET
    assert client.session[passwords.SESSION_TOKEN] == token
    form = client.get(RESET)
    assert form.status_code == 200
    page = form.content.decode()
    assert token not in page
    assert f'value="{upstream_data.EMAIL}"' in page
    assert "readonly" in page
    assert 'autocomplete="new-password"' in page
    for answer in (response, form):
        assert answer["Referrer-Policy"] == "same-origin"
        assert "no-store" in answer["Cache-Control"]


@pytest.mark.parametrize("token", ["", "short", "has spaces in it, and more", "x" * 5000])
def test_a_malformed_token_is_a_clear_400(client: Client, mock: Any, token: str) -> None:
    response = _open_link(client, token)
    assert response.status_code == 400
    assert INVALID in response.content.decode()
    assert passwords.SESSION_TOKEN not in client.session


def test_no_token_at_all_is_a_clear_400(client: Client, mock: Any) -> None:
    response = client.get(RESET)
    assert response.status_code == 400
    assert INVALID in response.content.decode()
    assert 'href="/en/password/forgot"' in response.content.decode()


def test_an_expired_token_is_said_at_once(client: Client, mock: responses.RequestsMock) -> None:
    _open_link(client, reset_token(seconds=-5))
    response = client.get(RESET)
    assert response.status_code == 400
    assert INVALID in response.content.decode()
    assert api_calls(mock) == []


def test_a_new_password_signs_the_customer_in(client: Client, mock: responses.RequestsMock) -> None:
    token = reset_token()
    completed = mock.post(
        COMPLETE_URL,
        json=confirmation(Value=ONE_TIME),
        match=[
            matchers.json_params_matcher(
                {"Token": token, "Password": NEW_PASSWORD, "BusinessId": 1}
            )
        ],
    )
    exchanged = mock.post(
        EXCHANGE_URL, json=_tokens(), match=[matchers.query_param_matcher({"token": ONE_TIME})]
    )
    _open_link(client, token)
    before = client.session.session_key
    response = _choose(client)
    assert response.status_code == 303
    assert response["Location"] == "/en/invoices/"
    assert (completed.call_count, exchanged.call_count) == (1, 1)
    session = client.session
    # Signed in as a password sign-in would: a new session key, the tokens server-side.
    assert session.session_key != before
    assert accounts.customer_email(session=session) == upstream_data.EMAIL
    assert session[accounts.SESSION_KEY]["access_token"] == upstream_data.ACCESS
    assert passwords.SESSION_TOKEN not in session


def test_the_passwords_must_match_and_nothing_is_asked(
    client: Client, mock: responses.RequestsMock
) -> None:
    _open_link(client, reset_token())
    response = _choose(client, NEW_PASSWORD, "something else")
    assert response.status_code == 400
    assert "The two passwords are not the same." in response.content.decode()
    assert api_calls(mock) == []


def test_the_locations_policy_is_shown_and_the_link_still_works(
    client: Client, mock: responses.RequestsMock
) -> None:
    errors = [
        {"AttemptedValue": None, "PropertyName": "Password", "Message": "At least 8 characters."},
        {"AttemptedValue": None, "PropertyName": "Password", "Message": "One digit."},
    ]
    mock.post(COMPLETE_URL, status=400, json=confirmation(False, Errors=errors))
    _open_link(client, reset_token())
    response = _choose(client, "short")
    assert response.status_code == 400
    page = response.content.decode()
    assert "At least 8 characters." in page
    assert "One digit." in page
    assert passwords.SESSION_TOKEN in client.session
    mock.replace(responses.POST, COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, json=_tokens())
    assert _choose(client).status_code == 303


def test_a_used_or_expired_token_is_a_clear_page(
    client: Client, mock: responses.RequestsMock
) -> None:
    errors = [{"AttemptedValue": None, "PropertyName": "Token", "Message": "Used."}]
    mock.post(COMPLETE_URL, status=400, json=confirmation(False, Errors=errors))
    _open_link(client, reset_token())
    response = _choose(client)
    assert response.status_code == 400
    assert INVALID in response.content.decode()
    # The token is forgotten: the page says so again, without asking.
    assert client.get(RESET).status_code == 400
    assert len([c for c in api_calls(mock) if "completePasswordReset" in str(c.request.url)]) == 1


def test_a_failed_exchange_says_the_password_is_set(
    client: Client, mock: responses.RequestsMock
) -> None:
    mock.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, status=401, json={})
    _open_link(client, reset_token())
    response = _choose(client)
    assert response.status_code == 200
    assert "Your password is set" in response.content.decode()
    assert accounts.customer_email(session=client.session) is None


def test_the_upstream_down_is_a_503_and_keeps_the_link(
    client: Client, mock: responses.RequestsMock
) -> None:
    mock.post(COMPLETE_URL, status=503, json={})
    _open_link(client, reset_token())
    response = _choose(client)
    assert response.status_code == 503
    assert passwords.SESSION_TOKEN in client.session


@override_settings(SIGN_IN_MAX_FAILURES=2)
def test_refused_passwords_are_limited(client: Client, mock: responses.RequestsMock) -> None:
    errors = [{"AttemptedValue": None, "PropertyName": "Password", "Message": "Too short."}]
    completed = mock.post(COMPLETE_URL, status=400, json=confirmation(False, Errors=errors))
    _open_link(client, reset_token())
    assert _choose(client, "a").status_code == 400
    assert _choose(client, "b").status_code == 400
    assert _choose(client, "c").status_code == 429
    assert completed.call_count == 2


def test_an_email_the_token_does_not_name_is_asked_for(
    client: Client, mock: responses.RequestsMock
) -> None:
    mock.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, json=_tokens())
    _open_link(client, "opaque-reset-token-from-another-upstream")
    page = client.get(RESET).content.decode()
    assert "readonly" not in page
    data = {"email": "ada@example.com", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert client.post(RESET, data).status_code == 303
    assert accounts.customer_email(session=client.session) == "ada@example.com"


def test_the_tokens_email_wins_over_a_posted_one(
    client: Client, mock: responses.RequestsMock
) -> None:
    mock.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, json=_tokens())
    _open_link(client, reset_token())
    data = {
        "email": "mallory@example.com",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    assert client.post(RESET, data).status_code == 303
    assert accounts.customer_email(session=client.session) == upstream_data.EMAIL


def test_no_token_or_password_reaches_a_log(
    client: Client, mock: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    token = reset_token()
    mock.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    mock.post(EXCHANGE_URL, status=503, json={})
    with caplog.at_level(logging.DEBUG):
        _open_link(client, token)
        _open_link(client, "bad token!")
        _choose(client)
    assert caplog.text
    for secret in (token, NEW_PASSWORD, ONE_TIME):
        assert secret not in caplog.text

"""The client's password calls against mocked HTTP (responses): startPasswordReset,
completePasswordReset, exchange, and what the portal reads of a reset token."""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import pytest
import responses
from responses import matchers

import upstream
from tests.helpers.upstream import upstream_url
from upstream import endpoints

START_URL = upstream_url(endpoints.PASSWORD_RESET_START)
COMPLETE_URL = upstream_url(endpoints.PASSWORD_RESET_COMPLETE)
EXCHANGE_URL = upstream_url(endpoints.TOKEN_EXCHANGE)
RESET_TOKEN = "eyJreset.token-from-the-email.signature"
NEW_PASSWORD = "Pw-9zQ-new-one"
ONE_TIME = "eyJone.time.jwt"
TOKENS = {"access_token": "acc", "token_type": "bearer", "expires_in": 3600, "refresh_token": "ref"}


def confirmation(successful: bool = True, **fields: Any) -> dict[str, Any]:
    """An ActionConfirmation as CONTRACT.md writes it."""
    return {
        "WasSuccessful": successful,
        "Value": None,
        "Status": 200 if successful else 400,
        "Message": None,
        "Errors": None,
        **fields,
    }


def field_error(name: str, message: str) -> dict[str, Any]:
    return {"AttemptedValue": None, "Message": message, "PropertyName": name}


# startPasswordReset --------------------------------------------------------------------------


def test_start_sends_the_email_and_business_as_json(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(
        START_URL,
        json=confirmation(),
        match=[matchers.json_params_matcher({"email": "a@example.com", "businessId": 7})],
    )
    upstream.password_reset_start(email="a@example.com", business_id=7)
    assert len(upstream_http.calls) == 1
    request = upstream_http.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, confirmation(successful=False), upstream.UnexpectedAnswer),
        (
            400,
            confirmation(False, Errors=[field_error("email", "required")]),
            upstream.UnexpectedAnswer,
        ),
        (200, {"Value": None}, upstream.UnexpectedAnswer),
        (200, ["not", "an", "object"], upstream.UnexpectedAnswer),
        (401, {}, upstream.TokenRejected),
        (503, {}, upstream.UpstreamUnavailable),
    ],
)
def test_start_failures(
    upstream_http: responses.RequestsMock, status: int, body: Any, error: type[Exception]
) -> None:
    upstream_http.post(START_URL, status=status, json=body)
    with pytest.raises(error):
        upstream.password_reset_start(email="a@example.com", business_id=7)


def test_start_is_never_retried(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(START_URL, status=503, json={})
    with pytest.raises(upstream.UpstreamUnavailable):
        upstream.password_reset_start(email="a@example.com", business_id=7)
    assert len(upstream_http.calls) == 1


# completePasswordReset -----------------------------------------------------------------------


def _complete() -> str:
    return upstream.password_reset_complete(token=RESET_TOKEN, password=NEW_PASSWORD, business_id=7)


def test_complete_answers_the_one_time_token(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(
        COMPLETE_URL,
        json=confirmation(Value=ONE_TIME),
        match=[
            matchers.json_params_matcher(
                {"Token": RESET_TOKEN, "Password": NEW_PASSWORD, "BusinessId": 7}
            )
        ],
    )
    assert _complete() == ONE_TIME


def test_the_policy_speaks_through_errors(upstream_http: responses.RequestsMock) -> None:
    errors = [
        field_error("Password", "At least 8 characters."),
        field_error("password", "A digit, please."),
    ]
    upstream_http.post(COMPLETE_URL, status=400, json=confirmation(False, Errors=errors))
    with pytest.raises(upstream.PasswordRefused) as refused:
        _complete()
    assert refused.value.reasons == ("At least 8 characters.", "A digit, please.")
    assert NEW_PASSWORD not in str(refused.value)


@pytest.mark.parametrize(
    "errors",
    [
        [field_error("Token", "The link is invalid, used or expired.")],
        # Both: a bad token makes the password moot.
        [field_error("Token", "Expired."), field_error("Password", "Too short.")],
        # Nothing says which: the token, [ours].
        None,
        [field_error("", "Something went wrong.")],
    ],
)
def test_any_other_refusal_is_the_tokens(
    upstream_http: responses.RequestsMock, errors: list[dict[str, Any]] | None
) -> None:
    upstream_http.post(COMPLETE_URL, status=400, json=confirmation(False, Errors=errors))
    with pytest.raises(upstream.TokenRejected):
        _complete()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        # Successful, but no token to sign in with.
        (200, confirmation(Value=None), upstream.UnexpectedAnswer),
        (200, confirmation(Value=""), upstream.UnexpectedAnswer),
        (200, confirmation(Value={"jwt": "x"}), upstream.UnexpectedAnswer),
        (200, confirmation(Errors="not a list"), upstream.UnexpectedAnswer),
        (200, confirmation(WasSuccessful="yes"), upstream.UnexpectedAnswer),
        (409, confirmation(False), upstream.UnexpectedAnswer),
        (401, {}, upstream.TokenRejected),
        (502, {}, upstream.UpstreamUnavailable),
    ],
)
def test_complete_failures(
    upstream_http: responses.RequestsMock, status: int, body: Any, error: type[Exception]
) -> None:
    upstream_http.post(COMPLETE_URL, status=status, json=body)
    with pytest.raises(error):
        _complete()


def test_complete_html_is_no_answer(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(COMPLETE_URL, body="<html>portal</html>", content_type="text/html")
    with pytest.raises(upstream.UnexpectedAnswer):
        _complete()


# exchange ------------------------------------------------------------------------------------


def test_exchange_answers_tokens(upstream_http: responses.RequestsMock) -> None:
    upstream_http.post(
        EXCHANGE_URL, json=TOKENS, match=[matchers.query_param_matcher({"token": ONE_TIME})]
    )
    tokens = upstream.token_by_exchange(token=ONE_TIME)
    assert tokens == upstream.Tokens(access_token="acc", refresh_token="ref", expires_in=3600)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {}, upstream.TokenRejected),
        (400, {"error": "missing_token"}, upstream.UnexpectedAnswer),
        (200, {"access_token": "acc"}, upstream.UnexpectedAnswer),
        (503, {}, upstream.UpstreamUnavailable),
    ],
)
def test_exchange_failures(
    upstream_http: responses.RequestsMock, status: int, body: Any, error: type[Exception]
) -> None:
    upstream_http.post(EXCHANGE_URL, status=status, json=body)
    with pytest.raises(error):
        upstream.token_by_exchange(token=ONE_TIME)
    assert len(upstream_http.calls) == 1  # single-use: never sent twice


def test_no_token_or_password_is_logged(
    upstream_http: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    upstream_http.post(COMPLETE_URL, json=confirmation(Value=ONE_TIME))
    upstream_http.post(EXCHANGE_URL, status=401, json={})
    with caplog.at_level(logging.DEBUG):
        one_time = _complete()
        with pytest.raises(upstream.TokenRejected):
            upstream.token_by_exchange(token=one_time)
    assert "completePasswordReset -> 200" in caplog.text
    for secret in (RESET_TOKEN, NEW_PASSWORD, ONE_TIME):
        assert secret not in caplog.text


# The reset token, read ------------------------------------------------------------------------


def _jwt(**claims: Any) -> str:
    return jwt.encode(claims, "the upstream's key, unknown to the portal", algorithm="HS256")


def test_the_email_and_expiry_a_reset_token_names() -> None:
    expires = int(time.time()) + 600
    token = _jwt(email="ada@example.com", exp=expires, aud="password-reset", sub="5")
    assert upstream.read_reset_token(token) == upstream.ResetToken(
        email="ada@example.com", expires_at=float(expires)
    )


def test_an_expired_token_is_read_all_the_same() -> None:
    # The portal reads; the upstream judges (an expired token says so: the page tells at once).
    token = _jwt(unique_name="ada@example.com", exp=int(time.time()) - 5)
    read = upstream.read_reset_token(token)
    assert read.email == "ada@example.com"
    assert read.expires_at is not None
    assert read.expires_at < time.time()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt-at-all",
        _jwt(sub="5"),  # names no email
        _jwt(email="not an email", exp="tomorrow"),
        _jwt(email=["ada@example.com"], exp=True),
    ],
)
def test_a_token_that_says_nothing(token: str) -> None:
    assert upstream.read_reset_token(token) == upstream.ResetToken(email="", expires_at=None)

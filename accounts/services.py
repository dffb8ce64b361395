"""Customer accounts: sign-in against the upstream token endpoint, its limits, refresh and
sign-out; tokens live in the server session only.

The access and refresh tokens never reach HTML, cookies or logs: the browser holds only the
session cookie. The session key is cycled at sign-in (no fixation), and the refresh grant
replaces an access token shortly before it expires.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from enum import Enum
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.dispatch import Signal
from django.http import HttpRequest
from django.middleware.csrf import rotate_token

import upstream
from portal.attempts import attempt_counted
from portal.caching import cached_once

logger = logging.getLogger(__name__)

SESSION_KEY = "customer"
# Sent with `session=` whenever a customer leaves a session (sign-out, a refused token, or a
# new sign-in over it), so the apps drop what they keep for that customer.
signing_out = Signal()
# Refresh this long before the access token's expiry, so no call meets it expiring on the way.
REFRESH_MARGIN_SECONDS = 30
# How long a refresh's answer stays shared under the old refresh token: a request that read
# the session before the refresh (and may write it back) still finds the new tokens.
REFRESH_SHARED_SECONDS = 3600
# A sign-in waiting for its two-factor code: the email, the client_id and (in the cache, never
# in the session's row) the password, for this long.
SESSION_PENDING = "sign_in_pending"
PENDING_SECONDS = 300


class SignInRefused(Exception):
    """Wrong email or password: one answer for both, so as not to tell which emails exist."""


class SignedOut(Exception):
    """No customer in this session, or its tokens can no longer be refreshed."""


class SecondFactorNeeded(Exception):
    """The account asks for a two-factor code; the sign-in waits for it (`customer_sign_in_code`).
    `wrong_code`: a code was given and refused."""

    def __init__(self, *, wrong_code: bool) -> None:
        super().__init__("second factor needed")
        self.wrong_code = wrong_code


class SignInExpired(Exception):
    """A two-factor code came for no sign-in waiting in this session (or after PENDING_SECONDS)."""


def _client_id() -> str:
    """A client_id of this sign-in alone ([docs]: sent on both grants). Nexudus's default, the
    email, would let one browser's refresh invalidate another's refresh tokens (rotation)."""
    return f"portal-{secrets.token_hex(12)}"


def customer_sign_in(*, request: HttpRequest, email: str, password: str) -> None:
    """Signs the customer in. SecondFactorNeeded: the sign-in now waits for a code
    (`customer_sign_in_code`); upstream.PasswordResetRequired: the password must be reset."""
    _pending_forget(request)
    client_id = _client_id()
    try:
        _sign_in(request=request, email=email.strip(), password=password, client_id=client_id)
    except SecondFactorNeeded:
        _pending_save(request, email=email.strip(), password=password, client_id=client_id)
        raise


def customer_sign_in_code(*, request: HttpRequest, code: str) -> None:
    """The second step of a two-factor sign-in: the code for the waiting sign-in."""
    pending = request.session.get(SESSION_PENDING)
    password = cache.get(_pending_key(request, pending)) if pending else None
    if not pending or password is None or time.time() - pending["at"] > PENDING_SECONDS:
        _pending_forget(request)
        raise SignInExpired
    email, client_id = pending["email"], pending["client_id"]
    _sign_in(request=request, email=email, password=password, client_id=client_id, totp=code)
    _pending_forget(request)


def customer_sign_in_waiting(*, request: HttpRequest) -> str | None:
    """The email of a sign-in waiting for its code in this session, if any."""
    pending = request.session.get(SESSION_PENDING)
    return str(pending["email"]) if pending else None


def _pending_key(request: HttpRequest, pending: dict[str, Any]) -> str:
    identity = f"{request.session.session_key}|{pending['nonce']}"
    return f"sign-in:pending:{hashlib.sha256(identity.encode()).hexdigest()}"


def _pending_save(request: HttpRequest, *, email: str, password: str, client_id: str) -> None:
    if request.session.session_key is None:
        request.session.save()
    pending = {"email": email, "client_id": client_id, "nonce": secrets.token_hex(16)}
    pending["at"] = time.time()  # type: ignore[assignment]
    cache.set(_pending_key(request, pending), password, timeout=PENDING_SECONDS)
    request.session[SESSION_PENDING] = pending


def _pending_forget(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_PENDING, None)
    if pending:
        cache.delete(_pending_key(request, pending))


def _sign_in(
    *, request: HttpRequest, email: str, password: str, client_id: str, totp: str | None = None
) -> None:
    attempt = attempt_counted(request=request, email=email)
    try:
        tokens = upstream.token_by_password(
            username=email, password=password, client_id=client_id, totp=totp
        )
    except upstream.TokenRejected:
        raise SignInRefused from None
    except upstream.SecondFactorRequired as error:
        # The password was right; a wrong code counts, as a wrong password does.
        if not error.code_sent:
            attempt.not_counted()
        raise SecondFactorNeeded(wrong_code=error.code_sent) from None
    except upstream.UpstreamError:
        # Not a wrong password (an outage, or a password to reset): the attempt does not count.
        attempt.not_counted()
        raise
    attempt.succeeded()
    customer_signed_in(request=request, email=email, client_id=client_id, tokens=tokens)


def customer_signed_in(
    *, request: HttpRequest, email: str, client_id: str, tokens: upstream.Tokens
) -> None:
    """This browser's customer from now on: by password, or by a new password's exchange."""
    # Nothing of an earlier customer of this browser stays; a guest's checkout does.
    signing_out.send(sender=customer_sign_in, session=request.session)
    # A new session key and CSRF token at sign-in, as django.contrib.auth's login() does:
    # whatever an attacker planted before is worthless now.
    request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_KEY] = _session_data(email=email, client_id=client_id, tokens=tokens)


def _session_data(*, email: str, client_id: str, tokens: upstream.Tokens) -> dict[str, Any]:
    return {
        "email": email,
        "client_id": client_id,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": time.time() + tokens.expires_in,
    }


def customer_sign_out(*, request: HttpRequest) -> None:
    signing_out.send(sender=customer_sign_out, session=request.session)
    # Deletes the session row and sends a new, empty session: nothing of it survives.
    request.session.flush()


def customer_email(*, session: SessionBase) -> str | None:
    data = session.get(SESSION_KEY)
    return data["email"] if data else None


def customer_live_bearer(*, session: SessionBase) -> str | None:
    """This session's access token while it is fresh, without refreshing (for page chrome)."""
    data = session.get(SESSION_KEY)
    if not data or data["expires_at"] - REFRESH_MARGIN_SECONDS <= time.time():
        return None
    return str(data["access_token"])


def customer_bearer(*, session: SessionBase) -> str:
    """A live access token for this session's customer, refreshed when it is about to expire."""
    data = session.get(SESSION_KEY)
    if not data:
        raise SignedOut
    if data["expires_at"] - REFRESH_MARGIN_SECONDS > time.time():
        token: str = data["access_token"]
        return token
    refresh_token: str = data["refresh_token"]
    # Signed in before client_ids were sent: Nexudus's default client_id, the email.
    client_id: str = data.get("client_id") or data["email"]
    # One refresh per refresh token, whichever of this session's requests (in any process)
    # gets there first: the upstream rotates refresh tokens, so a second use is refused.
    tokens = cached_once(
        key=f"customer:refresh:{hashlib.sha256(refresh_token.encode()).hexdigest()}",
        compute=lambda: _refresh(refresh_token, client_id),
        timeout=REFRESH_SHARED_SECONDS,
    )
    if tokens is RefreshRefused.REFUSED:
        tokens = _stored_newer_tokens(session, refresh_token)
    if tokens is RefreshRefused.REFUSED:
        logger.info("refresh token refused: the customer must sign in again")
        customer_forget(session=session)
        raise SignedOut
    session[SESSION_KEY] = {
        **data,
        **_session_data(email=data["email"], client_id=client_id, tokens=tokens),
    }
    return tokens.access_token


class RefreshRefused(Enum):
    """Cached in place of tokens, so that every request racing on one refresh sees the refusal."""

    REFUSED = "refused"


def _refresh(refresh_token: str, client_id: str) -> upstream.Tokens | RefreshRefused:
    try:
        return upstream.token_by_refresh(refresh_token=refresh_token, client_id=client_id)
    except upstream.TokenRejected:
        return RefreshRefused.REFUSED


def _stored_newer_tokens(
    session: SessionBase, refresh_token: str
) -> upstream.Tokens | RefreshRefused:
    """The tokens another request of this session stored after rotating ours, if any: this
    request's copy of the session was read before that request saved it."""
    if session.session_key is None:
        return RefreshRefused.REFUSED
    stored = type(session)(session_key=session.session_key).get(SESSION_KEY)
    if not stored or stored.get("refresh_token") in (None, refresh_token):
        return RefreshRefused.REFUSED
    left = int(stored["expires_at"] - time.time())
    return upstream.Tokens(
        access_token=stored["access_token"],
        refresh_token=stored["refresh_token"],
        expires_in=left,
    )


def customer_forget(*, session: SessionBase) -> None:
    """The upstream refused this session's tokens: the customer must sign in again."""
    signing_out.send(sender=customer_forget, session=session)
    session.pop(SESSION_KEY, None)

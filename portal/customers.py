"""Customer sign-in against the upstream token endpoint; tokens live in the server session only.

The access and refresh tokens never reach HTML, cookies or logs: the browser holds only the
session cookie. The session key is cycled at sign-in (no fixation), and the refresh grant
replaces an access token shortly before it expires.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.dispatch import Signal
from django.http import HttpRequest

from portal import upstream

logger = logging.getLogger(__name__)

SESSION_KEY = "customer"
# Sent with `session=` whenever a customer leaves a session (sign-out, a refused token, or a
# new sign-in over it), so the apps drop what they keep for that customer.
signing_out = Signal()
# Refresh this long before the access token's expiry, so no call meets it expiring on the way.
REFRESH_MARGIN_SECONDS = 30


class SignInRefused(Exception):
    """Wrong email or password: one answer for both, so as not to tell which emails exist."""


class TooManyAttempts(Exception):
    """Too many failed sign-ins from this client for this email, or from this client."""


class SignedOut(Exception):
    """No customer in this session, or its tokens can no longer be refreshed."""


def _failure_keys(request: HttpRequest, email: str) -> tuple[str, str]:
    client = request.META.get("REMOTE_ADDR", "")
    pair = hashlib.sha256(f"{client}|{email.strip().lower()}".encode()).hexdigest()
    alone = hashlib.sha256(client.encode()).hexdigest()
    return f"sign-in:failures:{pair}", f"sign-in:failures:{alone}"


def _limits() -> tuple[int, int]:
    return settings.SIGN_IN_MAX_FAILURES, settings.SIGN_IN_MAX_FAILURES_PER_CLIENT


def customer_sign_in(*, request: HttpRequest, email: str, password: str) -> None:
    pair_key, client_key = _failure_keys(request, email)
    per_pair, per_client = _limits()
    if cache.get(pair_key, 0) >= per_pair or cache.get(client_key, 0) >= per_client:
        raise TooManyAttempts
    try:
        tokens = upstream.token_by_password(username=email.strip(), password=password)
    except upstream.TokenRejected:
        for key in (pair_key, client_key):
            _count_failure(key)
        raise SignInRefused from None
    cache.delete(pair_key)
    # Nothing of an earlier customer of this browser stays; a guest's checkout does.
    signing_out.send(sender=customer_sign_in, session=request.session)
    # A new session key at sign-in: whatever key an attacker planted is worthless now.
    request.session.cycle_key()
    request.session[SESSION_KEY] = _session_data(email=email.strip(), tokens=tokens)


def _count_failure(key: str) -> None:
    if cache.add(key, 1, timeout=settings.SIGN_IN_LOCKOUT_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:
        # The window closed between the two calls: this failure starts a new one.
        cache.add(key, 1, timeout=settings.SIGN_IN_LOCKOUT_SECONDS)


def _session_data(*, email: str, tokens: upstream.Tokens) -> dict[str, Any]:
    return {
        "email": email,
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


def customer_bearer(*, session: SessionBase) -> str:
    """A live access token for this session's customer, refreshed when it is about to expire."""
    data = session.get(SESSION_KEY)
    if not data:
        raise SignedOut
    if data["expires_at"] - REFRESH_MARGIN_SECONDS > time.time():
        token: str = data["access_token"]
        return token
    try:
        tokens = upstream.token_by_refresh(refresh_token=data["refresh_token"])
    except upstream.TokenRejected:
        logger.info("refresh token refused: the customer must sign in again")
        customer_forget(session=session)
        raise SignedOut from None
    session[SESSION_KEY] = _session_data(email=data["email"], tokens=tokens)
    return tokens.access_token


def customer_forget(*, session: SessionBase) -> None:
    """The upstream refused this session's tokens: the customer must sign in again."""
    signing_out.send(sender=customer_forget, session=session)
    session.pop(SESSION_KEY, None)

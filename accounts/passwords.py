"""Setting a password, new or forgotten, through the upstream's reset flow (CONTRACT.md,
"Password reset and one-time sign-in"), and signing the customer in with it.

1. startPasswordReset: the upstream emails a link to `/{lang}/user/resetPassword?token=…`. One
   answer whether or not the email is known; counted like sign-ins
   (`sign_in_limits.attempt_counted`).
2. The link's token is kept in the server-side session and the page answers 303 to a URL
   without it, as the completion page does with the basket GUID.
3. completePasswordReset sets the password and answers a one-time JWT; exchange trades it for
   the customer's tokens, which sign the customer in as a password would.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Literal

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.http import HttpRequest

import upstream
from accounts import services
from portal.attempts import attempt_counted
from portal.business import business

logger = logging.getLogger(__name__)

SESSION_TOKEN = "password_reset_token"  # noqa: S105  (a session key's name)
SESSION_SENT_TO = "password_reset_sent_to"
# A JWT's characters (base64url and dots), with room for other token formats' URL-safe ones;
# anything else, or longer, is not a link the upstream sent.
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{16,4096}")
# How long a used token is remembered when it names no expiry ([docs]: "short-lived").
USED_TOKEN_SECONDS = 24 * 3600

# Why a link cannot set a password, as far as the portal can tell before one is typed.
DeadLink = Literal["missing", "expired", "used"]


class ResetLinkInvalid(Exception):
    """No reset token in this session, or the upstream refused it: invalid, expired or used."""


class SignInAfterReset(Exception):
    """The password is set, but exchange did not sign the customer in: sign in with it."""


@dataclass(frozen=True)
class PendingReset:
    """The reset link this browser opened: its token and what it names."""

    token: str
    email: str


def _business_id() -> int:
    found = business()
    if found is None or found.id is None:
        raise upstream.UpstreamUnavailable("the business is unknown: startPasswordReset needs it")
    return found.id


def password_reset_start(*, request: HttpRequest, email: str) -> None:
    """Asks the upstream to email a link to set a password. Every request counts (each sends
    an email), per client and email and per client; TooManyAttempts past the limits."""
    attempt = attempt_counted(request=request, email=email, scope="password-reset")
    try:
        upstream.password_reset_start(email=email.strip(), business_id=_business_id())
    except upstream.UpstreamError:
        attempt.not_counted()
        raise
    request.session[SESSION_SENT_TO] = email.strip()


def password_reset_sent_to(*, session: SessionBase) -> str:
    sent_to: str = session.get(SESSION_SENT_TO, "")
    return sent_to


def reset_token_remember(*, session: SessionBase, raw: str) -> bool:
    """Keeps the link's token in the session; False for anything that is not a token."""
    if not _TOKEN.fullmatch(raw):
        return False
    session[SESSION_TOKEN] = raw
    return True


def _used_key(token: str) -> str:
    # Hashed: the cache never holds a usable token.
    return f"password-reset:used:{hashlib.sha256(token.encode()).hexdigest()}"


def _token_used(token: str) -> None:
    """Remembered in the shared cache (every process, every browser) for the token's life."""
    expires_at = upstream.read_reset_token(token).expires_at
    left = USED_TOKEN_SECONDS if expires_at is None else int(expires_at - time.time()) + 1
    if left > 0:
        cache.set(_used_key(token), True, timeout=left)


def reset_link_dead(*, session: SessionBase) -> DeadLink | None:
    """Why this browser's reset link cannot work, when the portal can tell at once: no link,
    its token says it expired (read, not verified), or this portal completed it already. The
    upstream is the judge of the rest, when the new password is sent."""
    token: str | None = session.get(SESSION_TOKEN)
    if not token:
        return "missing"
    if cache.get(_used_key(token)):
        return "used"
    expires_at = upstream.read_reset_token(token).expires_at
    if expires_at is not None and expires_at <= time.time():
        return "expired"
    return None


def reset_token_recall(*, session: SessionBase) -> PendingReset | None:
    """The reset this browser opened; None (and the token forgotten) when it is dead."""
    if reset_link_dead(session=session) is not None:
        session.pop(SESSION_TOKEN, None)
        return None
    token: str = session[SESSION_TOKEN]
    return PendingReset(token=token, email=upstream.read_reset_token(token).email)


def password_reset_complete(*, request: HttpRequest, email: str, password: str) -> None:
    """Sets the password and signs the customer in. ResetLinkInvalid: the upstream refused the
    token; upstream.PasswordRefused: the location's policy; SignInAfterReset: set, but not
    signed in. Refusals count against this client, as wrong passwords do."""
    pending = reset_token_recall(session=request.session)
    if pending is None:
        raise ResetLinkInvalid
    attempt = attempt_counted(request=request, email=email, scope="password-set")
    try:
        one_time = upstream.password_reset_complete(
            token=pending.token, password=password, business_id=_business_id()
        )
    except upstream.TokenRejected:
        request.session.pop(SESSION_TOKEN, None)
        raise ResetLinkInvalid from None
    except upstream.PasswordRefused:
        raise
    except upstream.UpstreamError:
        attempt.not_counted()
        raise
    attempt.succeeded()
    # Used: another browser opening the link is told so before typing a password, and this
    # one cannot send it again.
    _token_used(pending.token)
    request.session.pop(SESSION_TOKEN, None)
    try:
        tokens = upstream.token_by_exchange(token=one_time)
    except upstream.UpstreamError as error:
        logger.warning("exchange after a password reset failed: %s", error)
        raise SignInAfterReset from None
    # Tokens from exchange were issued to no client_id of ours: Nexudus's default, the email.
    services.customer_signed_in(request=request, email=email, client_id=email, tokens=tokens)

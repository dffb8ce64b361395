"""Signed JWTs the sandbox issues: access, refresh, media and invoice tokens.

Each kind has its own audience, so that one can never stand in for another: a media JWT
"only opens media, never a bearer substitute" (CONTRACT.md).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone

ALGORITHM = "HS256"
ISSUER = "portal-sandbox"


class Audience(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    MEDIA = "media"
    INVOICE = "invoice"
    # The emailed link's token (completePasswordReset), and the one-time JWT that
    # completePasswordReset answers (exchange). Both single-use, by their jti.
    PASSWORD_RESET = "password-reset"  # noqa: S105  (an audience name)
    ONE_TIME = "one-time"


def _key() -> bytes:
    # Derived rather than SECRET_KEY itself, so that a leaked sandbox token says nothing of it.
    return hashlib.sha256(b"sandbox-jwt:" + settings.SECRET_KEY.encode()).digest()


def token_issue(*, audience: Audience, subject: str, seconds: int, **claims: str) -> str:
    now = timezone.now()
    payload = {
        "iss": ISSUER,
        "aud": audience.value,
        "sub": subject,
        "iat": now,
        "exp": now + timedelta(seconds=seconds),
        # Unique per token, so two issued in the same second still differ.
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, _key(), algorithm=ALGORITHM)


def token_claims(*, token: str, audience: Audience) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token of that audience; None for anything else."""
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            _key(),
            algorithms=[ALGORITHM],
            audience=audience.value,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "aud", "iss", "jti"]},
        )
    except jwt.PyJWTError:
        return None
    return payload


def token_subject(*, token: str, audience: Audience) -> str | None:
    """The subject of a valid, unexpired token of that audience; None for anything else."""
    payload = token_claims(token=token, audience=audience)
    subject = payload["sub"] if payload else None
    return subject if isinstance(subject, str) else None

"""Signed JWTs the sandbox issues: access, refresh, media and invoice tokens.

Each kind has its own audience, so that one can never stand in for another: a media JWT
"only opens media, never a bearer substitute" (CONTRACT.md).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from enum import StrEnum

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
    RESET = "reset"


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


def token_subject(*, token: str, audience: Audience) -> str | None:
    """The subject of a valid, unexpired token of that audience; None for anything else."""
    payload = token_claims(token=token, audience=audience)
    subject = payload.get("sub") if payload else None
    return subject if isinstance(subject, str) else None


def token_claims(*, token: str, audience: Audience) -> dict[str, object] | None:
    """Every claim of a valid, unexpired token of that audience; None for anything else."""
    try:
        payload = jwt.decode(
            token,
            _key(),
            algorithms=[ALGORITHM],
            audience=audience.value,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "aud", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    return dict(payload)

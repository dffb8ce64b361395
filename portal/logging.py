"""Masks tokens, JWTs and passwords in log records before they are written."""

from __future__ import annotations

import logging
import re

# Query and form parameters whose values are secrets (CONTRACT.md names them all).
_SECRET_PARAMS = re.compile(
    r"(?i)(?P<name>\b(?:token|t|jwt|access_token|refresh_token|password|"
    r"stripe_session_id|spreedly_session_id|paypal_session_id)=)[^&\s\"'#]+"
)
# Any JWT-shaped string: three base64url parts, the first an encoded JSON header.
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
MASK = "***"


def mask_secrets(text: str) -> str:
    text = _SECRET_PARAMS.sub(rf"\g<name>{MASK}", text)
    text = _JWT.sub(MASK, text)
    return _BEARER.sub(rf"\g<1>{MASK}", text)


class MaskSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        masked = mask_secrets(record.getMessage())
        record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatted once here so that a secret inside an exception message is masked too.
            record.exc_text = mask_secrets(logging.Formatter().formatException(record.exc_info))
        return True

"""Masks tokens, JWTs and passwords in log records before they are written."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger import json as _json

# Query and form parameters whose values are secrets (CONTRACT.md names them all).
_SECRET_PARAMS = re.compile(
    r"(?i)(?P<name>\b(?:token|t|jwt|access_token|refresh_token|password|"
    r"stripe_session_id|spreedly_session_id|paypal_session_id)=)[^&\s\"'#]+"
)
# Any JWT-shaped string: three base64url parts, the first an encoded JSON header.
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
# The same names as JSON members: "token": "...".
_SECRET_MEMBERS = re.compile(
    r'(?i)(?P<name>"(?:token|jwt|access_token|refresh_token|password)"\s*:\s*")[^"]*'
)
MASK = "***"
# What every LogRecord has; anything else on a record came as an `extra`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# The id of the request being served ("-" outside one); set by portal.middleware.
request_id: ContextVar[str] = ContextVar("request_id", default="-")


def mask_secrets(text: str) -> str:
    text = _SECRET_PARAMS.sub(rf"\g<name>{MASK}", text)
    text = _SECRET_MEMBERS.sub(rf"\g<name>{MASK}", text)
    text = _JWT.sub(MASK, text)
    return _BEARER.sub(rf"\g<1>{MASK}", text)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class OneLineFilter(logging.Filter):
    """Control characters of a record's message as `\\xNN`: a request path decoded by
    gunicorn may hold newlines, terminal escapes or NULs, and one request must stay one line
    of the access log. Put after MaskSecretsFilter, which formats the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) and not record.args else None
        if message is not None and _CONTROL.search(message):
            record.msg = _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", message)
        return True


class MaskSecretsFilter(logging.Filter):
    """Masks the message, the exception text and the stack of every record it passes.

    A filter runs before the handler's own error handling, so it must never raise: a record
    whose arguments do not fit its format is masked as written.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_secrets(message), None
        # Extras such as django.request's `request` are written by JSON formatters as str()
        # of the object, whose repr holds the query string: masked too.
        for name, value in list(vars(record).items()):
            if name not in _RECORD_ATTRIBUTES and not isinstance(value, int | float | None):
                try:
                    setattr(record, name, mask_secrets(str(value)))
                # An extra whose str() fails: the filter must never raise into the caller.
                except Exception:
                    setattr(record, name, MASK)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        # Masked whoever formatted it first: another handler may have run before this one.
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


# Where the middleware also keeps the id: on the request (its WSGI environ).
REQUEST_ID_KEY = "portal.request_id"


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request it was written for: the current one,
    or the one of the request attached to the record (Django's own log of a 4xx or 5xx answer,
    written once the middleware has returned)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        # Django's request, read by duck type: gunicorn's master imports this module too.
        environ = getattr(vars(record).get("request"), "META", None)
        if current == "-" and isinstance(environ, dict):
            current = str(environ.get(REQUEST_ID_KEY, "-"))
        record.request_id = current
        return True


class ClientErrorFilter(logging.Filter):
    """A 4xx is the client's doing: Django's record of it keeps its one line, not the traceback
    of the exception that became it (a traceback is for the 5xx, our bugs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = vars(record).get("status_code")
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info, record.exc_text = None, None
        return True


class JsonFormatter(_json.JsonFormatter):
    """python-json-logger's formatter, with tracebacks and stacks masked: it formats them from
    the exception itself, not from the masked text the filter left."""

    def formatException(self, ei: Any) -> Any:
        return _masked(super().formatException(ei))

    def formatStack(self, stack_info: str) -> Any:
        return _masked(super().formatStack(stack_info))


def _masked(text: str | list[str]) -> str | list[str]:
    # python-json-logger can format a traceback as a list of lines.
    return mask_secrets(text) if isinstance(text, str) else [mask_secrets(t) for t in text]


def logging_config(*, level: str, formatter: str) -> dict[str, Any]:
    """settings.LOGGING: one console handler, `plain` or `json`, for the portal and Django.

    Request lines and upstream URLs carry tokens in query strings: every record is masked
    before any handler writes it. Every record also carries the request id, and a 4xx answer
    is one line without a traceback.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "mask_secrets": {"()": "portal.logging.MaskSecretsFilter"},
            "request_id": {"()": "portal.logging.RequestIdFilter"},
            "client_errors": {"()": "portal.logging.ClientErrorFilter"},
        },
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
            "json": {
                "()": "portal.logging.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request_id", "client_errors", "mask_secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # urllib3's debug lines hold whole URLs; masked anyway, but not wanted at all.
            "urllib3": {"level": "WARNING"},
        },
    }

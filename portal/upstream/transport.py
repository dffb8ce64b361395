"""Sending one request to the upstream: pooled, bounded in size and time, errors typed.

- One pooled `requests.Session` per process and kind of call (keep-alive connections).
- Idempotent GETs are retried with backoff on connection errors and 502/503/504;
  registerByToken and other POSTs never are: a POST whose answer was lost may have been
  processed, and the caller decides what a retry means.
- Tokens travel as query parameters and are never logged: log lines name the path only.
"""

from __future__ import annotations

import json
import logging
import time
from functools import cache
from typing import Any, Literal

import requests
import urllib3
from django.conf import settings
from django.utils import translation
from urllib3.util.retry import Retry

from portal.upstream.context import upstream_target
from portal.upstream.deadline import DeadlineAdapter, call_deadline
from portal.upstream.errors import (
    NotFound,
    TokenRejected,
    UnexpectedAnswer,
    UpstreamError,
    UpstreamUnavailable,
)
from portal.upstream.slots import WaitingSlots

logger = logging.getLogger("portal.upstream")


def longest_call_seconds() -> float:
    """The deadline of one call, from connecting to the body's last byte, retries included:
    a connection, then headers and body each within a read timeout (19 s by default)."""
    return float(settings.UPSTREAM_CONNECT_TIMEOUT + 2 * settings.UPSTREAM_READ_TIMEOUT)


@cache
def pooled_session(*, retrying: bool) -> requests.Session:
    """One session per process and kind: pooled keep-alive connections to the upstream."""
    retries = Retry(
        total=settings.UPSTREAM_GET_RETRIES if retrying else 0,
        # A slow upstream is not retried: that would multiply the wait and the load.
        read=0,
        backoff_factor=0.2,
        backoff_max=1,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        # An upstream's Retry-After (429, a maintenance 503) could hold a worker for minutes:
        # the page answers at once instead, and asks again later by itself.
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=32, max_retries=retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _read_capped(response: requests.Response) -> bytes:
    limit = settings.UPSTREAM_MAX_BODY_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise UnexpectedAnswer(f"body of {declared} bytes is over the {limit} byte cap")
    body = bytearray()
    # read1 returns whatever has arrived (up to the size), so the cap is checked after every
    # arrival; a body that trickles in is cut by the answer's deadline (deadline.py).
    try:
        while chunk := response.raw.read1(16384, decode_content=True):
            body += chunk
            if len(body) > limit:
                raise UnexpectedAnswer(f"body is over the {limit} byte cap")
    except urllib3.exceptions.ReadTimeoutError:
        raise UpstreamUnavailable("timeout while reading the answer") from None
    except urllib3.exceptions.DecodeError:
        raise UnexpectedAnswer("an answer whose compression is broken") from None
    except urllib3.exceptions.HTTPError as error:
        # The connection broke, or closed before the announced length (IncompleteRead).
        raise UpstreamUnavailable(f"answer cut short: {type(error).__name__}") from None
    return bytes(body)


@cache
def waiting_slots() -> WaitingSlots:
    """How many of this process's threads may wait on the upstream at once."""
    return WaitingSlots(settings.UPSTREAM_CONCURRENCY)


def send(method: Literal["GET", "POST"], path: str, **kwargs: Any) -> tuple[int, bytes]:
    """Sends one request; answers (status, body) for 2xx, 400 and 409, raises otherwise.

    Refused without asking while UPSTREAM_CONCURRENCY calls of this process already wait on
    the upstream and none ends soon (slots.py): a hanging upstream then costs a few threads,
    never all of them.
    """
    slots = waiting_slots()
    if not slots.acquire():
        logger.warning("upstream %s %s not sent: too many calls waiting", method, path)
        raise UpstreamUnavailable(f"{method} {path}: too many calls waiting")
    try:
        return _exchange(method, path, **kwargs)
    finally:
        slots.release()


def _exchange(
    method: Literal["GET", "POST"],
    path: str,
    *,
    params: dict[str, str | int] | None = None,
    form: dict[str, str] | None = None,
    bearer: str | None = None,
    expect: Literal["json", "pdf"] = "json",
) -> tuple[int, bytes]:
    target = upstream_target()
    headers = {
        "Accept": "application/pdf" if expect == "pdf" else "application/json",
        # The page's language: an upstream that honours it formats amounts and writes
        # messages in it (the sandbox does).
        "Accept-Language": translation.get_language() or settings.LANGUAGE_CODE,
        # The same id as this request's log lines, so both sides' logs can be joined.
        "X-Request-ID": target.request_id,
    }
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    connect, read = settings.UPSTREAM_CONNECT_TIMEOUT, settings.UPSTREAM_READ_TIMEOUT
    started = time.monotonic()
    try:
        with (
            call_deadline(call_seconds=longest_call_seconds(), answer_seconds=2 * read),
            pooled_session(retrying=method == "GET").request(
                method,
                target.base_url + path,
                params=params,
                data=form,
                headers=headers,
                timeout=(connect, read),
                stream=True,
                allow_redirects=False,
            ) as response,
        ):
            status = response.status_code
            body = _read_capped(response)
            content_type = response.headers.get("Content-Type", "")
    except requests.Timeout as error:
        logger.warning("upstream %s %s timed out: %s", method, path, type(error).__name__)
        raise UpstreamUnavailable(f"{method} {path}: timeout") from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
        # Without retries left, urllib3 reports a read timeout as a failed connection.
        reason = getattr(error.args[0], "reason", None) if error.args else None
        if isinstance(reason, urllib3.exceptions.TimeoutError):
            logger.warning("upstream %s %s timed out: no answer", method, path)
            raise UpstreamUnavailable(f"{method} {path}: timeout") from None
        if time.monotonic() - started >= 2 * read:
            # The answer's deadline passed: the watchdog cut it (portal/upstream/deadline.py).
            logger.warning("upstream %s %s: no whole answer within the deadline", method, path)
            raise UpstreamUnavailable(f"{method} {path}: past the deadline") from None
        logger.warning("upstream %s %s unreachable: %s", method, path, type(error).__name__)
        raise UpstreamUnavailable(f"{method} {path}: connection failed") from None
    except requests.RequestException as error:
        # Anything else of requests' (a corrupt compressed body, too many redirects…).
        logger.warning("upstream %s %s failed: %s", method, path, type(error).__name__)
        raise UpstreamUnavailable(f"{method} {path}: {type(error).__name__}") from None
    except UpstreamError as error:
        logger.warning("upstream %s %s: %s", method, path, error)
        raise
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info("upstream %s %s -> %s in %.0f ms", method, path, status, elapsed_ms)

    if status == 401:
        raise TokenRejected(f"{method} {path}: 401")
    if status == 404:
        raise NotFound(f"{method} {path}: 404")
    if status >= 500:
        raise UpstreamUnavailable(f"{method} {path}: {status}")
    if status not in (200, 400, 409):
        raise UnexpectedAnswer(f"{method} {path}: status {status}")
    wanted = "application/pdf" if expect == "pdf" else "application/json"
    if status == 200 and not content_type.startswith(wanted):
        raise UnexpectedAnswer(f"{method} {path}: {content_type or 'no content type'}")
    return status, body


def json_object(body: bytes, path: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise UnexpectedAnswer(f"{path}: malformed JSON") from None
    if not isinstance(data, dict):
        raise UnexpectedAnswer(f"{path}: JSON is not an object")
    return data


def get_json(path: str, **kwargs: Any) -> dict[str, Any]:
    status, body = send("GET", path, **kwargs)
    if status != 200:
        raise UnexpectedAnswer(f"GET {path}: status {status}")
    return json_object(body, path)

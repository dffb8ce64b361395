"""One request to the upstream: pooled, bounded in size and time, errors typed.

- One pooled `requests.Session` per process and kind of call (keep-alive connections).
- urllib3 retries a GET only when its connection failed before the request was sent.
- Every call says `Accept` (some endpoints answer HTML without it) and `X-Use-Timezone: true`
  (dates in the space's local time, as the official portal asks).
- Every wait on the socket ends by the call's deadline (deadline.py).
- Tokens travel as query parameters and are never logged: log lines name the path only.

The budget, the page's deadline, retries and throttling around it: sending.py.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from functools import cache
from typing import Any, Literal

import requests
import urllib3
from django.conf import settings
from django.utils import translation
from urllib3.util.retry import Retry

from upstream.context import UpstreamTarget
from upstream.deadline import DeadlineAdapter, call_deadline
from upstream.errors import UnexpectedAnswer, UpstreamError, UpstreamUnavailable
from upstream.slots import WaitingSlots

logger = logging.getLogger("upstream")


def longest_call_seconds() -> float:
    """The deadline of one call, from connecting to the body's last byte, retries included:
    a connection, then headers and body each within a read timeout (19 s by default)."""
    return float(settings.UPSTREAM_CONNECT_TIMEOUT + 2 * settings.UPSTREAM_READ_TIMEOUT)


@cache
def pooled_session(*, retrying: bool) -> requests.Session:
    """One session per process and kind: pooled keep-alive connections to the upstream.

    urllib3 retries only connections that failed before the request was sent; `send` retries
    a GET's 502/503/504 itself, each try counted in the budget."""
    retries = Retry(
        total=settings.UPSTREAM_GET_RETRIES if retrying else 0,
        # A slow upstream is not retried: that would multiply the wait and the load.
        read=0,
        status=0,
        other=0,
        backoff_factor=0.2,
        backoff_max=1,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=32, max_retries=retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@cache
def waiting_slots() -> WaitingSlots:
    """How many of this process's threads may wait on the upstream at once."""
    return WaitingSlots(settings.UPSTREAM_CONCURRENCY)


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


@contextlib.contextmanager
def waiting_slot(method: str, path: str) -> Iterator[None]:
    """One of this process's UPSTREAM_CONCURRENCY slots (slots.py), or UpstreamUnavailable."""
    slots = waiting_slots()
    if not slots.acquire():
        logger.warning("upstream %s %s not sent: too many calls waiting", method, path)
        raise UpstreamUnavailable(f"{method} {path}: too many calls waiting")
    try:
        yield
    finally:
        slots.release()


def request_once(
    method: Literal["GET", "POST"],
    path: str,
    *,
    target: UpstreamTarget,
    deadline: float,
    params: dict[str, str | int] | None,
    form: dict[str, str] | None,
    json_body: Any,
    bearer: str | None,
    expect: Literal["json", "pdf"],
) -> tuple[int, Any, bytes]:
    headers = {
        "Accept": "application/pdf" if expect == "pdf" else "application/json",
        # [docs] dates in the space's local time, as the official portal asks for them.
        "X-Use-Timezone": "true",
        # The page's language: an upstream that honours it formats amounts and writes
        # messages in it (the sandbox does).
        "Accept-Language": translation.get_language() or settings.LANGUAGE_CODE,
        # The same id as this request's log lines, so both sides' logs can be joined.
        "X-Request-ID": target.request_id,
    }
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    started = time.monotonic()
    # Every wait on the socket ends by the call's deadline: the page's, or the call's own.
    at = min(deadline, started + longest_call_seconds())
    connect = min(settings.UPSTREAM_CONNECT_TIMEOUT, at - started)
    try:
        with (
            call_deadline(at=at, answer_seconds=2 * settings.UPSTREAM_READ_TIMEOUT),
            pooled_session(retrying=method == "GET").request(
                method,
                target.base_url + path,
                params=params,
                data=form,
                json=json_body,
                headers=headers,
                timeout=(connect, settings.UPSTREAM_READ_TIMEOUT),
                stream=True,
                allow_redirects=False,
            ) as response,
        ):
            status = response.status_code
            body = _read_capped(response)
            answer_headers = response.headers
    except requests.Timeout as error:
        logger.warning("upstream %s %s timed out: %s", method, path, type(error).__name__)
        raise UpstreamUnavailable(f"{method} {path}: timeout") from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
        # Without retries left, urllib3 reports a read timeout as a failed connection.
        reason = getattr(error.args[0], "reason", None) if error.args else None
        if isinstance(reason, urllib3.exceptions.TimeoutError):
            logger.warning("upstream %s %s timed out: no answer", method, path)
            raise UpstreamUnavailable(f"{method} {path}: timeout") from None
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
    return status, answer_headers, body

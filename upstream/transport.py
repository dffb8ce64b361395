"""Sending one request to the upstream: pooled, bounded in size and time, errors typed.

- One pooled `requests.Session` per process and kind of call (keep-alive connections).
- Every call, retries included, is counted in the tenant's budget first (budget.py) and
  waits there for room within the page's deadline.
- Idempotent GETs are retried with backoff on connection errors and 502/503/504;
  registerByToken and other POSTs never are: a POST whose answer was lost may have been
  processed, and the caller decides what a retry means.
- Throttling ([docs] 409 with Retry-After; 429) closes the budget for every process for that
  long and is `Throttled`; a GET asks once more when the wait fits the page's deadline.
- One deadline for all of a page's calls; after one finds the upstream unavailable, the
  page's other calls are not sent (`NotAsked`), and the page shows what is cached.
- Every call says `Accept` (some endpoints answer HTML without it) and `X-Use-Timezone: true`
  (dates in the space's local time, as the official portal asks).
- Tokens travel as query parameters and are never logged: log lines name the path only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any, Literal

import requests
import urllib3
from django.conf import settings
from django.utils import translation
from urllib3.util.retry import Retry

from upstream.budget import Priority, budget_close, budget_take
from upstream.context import UpstreamTarget, upstream_target
from upstream.deadline import DeadlineAdapter, call_deadline
from upstream.errors import (
    NotAsked,
    NotFound,
    Throttled,
    TokenRejected,
    UnexpectedAnswer,
    UpstreamError,
    UpstreamUnavailable,
)
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


def retry_after_seconds(value: str | None) -> int:
    """Retry-After as whole seconds (delta-seconds or an HTTP date), 1 to 3600; 1 if absent."""
    if value and value.strip().isdigit():
        seconds = int(value.strip()[:6])
    else:
        try:
            when = parsedate_to_datetime(value or "")
            seconds = int(when.timestamp() - time.time() + 0.999)
        except (TypeError, ValueError):
            seconds = 1
    return min(max(seconds, 1), 3600)


def _throttled(status: int, headers: Any) -> int | None:
    """The wait a throttling answer asks for; None when the answer is no throttling.

    [docs] Nexudus throttles with 409 and Retry-After; a 409 without it is a conflict, which
    the caller reads. 429 is what proxies in front of an API say.
    """
    if status == 429 or (status == 409 and "Retry-After" in headers):
        return retry_after_seconds(headers.get("Retry-After"))
    return None


def page_deadline(target: UpstreamTarget) -> float:
    """By when the calls of this page must be done; a command's call has a deadline of its own."""
    if target.deadline is not None:
        return target.deadline
    return time.monotonic() + longest_call_seconds()


def _fits(seconds: float, target: UpstreamTarget) -> bool:
    return time.monotonic() + seconds < page_deadline(target)


def send(
    method: Literal["GET", "POST"],
    path: str,
    *,
    priority: Priority,
    params: dict[str, str | int] | None = None,
    form: dict[str, str] | None = None,
    json_body: Any = None,
    bearer: str | None = None,
    expect: Literal["json", "pdf"] = "json",
) -> tuple[int, bytes]:
    """Sends one request; answers (status, body) for 2xx, 400 and 409, raises otherwise.

    A GET answered 502/503/504 is asked again (UPSTREAM_GET_RETRIES, with backoff), and once
    more after a throttling answer, each when the wait fits the page's deadline; otherwise (and
    for POSTs) the failure, `Throttled` with its wait, goes to the page.
    """
    target = upstream_target()
    retries, throttled_before = settings.UPSTREAM_GET_RETRIES, False
    for attempt in range(1, retries + 3):
        status, headers, body = send_raw(
            method,
            path,
            priority=priority,
            params=params,
            form=form,
            json_body=json_body,
            bearer=bearer,
            expect=expect,
        )
        wait = _throttled(status, headers)
        if wait is not None:
            if method != "GET" or throttled_before or not _fits(wait, target):
                logger.warning("upstream %s %s throttled: retry after %s s", method, path, wait)
                _page_failed(target)
                raise Throttled(f"{method} {path}: throttled ({status})", retry_after=wait)
            # The budget is closed for `wait` (send_raw): the next try waits there.
            logger.info("upstream %s %s throttled: waiting %s s once", method, path, wait)
            throttled_before = True
            continue
        if status in (502, 503, 504) and method == "GET" and attempt <= retries:
            pause = min(0.2 * 2 ** (attempt - 1), 1.0)
            if _fits(pause + 0.5, target):
                logger.info("upstream %s %s -> %s: asking again", method, path, status)
                time.sleep(pause)
                continue
        try:
            return _checked(method, path, status, headers, body, expect=expect)
        except UpstreamUnavailable:
            _page_failed(target)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _page_failed(target: UpstreamTarget) -> None:
    if target.page is not None:
        target.page.failed = True


@contextlib.contextmanager
def _failing_the_page(target: UpstreamTarget) -> Iterator[None]:
    try:
        yield
    except UpstreamUnavailable:
        _page_failed(target)
        raise


@contextlib.contextmanager
def _waiting_slot(method: str, path: str) -> Iterator[None]:
    """One of this process's UPSTREAM_CONCURRENCY slots (slots.py), or UpstreamUnavailable."""
    slots = waiting_slots()
    if not slots.acquire():
        logger.warning("upstream %s %s not sent: too many calls waiting", method, path)
        raise UpstreamUnavailable(f"{method} {path}: too many calls waiting")
    try:
        yield
    finally:
        slots.release()


def send_raw(
    method: Literal["GET", "POST"],
    path: str,
    *,
    priority: Priority = Priority.OTHER,
    params: dict[str, str | int] | None,
    form: dict[str, str] | None,
    json_body: Any,
    bearer: str | None,
    expect: Literal["json", "pdf"],
) -> tuple[int, Any, bytes]:
    """One request as it is answered: status, headers and body (for `send` and the operators'
    check); transport failures are UpstreamUnavailable, an oversized body UnexpectedAnswer.

    Not sent (`NotAsked`) once an earlier call of the page failed or its deadline passed;
    refused without asking while UPSTREAM_CONCURRENCY calls of this process already wait on
    the upstream or its budget and none ends soon (slots.py): a hanging upstream then costs a
    few threads; counted in the budget, waiting there at most UPSTREAM_BUDGET_WAIT_SECONDS.
    """
    target = upstream_target()
    deadline = page_deadline(target)
    if (target.page is not None and target.page.failed) or time.monotonic() >= deadline:
        logger.info(
            "upstream %s %s not sent: the page's upstream failed or its time is up", method, path
        )
        raise NotAsked(f"{method} {path}: not sent")
    # A call waiting for the budget holds one of the process's slots, so that waiting calls
    # never take the threads /healthz and pages without upstream calls need.
    with _waiting_slot(method, path), _failing_the_page(target):
        # The call itself keeps a second of the page's time, or what is left of it.
        waits_until = min(deadline - 1, time.monotonic() + settings.UPSTREAM_BUDGET_WAIT_SECONDS)
        budget_take(priority=priority, write=method != "GET", deadline=waits_until)
        status, answer_headers, body = _request(
            method,
            path,
            target=target,
            deadline=deadline,
            params=params,
            form=form,
            json_body=json_body,
            bearer=bearer,
            expect=expect,
        )
    if status in (409, 429) and (wait := _throttled(status, answer_headers)) is not None:
        budget_close(seconds=wait)
    return status, answer_headers, body


def _request(
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


def _checked(
    method: str, path: str, status: int, headers: Any, body: bytes, *, expect: str
) -> tuple[int, bytes]:
    if status == 401:
        raise TokenRejected(f"{method} {path}: 401")
    if status == 404:
        raise NotFound(f"{method} {path}: 404")
    if status >= 500:
        raise UpstreamUnavailable(f"{method} {path}: {status}")
    if status not in (200, 400, 409):
        raise UnexpectedAnswer(f"{method} {path}: status {status}")
    wanted = "application/pdf" if expect == "pdf" else "application/json"
    content_type = headers.get("Content-Type", "")
    # [docs] a portal domain answers the single-page app's HTML: an error, never data.
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


def get_json(path: str, *, priority: Priority, **kwargs: Any) -> dict[str, Any]:
    status, body = send("GET", path, priority=priority, **kwargs)
    if status != 200:
        raise UnexpectedAnswer(f"GET {path}: status {status}")
    return json_object(body, path)

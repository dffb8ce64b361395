"""Sending a call to the upstream: the tenant's budget, the page's deadline, retries and
throttling around one request (transport.py).

- Every call, retries included, is counted in the tenant's budget first (budget.py) and
  waits there for room within the page's deadline.
- Idempotent GETs are asked again on 502/503/504; registerByToken and other POSTs never are:
  a POST whose answer was lost may have been processed, and the caller decides what a retry
  means.
- Throttling ([docs] 409 with Retry-After; 429) closes the budget for every process for that
  long and is `Throttled`; a GET asks once more when the wait fits the page's deadline.
- One deadline for all of a page's calls; after one finds the upstream unavailable, the
  page's other calls are not sent (`NotAsked`), and the page shows what is cached.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from django.conf import settings

from upstream.budget import Priority, budget_close, budget_take
from upstream.context import UpstreamTarget, upstream_target
from upstream.errors import (
    NotAsked,
    NotFound,
    Throttled,
    TokenRejected,
    UnexpectedAnswer,
    UpstreamError,
    UpstreamUnavailable,
)
from upstream.metrics import BUDGET_WAIT, CALLS, THROTTLED, endpoint_name
from upstream.transport import longest_call_seconds, request_once, waiting_slot, waiting_slots

logger = logging.getLogger("upstream")


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
    counted in the budget, waiting there at most UPSTREAM_BUDGET_WAIT_SECONDS (and not at all
    while UPSTREAM_CONCURRENCY calls of this process already wait there); refused without
    asking while UPSTREAM_CONCURRENCY calls of this process already wait on the upstream and
    none ends soon (slots.py): a hanging upstream then costs a few threads, never all.
    """
    target = upstream_target()
    deadline = page_deadline(target)
    endpoint = endpoint_name(path)
    if (target.page is not None and target.page.failed) or time.monotonic() >= deadline:
        logger.info(
            "upstream %s %s not sent: the page's upstream failed or its time is up", method, path
        )
        CALLS.labels(endpoint, "not_sent").inc()
        raise NotAsked(f"{method} {path}: not sent")
    try:
        with _failing_the_page(target):
            # The call itself keeps a second of the page's time, or what is left of it.
            waits_until = min(
                deadline - 1, time.monotonic() + settings.UPSTREAM_BUDGET_WAIT_SECONDS
            )
            # Threads waiting for the budget and on the upstream together stay within the
            # process's UPSTREAM_CONCURRENCY: the rest are for /healthz and the other pages.
            slots = waiting_slots()
            waited = budget_take(
                priority=priority,
                write=method != "GET",
                deadline=waits_until,
                waiters_most=slots.free,
            )
            BUDGET_WAIT.labels(priority.name.lower()).observe(waited)
            with waiting_slot(method, path):
                status, answer_headers, body = request_once(
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
    except Throttled:
        CALLS.labels(endpoint, "budget_spent").inc()
        raise
    except UpstreamUnavailable:
        CALLS.labels(endpoint, "unavailable").inc()
        raise
    except UpstreamError:
        CALLS.labels(endpoint, "unexpected").inc()
        raise
    CALLS.labels(endpoint, str(status)).inc()
    if status in (409, 429) and (wait := _throttled(status, answer_headers)) is not None:
        THROTTLED.inc()
        budget_close(seconds=wait)
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

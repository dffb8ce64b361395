"""The tenant's API budget, one per upstream, shared by every process and instance through
the cache (docs/operations.md, "The API budget").

[docs] A tenant allows each API client about 10 calls a second, 120 a minute, 5,000 an hour
and 200,000 a day, writes 60 a minute, and answers 409 with Retry-After past them. The portal
is one client for the whole space, so it counts its calls in the same fixed windows and asks
only when a call fits. A priority may use only its share of each window: what the lower ones
cannot take stays free for a buyer's status and registration. A 409 closes the budget for
its Retry-After in every process, not only the one that was told.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import random
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from functools import cache as memoized

from django.conf import settings
from django.core.cache import cache

from upstream.context import upstream_target
from upstream.errors import Throttled

logger = logging.getLogger("upstream")


class Priority(IntEnum):
    """Who waits for a call, highest first."""

    BUYER = 0  # a buyer's status and registration: money has changed hands
    PDF = 1  # a PDF someone is opening
    MEMBER = 2  # a signed-in customer's pages, sign-in and passwords
    OTHER = 3  # the brand's colours, business data, readiness, the operators' check


# The share of each window a priority may fill. A tenth is never filled: the tenant's windows
# start when its clock says, and a call counted at the end of one of ours may arrive in its
# next; the tenant's other clients (an integration, the operators' check) share it too.
SHARES = {Priority.BUYER: 0.9, Priority.PDF: 0.8, Priority.MEMBER: 0.7, Priority.OTHER: 0.5}
# A waiter wakes at a window's end plus up to this much, so that waiters do not all ask at once.
JITTER_SECONDS = 0.05
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Window:
    seconds: int
    most: int


def budget_parse(spec: str) -> tuple[Window, ...]:
    """`10/s,120/m,5000/h` as windows; "" or "off" for none."""
    if spec.strip().lower() in ("", "off"):
        return ()
    windows = []
    for part in spec.split(","):
        most, _slash, unit = part.strip().partition("/")
        if not most.isdigit() or unit not in UNITS or int(most) < 1:
            raise ValueError(
                f"An upstream budget is N/s, N/m, N/h or N/d, comma-separated, or off: {part!r}"
            )
        windows.append(Window(seconds=UNITS[unit], most=int(most)))
    return tuple(windows)


@memoized
def budget_of(base_url: str) -> tuple[tuple[Window, ...], tuple[Window, ...]]:
    """The windows of every call and of writes for this upstream: UPSTREAM_BUDGETS' entry
    for it, else UPSTREAM_BUDGET and UPSTREAM_WRITE_BUDGET."""
    calls, writes = settings.UPSTREAM_BUDGET, settings.UPSTREAM_WRITE_BUDGET
    own = settings.UPSTREAM_BUDGETS.get(base_url.rstrip("/"))
    if own is not None:
        calls, _bar, writes = own.partition("|")
    return budget_parse(calls), budget_parse(writes)


def budgets_checked() -> None:
    """Reads every budget of the settings; ValueError names the first it cannot read."""
    for spec in (
        settings.UPSTREAM_BUDGET,
        settings.UPSTREAM_WRITE_BUDGET,
        *settings.UPSTREAM_BUDGETS.values(),
    ):
        for part in spec.split("|", 1):
            budget_parse(part)


def _prefix(base_url: str) -> str:
    return f"upstream:budget:{hashlib.sha256(base_url.encode()).hexdigest()[:16]}"


def budget_take(
    *, priority: Priority, write: bool, deadline: float | None, waiters_most: int = 1_000_000
) -> float:
    """Counts one call in the bound upstream's budget, waiting for room while the wait ends
    before `deadline` (time.monotonic()); answers the seconds waited.

    Throttled, with the wait, when the room comes too late, or when `waiters_most` of this
    process's calls already wait here: the page then says so and asks again by itself;
    nothing was sent.
    """
    base_url = upstream_target().base_url
    calls, writes = budget_of(base_url)
    windows = [("all", window) for window in calls]
    if write:
        windows += [("write", window) for window in writes]
    if not windows:
        return 0.0
    prefix, share = _prefix(base_url), SHARES[priority]
    waited = 0.0
    while True:
        wait = _closed_for(prefix) or _counted(prefix, windows, share)
        if wait is None:
            return waited
        if deadline is not None and time.monotonic() + wait >= deadline:
            logger.info(
                "upstream budget spent: %s would wait %.1f s of %.1f s left",
                priority.name,
                wait,
                deadline - time.monotonic(),
            )
            raise Throttled("the upstream budget is spent", retry_after=max(1, math.ceil(wait)))
        pause = wait + random.uniform(0, JITTER_SECONDS)  # noqa: S311 (not for secrets)
        with _waiting(wait, waiters_most):
            time.sleep(pause)
        waited += pause


class _Waiters:
    """How many of this process's threads sleep in the budget."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def enter(self, most: int) -> bool:
        with self._lock:
            if self.count >= most:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


_waiters = _Waiters()


@contextlib.contextmanager
def _waiting(wait: float, most: int) -> Iterator[None]:
    if not _waiters.enter(most):
        logger.info("upstream budget: too many calls of this process waiting already")
        raise Throttled("the upstream budget is spent", retry_after=max(1, math.ceil(wait)))
    try:
        yield
    finally:
        _waiters.leave()


def budget_close(*, seconds: int) -> None:
    """The upstream said 409 with Retry-After: no process asks it again before that."""
    key = f"{_prefix(upstream_target().base_url)}:closed"
    until = time.time() + seconds
    if float(cache.get(key) or 0) < until:
        cache.set(key, until, timeout=seconds + 1)


def _closed_for(prefix: str) -> float | None:
    until = float(cache.get(f"{prefix}:closed") or 0)
    left = until - time.time()
    return left if left > 0 else None


def _counted(prefix: str, windows: list[tuple[str, Window]], share: float) -> float | None:
    """Counts the call in every window; None when it fits them all. Otherwise takes the count
    back and answers the seconds until the last full window ends."""
    now = time.time()
    keys = {
        f"{prefix}:{kind}:{window.seconds}:{int(now // window.seconds)}": window
        for kind, window in windows
    }
    # One read first: a full window is waited for without counting (the common case on payday).
    counts = cache.get_many(list(keys))
    full = [w for key, w in keys.items() if int(counts.get(key, 0)) >= _room(w, share)]
    if not full:
        taken: list[str] = []
        for key, window in keys.items():
            taken.append(key)
            if _incremented(key, window.seconds) > _room(window, share):
                full.append(window)
        if not full:
            return None
        for key in taken:
            _decremented(key)
    return max((math.floor(now / w.seconds) + 1) * w.seconds - now for w in full)


def _room(window: Window, share: float) -> int:
    return max(1, math.floor(window.most * share))


def _incremented(key: str, seconds: int) -> int:
    """The window's count with this call; atomic in Redis and in
    portal.caching.SharedDatabaseCache, which keep the expiry. A window whose count cannot be
    read or made (a busy database refuses an add) counts as full: the call waits, no page fails."""
    for _try in range(3):
        try:
            return int(cache.incr(key))
        except ValueError:
            if cache.add(key, 1, timeout=seconds + 1):
                return 1
    logger.warning("upstream budget: a window's count could not be kept; counted as full")
    return sys.maxsize


def _decremented(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window has closed meanwhile
        cache.decr(key)

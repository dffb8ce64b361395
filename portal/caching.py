"""A value computed by one request at a time, shared through the cache with the others."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from portal import upstream

T = TypeVar("T")

# Longer than any computation can take (connect + read timeouts, a busy database), so a lock
# never expires under the request still holding it.
LOCK_SECONDS = 60
# Only requests running at the same time need a value shared this way: a minute outlives them.
SHARED_SECONDS = 60


class WaitedTooLong(Exception):
    """The request computing the value failed, or took longer than the wait."""


def cached_once(
    *, key: str, compute: Callable[[], T], timeout: int = SHARED_SECONDS, wait: float | None = None
) -> T:
    """The cached value under `key`; else one caller computes it while the others wait.

    The lock is `cache.add`, atomic in every Django cache backend, so it holds across threads
    and, with a shared cache (Redis, database), across processes. A waiter gives up when the
    lock goes without a value (the computing request failed) or after `wait` seconds: by
    default, as long as one upstream call may take.
    """
    value: T | None = cache.get(key)
    if value is not None:
        return value
    lock, owner = f"{key}:lock", uuid.uuid4().hex
    if cache.add(lock, owner, timeout=LOCK_SECONDS):
        try:
            value = cache.get(key)
            if value is None:
                value = compute()
                cache.set(key, value, timeout)
            return value
        finally:
            # Only our own lock: had it expired, another request's would be deleted.
            if cache.get(lock) == owner:
                cache.delete(lock)
    deadline = time.monotonic() + (upstream.longest_call_seconds() + 1 if wait is None else wait)
    while time.monotonic() < deadline:
        time.sleep(0.05)
        value = cache.get(key)
        if value is not None:
            return value
        if cache.get(lock) is None:
            # The holder finished between the two reads, or failed: one last look.
            value = cache.get(key)
            if value is not None:
                return value
            break
    raise WaitedTooLong(key)

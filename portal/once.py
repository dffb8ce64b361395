"""A value computed by one request at a time, shared through the cache with the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from portal import upstream

T = TypeVar("T")


def cached_once(*, key: str, compute: Callable[[], T], timeout: int, wait: float) -> T:
    """The cached value under `key`; else one caller computes it while the others wait.

    The lock is `cache.add`, atomic in every Django cache backend, so it holds across threads
    and, with a shared cache (Redis, database), across processes. A waiter gives up when the
    lock goes without a value (the computing request failed) or after `wait` seconds.
    """
    value: T | None = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:lock"
    if cache.add(lock, 1, timeout=int(wait) + 1):
        try:
            value = cache.get(key)
            if value is None:
                value = compute()
                cache.set(key, value, timeout)
            return value
        finally:
            cache.delete(lock)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(0.05)
        value = cache.get(key)
        if value is not None:
            return value
        if cache.get(lock) is None:
            break
    raise upstream.UpstreamUnavailable("the request computing this value got no answer")

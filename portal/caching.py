"""The cache every process of an instance shares, and values computed by one request at a
time and shared through it with the others."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

import upstream

T = TypeVar("T")


class SharedDatabaseCache(DatabaseCache):
    """Django's database cache, the default (docs/deploy.md), with an atomic `incr`.

    Django's own reads and then writes, so requests in parallel processes lose counts (the
    sign-in limits). Here the read and the write happen in one transaction that holds the
    row: SQLite's IMMEDIATE transactions (settings) take the write lock at the start, and
    databases that have it lock the row with SELECT … FOR UPDATE.

    It keeps 30,000 entries unless told otherwise (`?max_entries=` in CACHE_URL). Django's
    default, 300, then deleting a third in key order on every write, lost the brand's look and
    paid statuses long before their time; counting the rows, which Django does on every write,
    stays cheap in SQLite up to about 50,000 (docs/performance.md, "Latency").
    """

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        options = {"MAX_ENTRIES": 30_000, **params.get("OPTIONS", {})}
        super().__init__(table, {**params, "OPTIONS": options})

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        """Django's incr inside one transaction holding the row, keeping the key's expiry
        (Django's sets the default timeout again: a day's count would live five minutes)."""
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        cache_key = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT expires FROM {table} WHERE cache_key = %s{lock}",  # noqa: S608
                [cache_key],
            )
            row = cursor.fetchone()
            value = super().incr(key, delta, version)
            if row is not None:
                cursor.execute(
                    f"UPDATE {table} SET expires = %s WHERE cache_key = %s",  # noqa: S608
                    [row[0], cache_key],
                )
            return value


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

"""One writing transaction at a time in a sandbox process.

SQLite takes one writer at a time, and a connection that finds the write lock taken polls for
it with sleeps of up to 100 ms (its busy handler). With dozens of threads registering at once
the lock sat free while they slept, and the sandbox, not the portal, set the pace of
`make bench` (docs/performance.md, "Latency"). Writers of one process queue on a lock here
instead, and the next starts as soon as the last has committed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

_ONE_WRITER = threading.Lock()


@contextmanager
def one_writer() -> Iterator[None]:
    """transaction.atomic(), entered by one thread of the process at a time.

    Inside a transaction already (purchase_create settles its basket), the thread holds
    SQLite's write lock since BEGIN IMMEDIATE: waiting here for a thread that waits for that
    lock would stall both until SQLite gives up, so it goes on in its own transaction.
    """
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            yield
        return
    with _ONE_WRITER, transaction.atomic():
        yield

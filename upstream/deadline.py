"""Deadlines for upstream calls: the whole call (connections and retries included) within
connect + 2 x read timeouts, and each answer, headers and body, within 2 x read of asking.

A socket read waits at most the read timeout for each arrival, so an answer that trickles in
(a byte a second, headers included) would hold a worker for as long as it trickles. A watchdog
thread, one per process, shuts down the socket of any answer past its deadline; the blocked
read then fails at once and the call ends as UpstreamUnavailable.

The watch starts when a connection waits for an answer and ends when the connection goes
back to the pool, so a socket another call reuses is never cut short.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


@dataclass(frozen=True)
class CallDeadline:
    at: float  # monotonic time by which the whole call must be done
    answer_seconds: float  # the most one answer may take, from asking to its last byte


_deadline: ContextVar[CallDeadline | None] = ContextVar("upstream_deadline", default=None)


class _Watchdog:
    def __init__(self) -> None:
        self._due: dict[HTTPConnection, float] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, connection: HTTPConnection, deadline: float) -> None:
        with self._changed:
            self._due[connection] = deadline
            if self._thread is None or not self._thread.is_alive():
                # Started on first use, so that a forked worker gets a thread of its own.
                self._thread = threading.Thread(target=self._run, name="upstream-deadline")
                self._thread.daemon = True
                self._thread.start()
            self._changed.notify()

    def unwatch(self, connection: HTTPConnection) -> None:
        with self._changed:
            self._due.pop(connection, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                overdue = [conn for conn, due in self._due.items() if due <= now]
                for conn in overdue:
                    del self._due[conn]
                    _cut(conn)
                nearest = min(self._due.values(), default=now + 60)
                self._changed.wait(timeout=max(nearest - now, 0.01))


def _cut(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        # Wakes the read blocked on it; the call then fails as a broken connection.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_watchdog = _Watchdog()


@contextlib.contextmanager
def call_deadline(*, call_seconds: float, answer_seconds: float) -> Iterator[CallDeadline]:
    """Binds the deadlines of the upstream call made inside."""
    deadline = CallDeadline(at=time.monotonic() + call_seconds, answer_seconds=answer_seconds)
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


class _Watched:
    """Mixed into urllib3's connections: waiting for an answer is watched."""

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = _deadline.get()
        if deadline is not None:
            due = min(deadline.at, time.monotonic() + deadline.answer_seconds)
            _watchdog.watch(self, due)  # type: ignore[arg-type]
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _Unwatched:
    """Mixed into urllib3's pools: a connection back in the pool is no longer watched."""

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            _watchdog.unwatch(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class _HTTPPool(_Unwatched, HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(_Unwatched, HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter with pools whose connections obey the call's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

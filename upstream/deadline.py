"""Deadlines for upstream calls: every wait on the upstream's socket ends by the call's
deadline (the page's, or connect + 2 x read for one call alone), and each answer, headers and
body, comes within 2 x read of asking.

A socket's read timeout bounds each arrival, not the answer: an answer that trickles in, a
byte within every timeout, headers included, would hold a worker for as long as it trickles.
Here every read of an answer is given the time left, never more than the read timeout, and
a read past the deadline is a timeout: the call fails as UpstreamUnavailable. A cut answer is
never read as a whole one (http.client takes headers that end early for all of them).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
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
    at: float  # time.monotonic() by which the whole call must be done
    answer_seconds: float  # the most one answer may take, from asking to its last byte


_deadline: ContextVar[CallDeadline | None] = ContextVar("upstream_deadline", default=None)


@contextlib.contextmanager
def call_deadline(*, at: float, answer_seconds: float) -> Iterator[None]:
    """Binds the deadlines of the upstream call made inside."""
    token = _deadline.set(CallDeadline(at=at, answer_seconds=answer_seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


class _DeadlineReader(io.RawIOBase):
    """The socket's reader, each read given the time left until the deadline."""

    def __init__(self, raw: Any, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline
        # urllib3 has set the read timeout on the socket for this answer.
        self._read_timeout = sock.gettimeout()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the answer is past the call's deadline")
        wait = left if self._read_timeout is None else min(left, self._read_timeout)
        self._sock.settimeout(wait)
        return int(self._raw.readinto(buffer))

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = _deadline.get()
        if deadline is not None:
            # Made as the request has been sent: the answer's time starts now.
            due = min(deadline.at, time.monotonic() + deadline.answer_seconds)
            # Detached, so that the reader http.client made never closes the socket's.
            raw = self.fp.detach()
            self.fp = io.BufferedReader(_DeadlineReader(raw, sock, due))


class _HTTPConnection(HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = _DeadlineResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections read answers within the call's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

"""Which of urllib3's log records stand for a new TCP connection to the upstream."""

from __future__ import annotations

import logging
from pathlib import Path

# urllib3.connectionpool: a connection object made for the pool, or a pooled one found
# closed by the server and opened again. Either is one new TCP connection.
REOPENED = "Resetting dropped connection"
NEW_CONNECTION = ("Starting new HTTP", REOPENED)


class NewConnectionFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return isinstance(record.msg, str) and record.msg.startswith(NEW_CONNECTION)


def opened(log: Path) -> int:
    """The new connections written to `log` so far: one line each."""
    return len(_lines(log))


def reopened(log: Path) -> int:
    """Of those, pooled connections opened again after the upstream closed them idle (the
    sandbox's keep-alive is 75 s): the upstream's choice, not a pool that failed to keep one."""
    return sum(1 for line in _lines(log) if REOPENED in line)


def _lines(log: Path) -> list[str]:
    return log.read_text(errors="replace").splitlines() if log.exists() else []

"""Which of urllib3's log records stand for a new TCP connection to the upstream."""

from __future__ import annotations

import logging

# urllib3.connectionpool: a connection object made for the pool, or a pooled one found
# closed by the server and opened again. Either is one new TCP connection.
NEW_CONNECTION = ("Starting new HTTP", "Resetting dropped connection")


class NewConnectionFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return isinstance(record.msg, str) and record.msg.startswith(NEW_CONNECTION)

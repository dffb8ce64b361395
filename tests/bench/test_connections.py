"""The benchmark's count of upstream connections: only urllib3's connection lines reach its
file, never the request lines beside them, which carry tokens."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bench import connections
from bench.connections import NewConnectionFilter
from tests.child import run_python

GUID = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(
        "urllib3.connectionpool", logging.DEBUG, __file__, 1, message, args, None
    )


@pytest.mark.parametrize(
    "record",
    [
        _record("Starting new HTTP connection (%d): %s:%s", 1, "127.0.0.1", 8001),
        _record("Starting new HTTPS connection (%d): %s:%s", 2, "tenant.example.com", 443),
        _record("Resetting dropped connection: %s", "127.0.0.1"),
    ],
)
def test_connection_lines_pass(record: logging.LogRecord) -> None:
    assert NewConnectionFilter().filter(record)


@pytest.mark.parametrize(
    "record",
    [
        _record(
            '%s://%s:%s "%s %s %s" %s %s',
            "http",
            "127.0.0.1",
            8001,
            "GET",
            f"/sandbox/api/public/checkout/status?token={GUID}",
            "HTTP/1.1",
            200,
            None,
        ),
        _record("Retry: %s", f"/sandbox/api/public/checkout/status?token={GUID}"),
    ],
)
def test_request_lines_do_not(record: logging.LogRecord) -> None:
    assert not NewConnectionFilter().filter(record)


LOG_THROUGH_BENCH_SETTINGS = """
import logging
import django
django.setup()
log = logging.getLogger("urllib3.connectionpool")
log.debug("Starting new HTTP connection (%d): %s:%s", 1, "127.0.0.1", 8001)
log.debug('%s://%s:%s "%s %s %s" %s %s', "http", "127.0.0.1", 8001, "GET",
          "/sandbox/api/public/checkout/status?token=GUID", "HTTP/1.1", 200, None)
log.debug("Resetting dropped connection: %s", "127.0.0.1")
"""


def test_bench_settings_write_connections_only(tmp_path: Path) -> None:
    connection_log = tmp_path / "connections.log"
    result = run_python(
        LOG_THROUGH_BENCH_SETTINGS.replace("GUID", GUID),
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY="bench-test-secret",
        UPSTREAM_URL="http://127.0.0.1:8001/sandbox",
        BENCH_CONNECTION_LOG=str(connection_log),
    )
    assert result.returncode == 0, result.stderr
    lines = connection_log.read_text().splitlines()
    assert len(lines) == 2
    assert "Starting new HTTP connection" in lines[0]
    assert "Resetting dropped connection" in lines[1]
    assert GUID not in connection_log.read_text() + result.stdout + result.stderr


def test_reopened_connections_are_counted_apart(tmp_path: Path) -> None:
    log = tmp_path / "connections.log"
    assert (connections.opened(log), connections.reopened(log)) == (0, 0)
    log.write_text(
        "101 Starting new HTTP connection (1): 127.0.0.1:8001\n"
        "101 Resetting dropped connection: 127.0.0.1\n"
        "102 Starting new HTTP connection (1): 127.0.0.1:8001\n"
    )
    assert (connections.opened(log), connections.reopened(log)) == (3, 1)

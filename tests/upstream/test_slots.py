"""UPSTREAM_CONCURRENCY behind an upstream that answers, if slowly: a call past the limit waits
briefly for a slot instead of failing the page, and is refused at once only when the slots have
been held too long (a hanging upstream: tests/upstream/test_limits.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

import upstream
from tests.helpers import upstream_data
from tests.helpers.upstream import transport_made_again
from upstream import slots
from upstream.slots import WaitingSlots
from upstream.transport import waiting_slots

# Times waits of tens of milliseconds: run alone (make test's quiet part).
pytestmark = pytest.mark.quiet

ROUND_TRIP = 0.1


class SlowUpstream(ThreadingHTTPServer):
    """Answers businesses/current after ROUND_TRIP, as an upstream 100 ms away; counts how many
    requests it held at once."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.waiting = 0
        self.most_at_once = 0
        self.answered = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SlowUpstream

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.waiting += 1
            self.server.most_at_once = max(self.server.most_at_once, self.server.waiting)
        time.sleep(ROUND_TRIP)
        body = json.dumps(upstream_data.business()).encode()
        with self.server.lock:
            self.server.waiting -= 1
            self.server.answered += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow(settings: SettingsWrapper) -> Iterator[SlowUpstream]:
    server = SlowUpstream()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.UPSTREAM_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.UPSTREAM_CONCURRENCY = 2
    with transport_made_again():
        yield server
    server.shutdown()
    server.server_close()


def test_a_burst_past_the_limit_waits_for_a_slow_upstream_rather_than_failing(
    slow: SlowUpstream,
) -> None:
    def call(_: int) -> str:
        with upstream.upstream_bound(base_url=f"http://127.0.0.1:{slow.server_address[1]}"):
            return upstream.business_current().name

    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(call, range(8)))
    assert names == ["Canal Street Coworking"] * 8
    assert slow.answered == 8
    # Never more than the limit at once: the other six waited for a slot.
    assert slow.most_at_once == 2
    assert waiting_slots().free == 2


def test_a_call_past_the_limit_takes_a_slot_given_back_within_the_wait() -> None:
    limit = WaitingSlots(1)
    assert limit.acquire()
    threading.Timer(0.1, limit.release).start()
    started = time.monotonic()
    assert limit.acquire()
    assert 0.08 <= time.monotonic() - started < slots.WAIT_SECONDS
    assert limit.free == 0


def test_refused_once_no_slot_has_come_back_for_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slots, "WAIT_SECONDS", 0.2)
    limit = WaitingSlots(1)
    assert limit.acquire()
    started = time.monotonic()
    assert not limit.acquire()
    assert 0.18 <= time.monotonic() - started < 1
    # Full for longer than the wait by now, as behind a hanging upstream: refused at once.
    started = time.monotonic()
    assert not limit.acquire()
    assert time.monotonic() - started < 0.05


def test_callers_waiting_are_served_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slots, "WAIT_SECONDS", 0.3)
    limit = WaitingSlots(1)
    assert limit.acquire()
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(limit.acquire)
        time.sleep(0.1)  # it waits
        limit.release()
        # A slot given back goes to the caller waiting, not to one that comes after it.
        assert not limit.acquire()
        assert first.result(timeout=5)
    assert limit.free == 0


def test_a_slot_cannot_be_given_back_more_often_than_taken() -> None:
    limit = WaitingSlots(2)
    assert limit.acquire()
    limit.release()
    with pytest.raises(ValueError, match="more often than taken"):
        limit.release()
    assert limit.free == 2

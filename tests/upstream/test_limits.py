"""How much of a process the upstream may hold: a bounded number of waiting threads, and
every call ended before gunicorn would give up on the worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

import upstream
from tests.child import run_python
from tests.helpers.upstream import transport_made_again
from tests.portal.test_production_defaults import HangingUpstream
from upstream import slots
from upstream.transport import waiting_slots

TIMED_OUT = "GET /api/public/businesses/current: timeout"


@pytest.fixture
def hanging(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HangingUpstream]:
    server = HangingUpstream()
    # Slots held this long without one coming back: a call past the limit is refused at once.
    monkeypatch.setattr(slots, "WAIT_SECONDS", 0.1)
    settings.UPSTREAM_URL = f"http://127.0.0.1:{server.port}"
    settings.UPSTREAM_CONNECT_TIMEOUT = 1
    settings.UPSTREAM_READ_TIMEOUT = 0.5
    settings.UPSTREAM_GET_RETRIES = 0
    settings.UPSTREAM_CONCURRENCY = 2
    with transport_made_again():
        yield server
    server.close()


@pytest.mark.quiet
def test_calls_past_the_limit_are_refused_at_once(hanging: HangingUpstream) -> None:
    def call(_: int) -> tuple[str, float]:
        started = time.monotonic()
        with upstream.upstream_bound(base_url=f"http://127.0.0.1:{hanging.port}"):
            try:
                upstream.business_current()
            except upstream.UpstreamUnavailable as error:
                return str(error), time.monotonic() - started
        return "answered", time.monotonic() - started

    with ThreadPoolExecutor(max_workers=2) as waiting:
        held = [waiting.submit(call, index) for index in range(2)]
        time.sleep(0.3)
        refused, elapsed = call(2)
        assert "too many calls waiting" in refused
        assert elapsed < 0.1
        ended = [future.result() for future in held]
    # The two that waited ended at their read timeout; the third never reached the upstream.
    assert [message for message, _elapsed in ended] == [TIMED_OUT, TIMED_OUT]
    assert all(0.5 <= elapsed < 1.5 for _message, elapsed in ended)
    assert len(hanging.held) == 2


def test_a_slot_is_given_back_whatever_the_call_ended_with(hanging: HangingUpstream) -> None:
    for _ in range(3):
        with pytest.raises(upstream.UpstreamUnavailable, match="timeout"):
            upstream.business_current()
    assert waiting_slots().free == 2


@pytest.mark.parametrize(("connect", "read"), [("3.05", "8"), ("10", "30")])
def test_gunicorn_outlasts_the_longest_upstream_call(connect: str, read: str) -> None:
    checked = run_python(
        "import runpy\n"
        "from django.conf import settings\n"
        "from upstream.transport import longest_call_seconds\n"
        "config = runpy.run_path('gunicorn.conf.py')\n"
        "print(config['worker_class'], config['threads'] > settings.UPSTREAM_CONCURRENCY,\n"
        "      config['timeout'] > longest_call_seconds() + 10)\n",
        SECRET_KEY="x" * 50,
        SANDBOX_ENABLED="true",
        UPSTREAM_CONNECT_TIMEOUT=connect,
        UPSTREAM_READ_TIMEOUT=read,
    )
    assert checked.stdout.split() == ["gthread", "True", "True"], checked.stderr

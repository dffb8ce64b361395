"""The delay proxy `make bench` puts between the portal and the sandbox (bench/delay.py): a round
trip through it takes at least the added time, bytes pass unchanged both ways, a stream flows
rather than paying the delay per chunk, and it stops by itself."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bench.delay import DelayProxy


class EchoServer:
    """Sends back whatever it reads, on every connection, until the client closes its side."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(connection,), daemon=True).start()

    @staticmethod
    def _echo(connection: socket.socket) -> None:
        with connection:
            while data := connection.recv(65536):
                connection.sendall(data)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.listener.close()


def _round_trip(connection: socket.socket, message: bytes) -> float:
    started = time.monotonic()
    connection.sendall(message)
    received = b""
    while len(received) < len(message):
        received += connection.recv(65536)
    assert received == message
    return time.monotonic() - started


def test_a_round_trip_takes_at_least_the_added_time(echo: EchoServer) -> None:
    with (
        DelayProxy(target_port=echo.port, round_trip_ms=100) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as connection,
    ):
        slow = [_round_trip(connection, f"ping {n}".encode()) for n in range(5)]
        proxy.round_trip_ms = 250
        slower = _round_trip(connection, b"again, further away")
    assert min(slow) >= 0.1
    assert slower >= 0.25


def test_bytes_pass_unchanged_both_ways_and_the_stream_flows(echo: EchoServer) -> None:
    payload = os.urandom(4 * 1024 * 1024)
    received = bytearray()
    with (
        DelayProxy(target_port=echo.port, round_trip_ms=100) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as connection,
    ):
        started = time.monotonic()

        def send() -> None:
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)

        sender = threading.Thread(target=send)
        sender.start()
        # The echo server closes after the client's end of stream, which the proxy passes on.
        while data := connection.recv(1 << 20):
            received += data
        elapsed = time.monotonic() - started
        sender.join()
    assert bytes(received) == payload
    # At least 64 chunks each way; paid one after the other, the delay alone would be 6.4 s.
    assert 0.1 <= elapsed < 3


def test_it_stops_by_itself_when_its_lifetime_is_over(echo: EchoServer) -> None:
    proxy = DelayProxy(target_port=echo.port, lifetime_seconds=0.5).start()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as connection:
        assert _round_trip(connection, b"before") < 0.5
        deadline = time.monotonic() + 10
        while proxy.running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not proxy.running
        # Its open connections were closed, and nobody can connect any more.
        assert connection.recv(1) == b""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10).close()
    proxy.stop()


def test_a_server_that_does_not_listen_closes_the_connection() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    with (
        DelayProxy(target_port=closed_port) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as connection,
    ):
        assert connection.recv(1) == b""

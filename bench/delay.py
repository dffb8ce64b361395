"""A TCP proxy on loopback that gives a connection a distant server's round trip.

Every chunk read from either side is written to the other side half the round trip later, in
order: a request and its answer gain the whole round trip, and bytes in flight keep flowing
(it adds latency, not a bandwidth limit). The round trip can be changed while connections are
open; chunks read after the change get the new delay.

Bounded: it reads at most CHUNK_BYTES at a time and holds at most QUEUED_CHUNKS per direction
(then stops reading that side, as a full socket would), accepts at most MAX_CONNECTIONS at
once, gives up on a server that does not accept within CONNECT_SECONDS, and stops by itself,
closing every connection, after `lifetime_seconds` even if nobody stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

CHUNK_BYTES = 65536
QUEUED_CHUNKS = 64
MAX_CONNECTIONS = 1024
CONNECT_SECONDS = 5.0


class DelayProxy:
    """`127.0.0.1:port` forwards to `127.0.0.1:target_port` with `round_trip_ms` added.

    Runs its own event loop on a thread of the process that starts it:

        with DelayProxy(target_port=8001, round_trip_ms=100) as proxy:
            ...  # connect to proxy.port; proxy.round_trip_ms = 0 to take the delay away
    """

    def __init__(
        self, *, target_port: int, round_trip_ms: float = 0, lifetime_seconds: float = 1800
    ) -> None:
        self.target_port = target_port
        # Read by the proxy's thread for every chunk; a float is set atomically.
        self.round_trip_ms = round_trip_ms
        self.lifetime_seconds = lifetime_seconds
        self.port = 0
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> DelayProxy:
        self._thread = threading.Thread(target=self._run, name="delay-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._failure is not None or not self.port:
            raise RuntimeError(f"the delay proxy did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # its loop ended meanwhile
                self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> DelayProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start(), never lost
            self._failure = error
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.lifetime_seconds)
        server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        # Every socket closed before the loop ends, also those of a relay cancelled before it
        # ran: a transport left open warns when collected, in whatever code runs then.
        for writer in list(self._writers):
            await _closed(writer)
        await server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A new client: its writer is known at once, before its relay starts running."""
        self._writers.add(writer)
        if len(self._connections) >= MAX_CONNECTIONS:
            writer.close()
            return
        task = asyncio.ensure_future(self._relay(reader, writer))
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)

    async def _relay(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        try:
            server_in, server = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.target_port), CONNECT_SECONDS
            )
        except (OSError, TimeoutError):
            await self._closed(client)
            return
        except asyncio.CancelledError:
            await self._closed(client)
            raise
        self._writers.add(server)
        pumps = [
            asyncio.ensure_future(self._pump(client_in, server)),
            asyncio.ensure_future(self._pump(server_in, client)),
        ]
        try:
            await asyncio.gather(*pumps)
        except OSError:
            pass  # one side reset its connection: both are closed below
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for side in (client, server):
                await self._closed(side)

    async def _closed(self, writer: asyncio.StreamWriter) -> None:
        await _closed(writer)
        self._writers.discard(writer)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Reads `source` as it arrives; writes each chunk to `sink` half a round trip after it
        arrived, the end of the stream too."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(QUEUED_CHUNKS)

        async def read() -> None:
            loop = asyncio.get_running_loop()
            chunk = b"-"
            while chunk:
                try:
                    chunk = await source.read(CHUNK_BYTES)
                except OSError:
                    chunk = b""  # a reset ends the stream like a close
                await queue.put((loop.time() + self.round_trip_ms / 2000, chunk))

        reading = asyncio.ensure_future(read())
        try:
            while True:
                due, chunk = await queue.get()
                await asyncio.sleep(max(0.0, due - asyncio.get_running_loop().time()))
                if not chunk:
                    if sink.can_write_eof():
                        sink.write_eof()
                    return
                sink.write(chunk)
                await sink.drain()
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await reading


async def _closed(writer: asyncio.StreamWriter) -> None:
    """Closes `writer` and waits until its socket is: a transport only closed when the loop
    runs again stays open if the loop ends first, and warns when collected, in whatever code
    runs then (a test of something else, under `-W error`)."""
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()

"""How many threads of a process may wait on the upstream at once (UPSTREAM_CONCURRENCY).

A call past the limit waits a little (WAIT_SECONDS at most) for a slot, and not at all when
every slot has been held for that long already. Behind an upstream that answers, even 100 ms
away, slots turn over every few milliseconds, and refusing would turn a burst of pages into
503s: gunicorn's threaded workers do not share connections out evenly (one process may hold
19 of 32 keep-alive connections, another none), so a process often has more upstream-bound
pages at once than its share. Behind a hanging upstream no slot turns over: calls are refused
at once, and the threads they would have held stay free for /healthz and pages without
upstream calls.
"""

from __future__ import annotations

import math
import threading
import time

# The longest a call waits for a slot: slots held this long without one given back mean an
# upstream that is not answering. A healthy one answers far sooner.
WAIT_SECONDS = 0.5


class WaitingSlots:
    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        # When the last free slot was taken; a slot given back starts the clock again.
        self._full_since = math.inf
        self._changed = threading.Condition()

    @property
    def free(self) -> int:
        return self._free

    def acquire(self) -> bool:
        """Takes a slot; False when none came free within WAIT_SECONDS, or the slots have been
        full for that long already."""
        with self._changed:
            started = time.monotonic()
            while self._free == 0:
                left = min(started, self._full_since) + WAIT_SECONDS - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            self._free -= 1
            if self._free == 0:
                self._full_since = time.monotonic()
            return True

    def release(self) -> None:
        with self._changed:
            if self._free == self.size:
                raise ValueError("a slot given back more often than taken")
            self._free += 1
            self._changed.notify()

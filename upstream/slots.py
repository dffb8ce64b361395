"""How many threads of a process may wait on the upstream at once (UPSTREAM_CONCURRENCY).

A call past the limit waits its turn while slots keep coming back, and is refused once none
has come back for WAIT_SECONDS (at once if that is so already). Behind an upstream that
answers, even 100 ms away, slots come back every few milliseconds, and refusing would turn a
burst of pages into 503s: gunicorn's threaded workers do not share connections out evenly
(one process may hold 19 of 32 keep-alive connections, another none), so a process often has
more upstream-bound pages at once than its share. Behind a hanging upstream none comes back:
calls are refused, and the threads they would have held stay free for /healthz and pages
without upstream calls. A caller waits at most WAIT_SECONDS for each slot ahead of it, and
at most GUNICORN_THREADS - UPSTREAM_CONCURRENCY callers of a process can be waiting.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

# How long every slot may be held without one coming back before a call past the limit is
# refused: an upstream that answers gives one back far sooner, one that hangs never does.
WAIT_SECONDS = 0.5


class WaitingSlots:
    """At most `size` holders; callers past them queue, first come first served."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        # Since when every slot has been held; a slot coming back starts the clock again.
        self._full_since = math.inf
        # One flag per queued caller, set when a slot given back is handed to it.
        self._queue: deque[list[bool]] = deque()
        self._changed = threading.Condition()

    @property
    def free(self) -> int:
        return self._free

    def acquire(self) -> bool:
        """Takes a slot, waiting in turn while slots keep coming back; False once none has
        come back for WAIT_SECONDS."""
        with self._changed:
            if self._free and not self._queue:
                self._free -= 1
                if not self._free:
                    self._full_since = time.monotonic()
                return True
            handed = [False]
            self._queue.append(handed)
            while not handed[0]:
                left = self._full_since + WAIT_SECONDS - time.monotonic()
                if left <= 0:
                    self._queue.remove(handed)
                    return False
                self._changed.wait(left)
            return True

    def release(self) -> None:
        with self._changed:
            if self._queue:
                # Straight to the first in the queue: still full, but a slot came back.
                self._queue.popleft()[0] = True
                self._full_since = time.monotonic()
                self._changed.notify_all()
            elif self._free == self.size:
                raise ValueError("a slot given back more often than taken")
            else:
                self._free += 1

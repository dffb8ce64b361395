"""A clock that tests move on, in place of `time.time` (the `clock` fixture, tests/conftest.py)."""

from __future__ import annotations


class Clock:
    """time.time for everything that reads it: the services, the accounts, the locmem cache."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

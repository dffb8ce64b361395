"""The sandbox's own settings, not the portal's: no operator of the portal sets them.

Read from the environment once, at import (docs/sandbox.md lists them); the process's Django
settings have loaded `.env` into the environment by then. Code reads them as `conf.NAME` when
it runs, so that a test can monkeypatch this module.
"""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

# Where the simulated gateway sends buyers back: by default the portal in this same server
# (`make run`, on PORT); a sandbox in a process of its own is told the portal's address.
PORTAL_URL: str = env.str(
    "SANDBOX_PORTAL_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
).rstrip("/")
# Lifetimes of what the sandbox issues, in seconds (CONTRACT.md: media JWTs live about 60 s).
MEDIA_TOKEN_SECONDS: int = env.int("SANDBOX_MEDIA_TOKEN_SECONDS", default=60)
ACCESS_TOKEN_SECONDS: int = env.int("SANDBOX_ACCESS_TOKEN_SECONDS", default=3600)
REFRESH_TOKEN_SECONDS: int = env.int("SANDBOX_REFRESH_TOKEN_SECONDS", default=30 * 86400)
BASKET_SECONDS: int = env.int("SANDBOX_BASKET_SECONDS", default=86400)
INVOICE_TOKEN_SECONDS: int = env.int("SANDBOX_INVOICE_TOKEN_SECONDS", default=30 * 86400)
# How long an emailed password link works, and the one-time JWT completePasswordReset answers.
RESET_TOKEN_SECONDS: int = env.int("SANDBOX_RESET_TOKEN_SECONDS", default=3600)
ONE_TIME_TOKEN_SECONDS: int = env.int("SANDBOX_ONE_TIME_TOKEN_SECONDS", default=300)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_limits(value: str) -> tuple[tuple[int, int], ...]:
    """`"10/s,120/m"` as ((seconds, most), ...); `"off"` as none."""
    if value.strip().lower() == "off":
        return ()
    limits = []
    for part in value.split(","):
        most, _, unit = part.strip().partition("/")
        if not most.isdigit() or unit not in _UNITS:
            raise ImproperlyConfigured(f"a sandbox rate limit is N/s, N/m, N/h or N/d: {part!r}")
        limits.append((_UNITS[unit], int(most)))
    return tuple(limits)


# [docs] Nexudus's limits per client: about one request per 100 ms (read as 10 a second),
# 120 a minute, 5,000 an hour, 200,000 a day; writes 60 a minute. Past them: 409 with
# Retry-After. The test settings raise them; a test lowers them by monkeypatching.
RATE_LIMITS = rate_limits(env.str("SANDBOX_RATE_LIMITS", default="10/s,120/m,5000/h,200000/d"))
WRITE_RATE_LIMITS = rate_limits(env.str("SANDBOX_WRITE_RATE_LIMITS", default="60/m"))

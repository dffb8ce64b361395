"""The sandbox's own settings, not the portal's: no operator of the portal sets them.

Read from the environment once, at import (docs/sandbox.md lists them); the process's Django
settings have loaded `.env` into the environment by then. Code reads them as `conf.NAME` when
it runs, so that a test can monkeypatch this module.
"""

from __future__ import annotations

import environ

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

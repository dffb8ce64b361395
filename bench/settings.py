"""The portal's own settings, plus what the benchmark needs and production does not: the
baseline view's URL, and a count of the upstream connections each worker opens."""

from __future__ import annotations

import copy
import os
from typing import Any

from portal.settings import *  # noqa: F403
from portal.settings import LOGGING as PORTAL_LOGGING

ROOT_URLCONF = "bench.urls"

# urllib3 writes one DEBUG line for every connection it opens (or reopens after the upstream
# closed it). Every gunicorn worker appends those lines, and only those, to one file; the
# benchmark counts them before and after each run. Appends of one short line are atomic, so
# several processes can share the file.
CONNECTION_LOG: str = os.environ.get("BENCH_CONNECTION_LOG", "")
_logging: dict[str, Any] = copy.deepcopy(PORTAL_LOGGING)
if CONNECTION_LOG:
    _logging["filters"]["new_connections"] = {"()": "bench.connections.NewConnectionFilter"}
    _logging["formatters"]["new_connections"] = {"format": "%(process)d %(message)s"}
    _logging["handlers"]["new_connections"] = {
        "class": "logging.FileHandler",
        "filename": CONNECTION_LOG,
        "formatter": "new_connections",
        # The request lines urllib3 logs at the same level hold tokens: only the connection
        # lines pass, and they are masked like every other record anyway.
        "filters": ["new_connections", "mask_secrets"],
    }
    _logging["loggers"]["urllib3.connectionpool"] = {
        "handlers": ["new_connections"],
        "level": "DEBUG",
        "propagate": False,
    }
LOGGING = _logging

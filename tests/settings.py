"""Test settings: the project's settings with a test secret, the sandbox on, and fast hashing."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-any-deployment")
os.environ.setdefault("SANDBOX_ENABLED", "true")
# The sandbox's documented rate limits (sandbox/conf.py) would throttle a suite that calls it
# from one address hundreds of times a minute: raised here, lowered by the tests of them.
os.environ.setdefault("SANDBOX_RATE_LIMITS", "100000/m")
os.environ.setdefault("SANDBOX_WRITE_RATE_LIMITS", "100000/m")
# The portal's own budget of them likewise (upstream/budget.py): counted, never full.
os.environ.setdefault("UPSTREAM_BUDGET", "100000/s")
os.environ.setdefault("UPSTREAM_WRITE_BUDGET", "100000/s")

from portal.settings import *  # noqa: F403
from portal.settings import BASE_DIR, DATABASES, STORAGES, env

# One process: a memory cache unless CACHE_URL says otherwise (Redis in `make test-services`).
# The production default, the database cache, is tested across gunicorn processes
# (tests/portal/test_production_defaults.py).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# pytest-xdist's workers (gw0, gw1, …) share one Redis server, and a test's cache.clear()
# empties a whole database: each worker gets a database of its own, 1 to 7 (8 to 14 are for
# tests/portal/test_instances.py).
XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
if CACHES["default"]["BACKEND"].endswith(".RedisCache") and "PYTEST_XDIST_WORKER" in os.environ:
    if XDIST_WORKER > 6:
        raise ImproperlyConfigured("With Redis, the suite runs in 7 processes at most.")
    _redis = urlsplit(str(CACHES["default"]["LOCATION"]))
    CACHES["default"]["LOCATION"] = urlunsplit(_redis._replace(path=f"/{XDIST_WORKER + 1}"))

# The live server runs a thread per request, and the race tests send more at once than a
# gunicorn worker has threads; tests/upstream/test_client.py tests the limit itself.
UPSTREAM_CONCURRENCY = 256

# The test client and the live server speak plain HTTP; tests/portal/test_security.py checks
# the production values in a process of their own.
SECURE_SSL_REDIRECT = False

# Tests check logic, not hashing cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# pytest-django's live_server serves static files through the finders, which do not know
# hashed manifest names.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# The live server's request threads must not keep connections past a request: PostgreSQL
# refuses to drop a test database that still has sessions.
DATABASES["default"]["CONN_MAX_AGE"] = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file rather than memory: the live server's threads then hold connections of their
    # own, so concurrent requests really run concurrently (the single-use race tests).
    # One file per checkout, so that two checkouts can run their suites at once.
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"portal-tests-{checkout}.sqlite3")
    }

# Whitenoise reads files through the finders, as in development: no collectstatic in tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The Chromium the browser tests drive (tests/browser/): Debian's, which `make test` installs.
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

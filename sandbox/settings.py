"""Settings to run the sandbox alone, as the separate upstream server it stands for:
`DJANGO_SETTINGS_MODULE=sandbox.settings gunicorn sandbox.wsgi` (make bench, the
production-shape tests, docs/sandbox.md). The demo (`make run`) mounts it in the portal's
server instead (portal/urls.py).

Nothing of the portal is read: the sandbox's own options are in sandbox/conf.py.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=False)
SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is not set: the sandbox signs its tokens with it.")
    SECRET_KEY = "sandbox-development-only-never-use-in-production"  # noqa: S105
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = ["django.contrib.staticfiles", "sandbox"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# At /sandbox/, as the portal's demo mounts it: an UPSTREAM_URL ends in /sandbox either way.
ROOT_URLCONF = "sandbox.server_urls"
WSGI_APPLICATION = "sandbox.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'sandbox.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = 60
# SQLite: one writer at a time, queued rather than refused (sandbox/writes.py); readers go on.
_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
_SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": _PRAGMAS}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = _SQLITE_OPTIONS
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Every process of the sandbox counts the documented rate limits in one place
# (sandbox/throttling.py): a table of its database (made by its migrations), or Redis.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://sandbox_cache")}

# The languages a caller may ask in (Accept-Language): the portal's; messages from locale/.
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch")]
LANGUAGE_CODE = "en"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE: str = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Served by whitenoise from the app's own folder: no collectstatic for a test double.
STATIC_URL = "/sandbox/static/"
WHITENOISE_USE_FINDERS = True

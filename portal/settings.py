"""Settings for the portal, read from the environment or a `.env` file (django-environ).

Every variable is listed in docs/configuration.md. With nothing set except DEBUG=true the
project runs for development; with DEBUG off (the default) a SECRET_KEY is required.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

from portal import page_policy
from portal.logging import logging_config

# Lets admin and form classes be written with their type parameters (ModelAdmin[Brand]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file, as django-environ documents.
environ.Env.read_env(BASE_DIR / ".env")

DEBUG: bool = env.bool("DEBUG", default=False)

# Only ever used with DEBUG on; a production start without SECRET_KEY stops below.
_DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env (make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
# Behind a reverse proxy that sets X-Forwarded-Proto (and strips it from clients), trust it for
# request.is_secure(); sign-in rate limits then take the client address from the last
# X-Forwarded-For entry, the one the proxy appended (portal.attempts.client_address).
BEHIND_PROXY: bool = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Hosts that serve /admin/ (ALLOWED_HOSTS patterns; empty: all); elsewhere it is a 404.
ADMIN_HOSTS: list[str] = [host.lower() for host in env.list("ADMIN_HOSTS", default=[])]

# The port `make run` serves on; it is also where the mounted sandbox answers by default.
PORT: int = env.int("PORT", default=8000)

# The sandbox (a local upstream) is on in development and must be enabled explicitly otherwise.
SANDBOX_ENABLED: bool = env.bool("SANDBOX_ENABLED", default=DEBUG)

INSTALLED_APPS = [
    # The admin is for operators (brands); customers sign in through the upstream instead.
    # Django's admin with a limited sign-in (brands/admin_site.py).
    "brands.apps.BrandsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Lets whitenoise serve static files under runserver too, so development matches production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "portal",
    "brands",
    "accounts",
    "checkout",
    "invoices",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")
# Paths served by what the project mounts beside the portal (portal/urls.py): no brand, and
# their own methods (brands.middleware, portal.guards).
MOUNTED_PATHS: tuple[str, ...] = ("/sandbox/",) if SANDBOX_ENABLED else ()

MIDDLEWARE = [
    "portal.middleware.RequestIdMiddleware",
    "portal.metrics.PageMetricsMiddleware",
    # portal/guards.py: HEAD answers bodiless; below, a refused Host before anything reads it.
    "portal.guards.HeadWithoutBodyMiddleware",
    # Headers of every answer, the guard's refusals and redirects included (docs/security.md).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "portal.middleware.CrossOriginResourcePolicyMiddleware",
    "portal.middleware.AnswerSecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.guards.HostGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The brand (from the Host header) before the language: it says which languages exist.
    "brands.middleware.BrandMiddleware",
    "brands.middleware.BrandLocaleMiddleware",
    # Methods and form bodies before CSRF reads the body; /admin/ only on ADMIN_HOSTS.
    "portal.guards.RequestGuardMiddleware",
    "brands.admin_site.AdminHostMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
LOGIN_URL = "sign_in"
# A signed-in customer's home, and the two PDF views a receipt shares with My Invoices: named
# here, so that neither page names the other's URLs (portal.pdf_links, docs/architecture.md).
LOGIN_REDIRECT_URL = "invoices:list"
CUSTOMER_PDF_URL = "invoices:pdf"
CUSTOMER_PDF_LINKS_URL = "invoices:links"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.chrome",
                "brands.context_processors.languages",
            ],
            # The active brand's theme folder first, then the project's and the apps'
            # templates; cached per brand (brands/themes.py).
            "loaders": [
                (
                    "brands.themes.CachedLoader",
                    [
                        "brands.themes.ThemeLoader",
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and a writer overlap; IMMEDIATE takes the write lock when a transaction
    # starts, so concurrent writers queue (up to the timeout) instead of failing with
    # "database is locked" on a lock upgrade (Django 5.1+ SQLite options).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Keep connections between requests, and check them before use (a PostgreSQL restart). For
# SQLite too: opening one for every request (Django registers its SQL functions on each) cost
# about 0.6 ms of CPU a request, more than reading the session (docs/performance.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every process of an instance shares one cache: registration locks, the paid status, media
# JWTs and sign-in limits live there. The default is the database (one machine, many
# processes; `migrate` creates its table); several machines share Redis (CACHE_URL).
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://portal_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    CACHES["default"]["BACKEND"] = "portal.caching.SharedDatabaseCache"

# Where sessions live: "db" (default), "cache" (needs a shared, persistent cache such as
# Redis) or "cached_db" (the cache in front of the database).
SESSION_STORE: str = env.str("SESSION_STORE", default="db")
if SESSION_STORE not in ("db", "cache", "cached_db"):
    raise ImproperlyConfigured("SESSION_STORE must be db, cache or cached_db.")
SESSION_ENGINE = f"django.contrib.sessions.backends.{SESSION_STORE}"
SESSION_COOKIE_AGE: int = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
SESSION_COOKIE_SECURE: bool = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE: bool = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Nothing of the portal reads the CSRF cookie from script: forms carry the token.
CSRF_COOKIE_HTTPONLY = True

# HTTPS only, once deployed (docs/security.md). HSTS is sent on HTTPS answers; an operator
# whose other subdomains still serve plain HTTP sets the two subdomain-wide flags to false.
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD: bool = env.bool("SECURE_HSTS_PRELOAD", default=True)
X_FRAME_OPTIONS = "DENY"

# The headers' policies of every answer: Content-Security-Policy, Permissions-Policy.
CONTENT_SECURITY_POLICY = page_policy.CONTENT_SECURITY_POLICY
PERMISSIONS_POLICY = page_policy.PERMISSIONS_POLICY

# The languages the portal ships (locale/); each brand offers some of them. The names are
# written in their own language, as a language switcher shows them.
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch")]
LANGUAGE_CODE: str = env.str("LANGUAGE_CODE", default="en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE: str = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Compressed, hashed names in production (needs collectstatic); plain in development.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "portal.storage.StaticFilesStorage"
    },
}

# The upstream (an operator's billing API). By default, the sandbox mounted in this server;
# without the sandbox there is no sensible default, so start-up stops.
UPSTREAM_URL: str = env.str(
    "UPSTREAM_URL", default=f"http://127.0.0.1:{PORT}/sandbox" if SANDBOX_ENABLED else ""
).rstrip("/")
if not UPSTREAM_URL:
    raise ImproperlyConfigured(
        "UPSTREAM_URL is not set. Set it to the operator's billing API "
        "(e.g. https://example.spaces.nexudus.com), or enable the sandbox with "
        "SANDBOX_ENABLED=true."
    )
# Seconds for a connection, then the headers, then the whole body (connect + 2 x read).
UPSTREAM_CONNECT_TIMEOUT: float = env.float("UPSTREAM_CONNECT_TIMEOUT", default=3.05)
UPSTREAM_READ_TIMEOUT: float = env.float("UPSTREAM_READ_TIMEOUT", default=8.0)
# Threads per gunicorn worker; at most UPSTREAM_CONCURRENCY wait on the upstream (or its budget)
# at once, so a hanging upstream never takes the threads /healthz and the other pages need.
GUNICORN_THREADS: int = env.int("GUNICORN_THREADS", default=16)
UPSTREAM_CONCURRENCY: int = env.int("UPSTREAM_CONCURRENCY", default=max(1, GUNICORN_THREADS - 4))
# Retries of GETs on connection errors and 502/503/504 (with backoff); POSTs never.
UPSTREAM_GET_RETRIES: int = env.int("UPSTREAM_GET_RETRIES", default=2)
# One deadline for all of a page's upstream calls, budget waits included (upstream/deadline.py).
UPSTREAM_PAGE_DEADLINE_SECONDS: float = env.float("UPSTREAM_PAGE_DEADLINE_SECONDS", default=10.0)
# The tenant's API budget (upstream/budget.py, docs/operations.md), the [docs] limits; "off"
# counts nothing; UPSTREAM_BUDGETS: "https://a.example=20/s,240/m|120/m …" per upstream.
UPSTREAM_BUDGET: str = env.str("UPSTREAM_BUDGET", default="10/s,120/m,5000/h,200000/d")
UPSTREAM_WRITE_BUDGET: str = env.str("UPSTREAM_WRITE_BUDGET", default="60/m,2500/d")
UPSTREAM_BUDGETS = dict(b.partition("=")[::2] for b in env.str("UPSTREAM_BUDGETS", "").split())
# The most a call waits for room in the budget; then its page says "in a moment" and asks again.
UPSTREAM_BUDGET_WAIT_SECONDS: float = env.float("UPSTREAM_BUDGET_WAIT_SECONDS", default=3.0)
# /metrics (docs/operations.md): off unless a bearer token or the scrapers' addresses are given.
METRICS_TOKEN: str = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES: list[str] = env.list("METRICS_ALLOWED_ADDRESSES", default=[])
# The most the client reads of a JSON answer; more is an unexpected answer, not a crash.
UPSTREAM_MAX_BODY_BYTES: int = env.int("UPSTREAM_MAX_BODY_BYTES", default=1_000_000)
# Path prefix that PDF links put after the business's web address (CONTRACT.md, "PDF links").
UPSTREAM_PUBLIC_BASE_URL: str = env.str(
    "UPSTREAM_PUBLIC_BASE_URL", default="/sandbox" if SANDBOX_ENABLED else ""
).rstrip("/")
# https except where an operator's development setting says otherwise.
PDF_LINK_SCHEME: str = env.str("PDF_LINK_SCHEME", default="http" if DEBUG else "https")
if PDF_LINK_SCHEME not in ("http", "https"):
    raise ImproperlyConfigured("PDF_LINK_SCHEME must be http or https.")

# The default brand, every host's while the admin has none (docs/operators.md, configuration.md).
BRAND_NAME: str = env.str("BRAND_NAME", default="")
BRAND_LOGO_URL: str = env.str("BRAND_LOGO_URL", default="")
BRAND_SUPPORT_EMAIL: str = env.str("BRAND_SUPPORT_EMAIL", default="")
BRAND_WEBSITE_URL: str = env.str("BRAND_WEBSITE_URL", default="")
# Once brands exist, a host none of them serves gets a 400, or this brand (its short name).
DEFAULT_BRAND: str = env.str("DEFAULT_BRAND", default="")
# Per-brand template folders: THEMES_DIR/<brand short name>/ (brands/themes.py).
THEMES_DIR = env.path("THEMES_DIR", default=str(BASE_DIR / "themes"))

# Sign-in limits within the lockout window (docs/security.md): failures on one account from one
# address, on one account from all addresses, and accounts failed from one address; the last
# two are slowed to one attempt per SIGN_IN_SLOW_SECONDS from half their limit.
SIGN_IN_MAX_FAILURES: int = env.int("SIGN_IN_MAX_FAILURES", default=5)
SIGN_IN_MAX_FAILURES_PER_ACCOUNT: int = env.int("SIGN_IN_MAX_FAILURES_PER_ACCOUNT", default=10)
SIGN_IN_MAX_ACCOUNTS_PER_CLIENT: int = env.int("SIGN_IN_MAX_ACCOUNTS_PER_CLIENT", default=50)
SIGN_IN_SLOW_SECONDS: int = env.int("SIGN_IN_SLOW_SECONDS", default=10)
SIGN_IN_LOCKOUT_SECONDS: int = env.int("SIGN_IN_LOCKOUT_SECONDS", default=15 * 60)
# How long a browser's completion page keeps showing the purchase it returned with.
CHECKOUT_TOKEN_SECONDS: int = env.int("CHECKOUT_TOKEN_SECONDS", default=3600)
# Invoices per page of My Invoices (the upstream allows up to 100).
INVOICES_PAGE_SIZE: int = env.int("INVOICES_PAGE_SIZE", default=25)
# How long one media JWT is reused (it lives about 60 s upstream; download-invoice-pdf.md).
MEDIA_JWT_REUSE_SECONDS: int = env.int("MEDIA_JWT_REUSE_SECONDS", default=50)

LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO")
# "plain" lines, or "json": one object per line, for log collectors.
LOG_FORMAT: str = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = logging_config(level=LOG_LEVEL, formatter=LOG_FORMAT)

"""portal/settings.py read from a clean environment: each case runs in a fresh interpreter.

The child disables django-environ's `.env` reading so that a developer's `.env` in the repo
root cannot change what these tests see; everything else in settings runs as in production.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from portal.settings import _DEVELOPMENT_SECRET_KEY
from tests.child import run_python
from tests.helpers.harness import BASE_DIR

READ_SETTINGS = """
import json
import django
from django.conf import settings

django.setup()
# The sandbox's own, read from the same environment (sandbox/conf.py).
from sandbox import conf as sandbox_conf
database = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ENGINE": database["ENGINE"],
    "NAME": str(database["NAME"]),
    "CONN_MAX_AGE": database["CONN_MAX_AGE"],
    "SANDBOX_ENABLED": settings.SANDBOX_ENABLED,
    "INSTALLED_APPS": list(settings.INSTALLED_APPS),
    "STATICFILES_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
    "UPSTREAM_URL": settings.UPSTREAM_URL,
    "SANDBOX_PORTAL_URL": sandbox_conf.PORTAL_URL,
    "PDF_LINK_SCHEME": settings.PDF_LINK_SCHEME,
}))
"""

MANAGE_CHECK = """
import runpy
import sys

sys.argv = ["manage.py", "check"]
runpy.run_path("manage.py", run_name="__main__")
"""


def read_settings(**variables: str) -> dict[str, Any]:
    result = run_python(READ_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout)
    return values


def test_nothing_set_means_production_and_stops_without_secret_key() -> None:
    result = run_python(READ_SETTINGS)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert result.stdout == ""


def test_manage_check_stops_without_secret_key() -> None:
    result = run_python(MANAGE_CHECK)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_alone_is_a_working_development_setup() -> None:
    values = read_settings(DEBUG="true")
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"] == _DEVELOPMENT_SECRET_KEY
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"].endswith("db.sqlite3")
    assert values["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert values["SANDBOX_ENABLED"] is True
    assert "sandbox" in values["INSTALLED_APPS"]
    assert values["UPSTREAM_URL"] == "http://127.0.0.1:8000/sandbox"
    assert values["PDF_LINK_SCHEME"] == "http"


UPSTREAM = "https://tenant.example.com"


def test_production_needs_an_upstream() -> None:
    result = run_python(READ_SETTINGS, SECRET_KEY="a-production-secret")
    assert result.returncode != 0
    assert "UPSTREAM_URL is not set" in result.stderr


def test_secret_key_and_upstream_give_production_defaults() -> None:
    values = read_settings(SECRET_KEY="a-production-secret", UPSTREAM_URL=UPSTREAM)
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == "a-production-secret"
    assert values["SANDBOX_ENABLED"] is False
    assert "sandbox" not in values["INSTALLED_APPS"]
    assert values["STATICFILES_BACKEND"] == "portal.storage.StaticFilesStorage"
    assert values["PDF_LINK_SCHEME"] == "https"
    assert values["UPSTREAM_URL"] == UPSTREAM


def test_sandbox_can_be_enabled_in_production() -> None:
    values = read_settings(SECRET_KEY="a-production-secret", SANDBOX_ENABLED="true")
    assert values["DEBUG"] is False
    assert values["SANDBOX_ENABLED"] is True
    assert "sandbox" in values["INSTALLED_APPS"]


def test_database_url_is_honoured(tmp_path: Path) -> None:
    # Settings only; nothing connects, so the file is never created.
    database = tmp_path / "x.sqlite3"
    values = read_settings(DEBUG="true", DATABASE_URL=f"sqlite:///{database}")
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(database)


def test_database_connections_are_kept_between_requests(tmp_path: Path) -> None:
    # SQLite too: opening one for every request cost more than the session read it served.
    for database_url in (f"sqlite:///{tmp_path / 'x.sqlite3'}", "postgres://u:p@db:5432/portal"):
        assert read_settings(DEBUG="true", DATABASE_URL=database_url)["CONN_MAX_AGE"] == 60
    values = read_settings(DEBUG="true", DATABASE_CONN_MAX_AGE="0")
    assert values["CONN_MAX_AGE"] == 0


def test_port_moves_the_sandbox_urls() -> None:
    values = read_settings(DEBUG="true", PORT="9000")
    assert values["UPSTREAM_URL"] == "http://127.0.0.1:9000/sandbox"
    assert values["SANDBOX_PORTAL_URL"] == "http://127.0.0.1:9000"


def test_unknown_pdf_link_scheme_stops_start_up() -> None:
    result = run_python(
        READ_SETTINGS,
        SECRET_KEY="a-production-secret",
        UPSTREAM_URL=UPSTREAM,
        PDF_LINK_SCHEME="ftp",
    )
    assert result.returncode != 0
    assert "PDF_LINK_SCHEME must be http or https" in result.stderr

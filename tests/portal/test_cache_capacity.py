"""The default cache (the database, no CACHE_URL) keeps what pages put in it until it expires.

Django's database cache keeps 300 entries and then, on every write, deletes a third of them in
key order: with one paid status and one registration mark per purchase, the brand's look was
gone within a few hundred purchases, and every page then asked the upstream for it again.
"""

from __future__ import annotations

from pathlib import Path

from tests.child import run_python

FILL = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.cache import cache
from django.db import connection
cache.set("branding:business:default:http://127.0.0.1:8001/sandbox", "the look", 300)
for index in range(2000):
    cache.set(f"checkout:paid:v1:{index:064x}", {"Status": "Paid"}, 3600)
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM portal_cache")
    rows = cursor.fetchone()[0]
print(cache.get("branding:business:default:http://127.0.0.1:8001/sandbox"), rows)
"""


def test_the_default_database_cache_keeps_thousands_of_live_entries(tmp_path: Path) -> None:
    result = run_python(
        FILL,
        SECRET_KEY="x" * 50,
        SANDBOX_ENABLED="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["the", "look", "2001"]


COUNT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.cache import cache
from django.db import connection
cache.add("day", 1, timeout=86400)
cache.incr("day")
cache.incr("day", 5)
with connection.cursor() as cursor:
    cursor.execute("SELECT julianday(expires) - julianday('now') FROM portal_cache")
    days = cursor.fetchone()[0]
print(cache.get("day"), round(days, 2))
"""


def test_counting_keeps_the_keys_expiry(tmp_path: Path) -> None:
    """Django's own incr sets the default timeout (5 minutes) again: the budget's count of a
    day would be forgotten (upstream/budget.py)."""
    result = run_python(
        COUNT,
        SECRET_KEY="x" * 50,
        SANDBOX_ENABLED="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "1.0"]

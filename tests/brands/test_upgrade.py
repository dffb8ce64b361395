"""An operator's database made before the brands app existed keeps every brand, host, footer
link, logo and permission when the new code migrates it (brands/migrations/0001-0002).

data/main-1f8a969.sql is a dump of a SQLite database that main at 1f8a969 (the last commit with
the brand models in the portal app) migrated, holding one brand with an uploaded logo, a host,
a footer link, and an operator allowed to change brands."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.child import run_python

DUMP = Path(__file__).parent / "data" / "main-1f8a969.sql"

READ_BACK = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from brands.hosts import brand_by_slug, brand_for_host, brand_logo_file
brand = brand_by_slug("harbour")
print(json.dumps({
    "name": brand.name,
    "upstream": brand.upstream_url,
    "host": brand_for_host("portal.harbour.example").key,
    "languages": brand.languages,
    "colour": brand.primary_color,
    "support": [brand.support_email, brand.support_phone],
    "sites": [brand.website_url, brand.shop_url],
    "footer": [[link.label, link.url] for link in brand.footer_links],
    "logo": [brand_logo_file(brand)[1], brand_logo_file(brand)[0].hex()],
    "may_change": User.objects.get(username="operator").has_perm("brands.change_brand"),
}))
"""


def _old_database(tmp_path: Path) -> Path:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(DUMP.read_text())
    return path


def _migrated(path: Path) -> dict[str, object]:
    done = run_python(
        READ_BACK,
        DATABASE_URL=f"sqlite:///{path}",
        SECRET_KEY="upgrade-test",
        SANDBOX_ENABLED="false",
        UPSTREAM_URL="https://upstream.invalid",
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_the_dump_is_of_the_old_layout(tmp_path: Path) -> None:
    with sqlite3.connect(_old_database(tmp_path)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"portal_brand", "portal_brandhost", "portal_footerlink"} <= tables
    assert not any(name.startswith("brands_") for name in tables)


def test_an_old_database_keeps_its_brand(tmp_path: Path) -> None:
    assert _migrated(_old_database(tmp_path)) == {
        "name": "Harbour Desks",
        "upstream": "https://harbour.spaces.nexudus.com",
        "host": "harbour",
        "languages": ["en", "de"],
        "colour": "#0a5",
        "support": ["desk@harbour.example", "+31 20 123 4567"],
        "sites": ["https://harbour.example", "https://harbour.example/shop"],
        "footer": [["Terms", "https://harbour.example/terms"]],
        "logo": ["image/png", b"\x89PNG\r\n\x1a\nfake".hex()],
        "may_change": True,
    }


def test_the_tables_take_the_brands_names(tmp_path: Path) -> None:
    path = _old_database(tmp_path)
    _migrated(path)
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        kinds = connection.execute(
            "SELECT app_label, model FROM django_content_type WHERE model LIKE '%brand%'"
            " OR model = 'footerlink' ORDER BY model"
        ).fetchall()
    assert {"brands_brand", "brands_brandhost", "brands_footerlink"} <= tables
    assert not {"portal_brand", "portal_brandhost", "portal_footerlink"} & tables
    assert kinds == [("brands", "brand"), ("brands", "brandhost"), ("brands", "footerlink")]

"""Static files: whitenoise serves them, and collectstatic builds hashed, compressed copies."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from django.test import Client

from portal.settings import BASE_DIR
from tests.child import run_python

COLLECTSTATIC = """
import runpy
import sys

sys.argv = ["manage.py", "collectstatic", "--noinput"]
runpy.run_path("manage.py", run_name="__main__")
"""


def test_portal_css_is_served(client: Client) -> None:
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response.getvalue() == (BASE_DIR / "static" / "css" / "portal.css").read_bytes()


def test_collectstatic_writes_hashed_compressed_files_in_production(tmp_path: Path) -> None:
    result = run_python(
        COLLECTSTATIC,
        SECRET_KEY="a-production-secret",
        STATIC_ROOT=str(tmp_path),
        UPSTREAM_URL="https://tenant.example.com",
    )
    assert result.returncode == 0, result.stderr

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/portal.css"]
    assert re.fullmatch(r"css/portal\.[0-9a-f]{12}\.css", hashed), hashed
    content = (tmp_path / hashed).read_bytes()
    assert content == (BASE_DIR / "static" / "css" / "portal.css").read_bytes()
    assert gzip.decompress((tmp_path / f"{hashed}.gz").read_bytes()) == content

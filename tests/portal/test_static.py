"""Static files: whitenoise serves them, and collectstatic builds hashed, compressed copies."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from django.test import Client

from portal.settings import BASE_DIR
from portal.storage import StaticFilesStorage
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


def test_production_storage_works_out_each_url_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = {"paths": {"css/portal.css": "css/portal.0123456789ab.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    assert storage.url("css/portal.css") == "/static/css/portal.0123456789ab.css"

    def never(name: str) -> str:
        raise AssertionError("looked up again")

    monkeypatch.setattr(storage, "stored_name", never)
    assert storage.url("css/portal.css") == "/static/css/portal.0123456789ab.css"


def test_production_storage_keeps_refusing_unknown_names(tmp_path: Path) -> None:
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")

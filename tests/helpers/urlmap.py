"""Every URL of the map (docs/architecture.md), with an example for each parameter, and the
forms outside it: what tests of "any URL" walk."""

from __future__ import annotations

import re

from tests.helpers.harness import BASE_DIR

_MAP = (BASE_DIR / "docs" / "architecture.md").read_text()
MAP_URLS = [
    row.replace("{lang}", "en").replace("<id>", "42").replace("<version>", "0123456789abcdef")
    for row in re.findall(r"^\| `(/[^`]*)` \|", _MAP, re.MULTILINE)
]
# The admin's forms and the mounted sandbox's purchase page.
FORMS = ["/admin/login/", "/admin/logout/", "/admin/brands/brand/add/", "/sandbox/"]
EVERY_URL = MAP_URLS + FORMS

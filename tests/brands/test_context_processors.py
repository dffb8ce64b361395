"""The language switcher's links, worked out once per path and language (a third of a page's
rendering before): each page and query string still gets its own."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _switcher(html: str) -> dict[str, str]:
    return {code: href for href, code in re.findall(r'<a href="([^"]+)" hreflang="([a-z]+)"', html)}


def test_each_page_and_query_gets_its_own_links(client: Client) -> None:
    for path in ("/en/sign-in?next=/en/invoices/", "/en/sign-in?next=/en/", "/fr/sign-in"):
        for _ in range(2):
            links = _switcher(client.get(path).content.decode())
            assert links["es"] == "/es/" + path.split("/", 2)[2]
            assert links["de"] == "/de/" + path.split("/", 2)[2]

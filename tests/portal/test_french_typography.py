"""French typography in the French catalogue: a non-breaking space (U+00A0, the one used
throughout) before a colon, semicolon, question or exclamation mark, so that the mark never
starts a line by itself; and the My Invoices filters, which name groups of invoices, plural."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation

from tests.helpers.harness import BASE_DIR

FRENCH = BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
NBSP = "\u00a0"
# A mark without the space before it: not in a URL's scheme (https://) nor a ratio (4.5:1).
BARE_MARK = re.compile(r"(?<!\d):(?!//|\d)|[;!?]")


def _catalogue() -> Catalog:
    with FRENCH.open("rb") as file:
        return read_po(file)


def _strings() -> list[str]:
    found: list[str] = []
    for message in _catalogue():
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found.extend(str(string) for string in strings)
    return found


def _misspaced(string: str) -> list[str]:
    return [
        string[max(0, mark.start() - 12) : mark.end()]
        for mark in BARE_MARK.finditer(string)
        if string[mark.start() - 1 : mark.start()] != NBSP
    ]


def test_a_non_breaking_space_comes_before_a_colon_and_its_kin() -> None:
    wrong = [(string, _misspaced(string)) for string in _strings() if _misspaced(string)]
    assert wrong == []


@pytest.mark.parametrize(
    ("string", "wrong"),
    [
        ("Client : %(name)s", True),
        ("Client: %(name)s", True),
        ("Des questions ?", True),
        (f"Client{NBSP}: %(name)s", False),
        (f"Des questions{NBSP}?", False),
        ("https://example.com", False),
        ("au moins 4.5:1", False),
    ],
)
def test_the_check_finds_an_ordinary_space_or_none(string: str, wrong: bool) -> None:
    assert bool(_misspaced(string)) == wrong


@pytest.mark.django_db
def test_the_invoice_filters_are_plural_in_french(client: Client) -> None:
    with translation.override("fr"):
        filters = {
            name: translation.pgettext("invoices filter", name)
            for name in ("All", "Paid", "Unpaid", "Credit notes")
        }
        # The badge of one invoice stays singular.
        assert translation.gettext("Paid") == "Payée"
    assert filters == {
        "All": "Toutes",
        "Paid": "Payées",
        "Unpaid": "Impayées",
        "Credit notes": "Avoirs",
    }
    template = (BASE_DIR / "templates" / "invoices" / "list.html").read_text()
    assert '{% translate "Paid" context "invoices filter" %}' in template

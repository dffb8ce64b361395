"""A buyer back from the gateway, as a browser with htmx would be: lands on the completion
link, then asks again each time the page says it will, until the receipt. Shared by the
payday test (tests/portal/test_api_budget.py) and `make bench`'s payday (bench/payday.py)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import requests

HEADLINE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
DELAY = re.compile(r'hx-trigger="load delay:(\d+)s')
RECEIPT = "Thank you, your payment is confirmed"
# What a buyer may see meanwhile: the payment being confirmed, asking again by itself.
WAITING = "Confirming your payment…"


@dataclass
class Visit:
    """Every page one buyer saw, and how long until the receipt (None: never)."""

    pages: list[tuple[int, str]] = field(default_factory=list)
    seconds_to_receipt: float | None = None

    @property
    def error_pages(self) -> list[tuple[int, str]]:
        return [
            (status, headline)
            for status, headline in self.pages
            if status != 200 or headline not in (RECEIPT, WAITING)
        ]


def headline(html: str) -> str:
    found = HEADLINE.search(html)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else ""


def buyer_visit(link: str, *, portal: str, patience: float = 150) -> Visit:
    """Opens `link` (the gateway's return) in a fresh browser and follows the page until the
    receipt, an error, or `patience` seconds."""
    visit, started = Visit(), time.monotonic()
    with requests.Session() as browser:
        page = browser.get(link, timeout=60)
        while True:
            visit.pages.append((page.status_code, headline(page.text)))
            if RECEIPT in page.text:
                visit.seconds_to_receipt = time.monotonic() - started
                return visit
            if page.status_code != 200 or time.monotonic() - started > patience:
                return visit
            delay = DELAY.search(page.text)
            time.sleep(int(delay.group(1)) if delay else 2)
            page = browser.get(f"{portal}/en/invoices/complete", timeout=60)

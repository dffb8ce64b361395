"""The accountant's export end to end: the demo customer, signed in against the live sandbox,
downloads a ZIP of ticked invoices and of a period; every PDF in it is a real PDF of the
invoice it is named after, and the CSV lists the same invoices as the sandbox holds them."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
import requests
from django.utils import timezone
from pypdf import PdfReader

from sandbox import demo as sandbox_demo
from sandbox.models import Invoice
from tests.helpers.harness import demo_sign_in
from tests.helpers.html import csrf_token
from tests.helpers.sign_in import DEMO_EMAIL

EXPORT = "/en/invoices/export"


@pytest.fixture(autouse=True)
def demo(portal: str) -> None:
    sandbox_demo.demo_seed()


def _download(browser: requests.Session, portal: str, form: dict[str, object]) -> zipfile.ZipFile:
    page = browser.get(f"{portal}{EXPORT}", timeout=10)
    assert page.status_code == 200
    data = {"csrfmiddlewaretoken": csrf_token(page.text), **form}
    response = browser.post(
        f"{portal}{EXPORT}", data=data, headers={"Referer": f"{portal}{EXPORT}"}, timeout=60
    )
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return archive


def _check(archive: zipfile.ZipFile, invoices: list[Invoice]) -> None:
    names = archive.namelist()
    assert names[-1] == "invoices.csv"
    rows = list(csv.reader(io.StringIO(archive.read("invoices.csv").decode("utf-8-sig"))))
    assert rows[0][0] == "Number"
    assert sorted(row[0] for row in rows[1:]) == sorted(i.invoice_number for i in invoices)
    by_number = {i.invoice_number: i for i in invoices}
    for name, row in zip(names[:-1], rows[1:], strict=True):
        pdf = archive.read(name)
        assert pdf.startswith(b"%PDF")
        # A real PDF, of the invoice named by the row (and the file).
        assert row[0] in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert name == re.sub(r"[^A-Za-z0-9._-]+", "-", row[0]).strip(".-_") + ".pdf"
        invoice = by_number[row[0]]
        # ISO dates (the space's local day, as the list shows it).
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[1])
        assert row[6] == f"{invoice.total:.2f}"
        # Net and tax, read from the sandbox's formatted amounts, add up to the total.
        assert Decimal(row[4]) + Decimal(row[5]) == invoice.total


def test_ticked_invoices_and_a_period_download_as_real_pdfs(portal: str) -> None:
    mine = list(Invoice.objects.filter(customer__email=DEMO_EMAIL).order_by("-created_on"))
    assert len(mine) >= 3
    with requests.Session() as browser:
        assert demo_sign_in(browser, portal).status_code == 200
        ticked = mine[:3]
        archive = _download(
            browser, portal, {"period": "picked", "ids": [str(i.pk) for i in ticked]}
        )
        _check(archive, ticked)
        newest = timezone.localtime(mine[0].created_on).date()
        start = newest.replace(day=1)
        in_month = [i for i in mine if timezone.localtime(i.created_on).date() >= start]
        archive = _download(
            browser,
            portal,
            {"period": "range", "date_from": start.isoformat(), "date_to": newest.isoformat()},
        )
        _check(archive, in_month)

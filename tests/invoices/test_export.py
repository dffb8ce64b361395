"""For the accountant: one ZIP of the chosen invoices' PDFs, named by their numbers, and a CSV
of them (ISO dates, plain decimals, headers in the page's language), streamed while the
upstream is asked, paced and bound to the request's upstream after the view has returned."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import responses
from django.test import Client

from invoices import export
from invoices.forms import period_bounds
from tests.helpers.html import assert_private
from tests.helpers.invoices import JWT, JWT_2, mock_invoice, mock_media, mock_my_invoices, preview
from tests.helpers.upstream import calls_to, upstream_url
from upstream import endpoints

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

EXPORT = "/en/invoices/export"
NOVEMBER = {"period": "range", "date_from": "2026-11-01", "date_to": "2026-11-30"}


def pdf_of(invoice_id: int) -> bytes:
    return b"%PDF-1.4\n% invoice " + str(invoice_id).encode() + b"\n%%EOF\n"


def mock_pdf(mock: responses.RequestsMock, invoice_id: int, **answer: Any) -> Any:
    answer = answer or {"body": pdf_of(invoice_id), "content_type": "application/pdf"}
    return mock.add(responses.GET, upstream_url(endpoints.pdf(invoice_id)), **answer)


def mock_invoices(
    mock: responses.RequestsMock,
    invoices: list[dict[str, Any]],
    amounts: dict[int, tuple[str, str]] | None = None,
) -> None:
    """invoices/my listing them, and each one's detail (with its net and tax as formatted
    strings, by id; €135.00 and €28.35 otherwise) and PDF."""
    mock_my_invoices(mock, invoices)
    for invoice in invoices:
        net, tax = (amounts or {}).get(invoice["Id"], ("€135.00", "€28.35"))
        detail = {**invoice, "SubTotalFormated": net, "TaxFormated": tax}
        mock_invoice(mock, invoice["Id"], json=detail)
        mock_pdf(mock, invoice["Id"])


def _streamed(response: Response) -> Iterator[bytes]:
    streaming: Any = response  # the test client's type does not know streaming answers
    assert streaming.streaming
    return iter(streaming.streaming_content)


def _drain(response: Response, into: bytearray) -> None:
    for chunk in _streamed(response):
        into += chunk


def downloaded(response: Response) -> tuple[zipfile.ZipFile, list[list[str]]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(_streamed(response))))
    assert archive.testzip() is None
    text = archive.read("invoices.csv").decode("utf-8-sig")
    return archive, list(csv.reader(io.StringIO(text)))


def test_a_period_downloads_every_pdf_and_a_csv_of_the_listed_invoices(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    invoices = [
        preview(3, InvoiceNumber="INV/2026 003", CreatedOn="2026-11-21T10:00:00Z"),
        preview(
            2,
            InvoiceNumber="INV-2026-002",
            CreatedOn="2026-11-02T09:00:00Z",
            DueDate="2026-11-16T09:00:00Z",
            Paid=False,
            PaidOn=None,
            DueAmount=1234.5,
            TotalAmount=1234.5,
            TotalFormated="€1,234.50",
        ),
        # Outside the period: not in the ZIP.
        preview(1, CreatedOn="2026-10-31T23:00:00Z"),
    ]
    mock_invoices(mocked, invoices, {2: ("€1,020.25", "€214.25")})
    mock_media(mocked)

    response = customer.post(EXPORT, NOVEMBER)
    archive, rows = downloaded(response)

    assert response["Content-Disposition"] == (
        'attachment; filename="invoices-2026-11-01-to-2026-11-30.zip"'
    )
    assert response["X-Export-Invoices"] == "2"
    assert_private(response)
    assert archive.namelist() == ["INV-2026-003.pdf", "INV-2026-002.pdf", "invoices.csv"]
    assert archive.read("INV-2026-003.pdf") == pdf_of(3)
    assert archive.read("INV-2026-002.pdf") == pdf_of(2)
    assert rows == [
        [
            "Number",
            "Date",
            "Due date",
            "Paid on",
            "Net",
            "Tax",
            "Total",
            "Currency",
            "Status",
            "Credit note",
        ],
        [
            "INV/2026 003",
            "2026-11-21",
            "2026-12-05",
            "2026-11-21",
            "135.00",
            "28.35",
            "163.35",
            "EUR",
            "Paid",
            "No",
        ],
        [
            "INV-2026-002",
            "2026-11-02",
            "2026-11-16",
            "",
            "1020.25",
            "214.25",
            "1234.50",
            "EUR",
            "Overdue",
            "No",
        ],
    ]
    assert calls_to(mocked, "GET", endpoints.pdf(1)) == 0


def test_the_csv_speaks_the_pages_language(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    credit = preview(5, CreditNote=True, TotalAmount=-20, TotalFormated="-20,00 €")
    mock_invoices(mocked, [credit], {5: ("-16,53 €", "-3,47 €")})
    mock_media(mocked)
    _archive, rows = downloaded(customer.post("/fr/invoices/export", NOVEMBER))
    assert rows[0] == [
        "Numéro",
        "Date",
        "Date d\u2019échéance",
        "Payée le",
        "HT",
        "TVA",
        "Total",
        "Devise",
        "Statut",
        "Avoir",
    ]
    assert rows[1][4:] == ["-16.53", "-3.47", "-20.00", "EUR", "Avoir", "Oui"]


def test_ticked_invoices_only(customer: Client, mocked: responses.RequestsMock) -> None:
    # Same number twice: unique names in the ZIP.
    invoices = [preview(n, InvoiceNumber="A/1") for n in (11, 12, 13)]
    mock_invoices(mocked, invoices)
    mock_media(mocked)
    response = customer.post(EXPORT, {"period": "picked", "ids": ["13", "11", "junk", "13"]})
    archive, rows = downloaded(response)
    assert archive.namelist() == ["A-1.pdf", "A-1-2.pdf", "invoices.csv"]
    assert [archive.read(name) for name in archive.namelist()[:2]] == [pdf_of(13), pdf_of(11)]
    assert len(rows) == 3
    # Ticks need no listing: each invoice is asked for by its id.
    assert calls_to(mocked, "GET", endpoints.INVOICES_MY) == 0
    assert calls_to(mocked, "GET", endpoints.pdf(12)) == 0


def test_ticking_invoices_chooses_them_whichever_period_is_checked(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    # The page opens with "Last month" checked: a member who only ticks gets what they ticked.
    mock_invoices(mocked, [preview(n) for n in (11, 12)])
    mock_media(mocked)
    response = customer.post(EXPORT, {"period": "last-month", "ids": ["12"]})
    archive, rows = downloaded(response)
    assert archive.read(archive.namelist()[0]) == pdf_of(12)
    assert len(rows) == 2
    assert calls_to(mocked, "GET", endpoints.INVOICES_MY) == 0


def test_the_export_page_lists_invoices_to_tick(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(21), preview(22)])
    response = customer.get(EXPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="ids" value="21"' in html
    assert 'name="ids" value="22"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "js/export.js" in html
    assert "<script>" not in html
    assert_private(response)


def test_more_than_the_limit_is_a_clear_page(
    customer: Client, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "EXPORT_MAX", 2)
    mock_invoices(mocked, [preview(n) for n in (31, 32, 33)])
    response = customer.post(EXPORT, NOVEMBER)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Too many invoices for one download" in html
    assert "You chose 3 invoices; one download holds at most 2." in html
    assert 'href="/en/invoices/export"' in html
    assert calls_to(mocked, "GET", endpoints.pdf(31)) == 0
    # The same page for ticks, in French.
    ticked = customer.post("/fr/invoices/export", {"period": "picked", "ids": ["31", "32", "33"]})
    assert ticked.status_code == 400
    assert "Trop de factures pour un seul téléchargement" in ticked.content.decode()


def test_an_empty_period_says_so(customer: Client, mocked: responses.RequestsMock) -> None:
    mock_invoices(mocked, [preview(41, CreatedOn="2025-01-01T10:00:00Z")])
    response = customer.post(EXPORT, NOVEMBER)
    assert response.status_code == 404
    assert "No invoices in this period" in response.content.decode()


@pytest.mark.parametrize(
    "form",
    [
        {"period": "range", "date_from": "2026-11-30", "date_to": "2026-11-01"},
        {"period": "range", "date_from": "2026-11-01"},
        {"period": "picked"},
        {"period": "next-decade"},
    ],
)
def test_a_wrong_choice_shows_the_form_again(
    customer: Client, mocked: responses.RequestsMock, form: dict[str, str]
) -> None:
    mock_my_invoices(mocked, [preview(51)])
    response = customer.post(EXPORT, form)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert calls_to(mocked, "GET", endpoints.pdf(51)) == 0


def test_not_signed_in_goes_to_sign_in(client: Client) -> None:
    for response in (client.get(EXPORT), client.post(EXPORT, NOVEMBER)):
        assert response.status_code == 302
        assert response["Location"].startswith("/en/sign-in?next=")


@pytest.mark.parametrize(
    ("broken", "status", "text"),
    [
        ("list", 503, "Your invoices are not available just now"),
        ("pdf", 503, "Your invoices are not available just now"),
        ("media", 409, "Fetching your invoices"),
    ],
)
def test_an_upstream_failure_before_streaming_is_the_error_page(
    customer: Client, mocked: responses.RequestsMock, broken: str, status: int, text: str
) -> None:
    if broken == "list":
        mocked.add(responses.GET, upstream_url(endpoints.INVOICES_MY), status=503)
    else:
        mock_my_invoices(mocked, [preview(61)])
        mock_invoice(mocked, 61)
    if broken == "pdf":
        mock_media(mocked)
        mock_pdf(mocked, 61, status=503)
    if broken == "media":
        mocked.add(
            responses.GET,
            upstream_url(endpoints.MEDIA_TOKEN),
            status=409,
            headers={"Retry-After": "30"},
        )
    response = customer.post(EXPORT, NOVEMBER)
    assert not response.streaming
    assert response.status_code == (429 if status == 409 else status)
    assert text in response.content.decode()


def test_a_failure_midway_aborts_the_stream(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoices(mocked, [preview(71), preview(72)])
    mocked.replace(responses.GET, upstream_url(endpoints.pdf(72)), status=503)
    mock_media(mocked)
    response = customer.post(EXPORT, NOVEMBER)
    assert response.status_code == 200
    sent = bytearray()
    with pytest.raises(export.ExportAborted):
        _drain(response, sent)
    # What was sent is no ZIP: it never got its closing directory.
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(bytes(sent)))


def test_calls_after_the_view_are_bound_to_the_request(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoices(mocked, [preview(81), preview(82)])
    mock_media(mocked)
    response = customer.post(EXPORT, NOVEMBER)
    streamed_from = len(mocked.calls)
    downloaded(response)
    late = list(mocked.calls)[streamed_from:]
    assert [(call.request.url or "").split("?")[0] for call in late] == [
        upstream_url(endpoints.invoice(82)),
        upstream_url(endpoints.pdf(82)),
    ]
    # The request's id, not the "-" of no request.
    assert {call.request.headers["X-Request-ID"] for call in late} == {response["X-Request-ID"]}


def test_a_refused_media_jwt_is_asked_again(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(91)])
    mock_invoice(mocked, 91)
    media = mock_media(mocked, JWT, JWT_2)
    url = upstream_url(endpoints.pdf(91))
    mocked.add(
        responses.GET, url, status=401, match=[responses.matchers.query_param_matcher({"t": JWT})]
    )
    mocked.add(
        responses.GET,
        url,
        body=pdf_of(91),
        content_type="application/pdf",
        match=[responses.matchers.query_param_matcher({"t": JWT_2})],
    )
    archive, _rows = downloaded(customer.post(EXPORT, NOVEMBER))
    assert archive.read("INV-2026-00091.pdf") == pdf_of(91)
    assert media.call_count == 2


def test_a_full_budget_midway_is_waited_for(
    customer: Client, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock_invoices(mocked, [preview(101), preview(102)])
    mock_media(mocked)
    url = upstream_url(endpoints.pdf(102))
    mocked.replace(responses.GET, url, status=409, headers={"Retry-After": "7"})
    mocked.add(responses.GET, url, body=pdf_of(102), content_type="application/pdf")
    slept: list[float] = []
    monkeypatch.setattr("invoices.export.time.sleep", slept.append)
    response = customer.post(EXPORT, NOVEMBER)
    archive, _rows = downloaded(response)
    assert archive.read("INV-2026-00102.pdf") == pdf_of(102)
    assert 7 in slept


@pytest.mark.parametrize(
    ("period", "today", "bounds"),
    [
        ("this-month", date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        ("last-month", date(2026, 1, 14), (date(2025, 12, 1), date(2025, 12, 31))),
        ("this-year", date(2026, 2, 14), (date(2026, 1, 1), date(2026, 12, 31))),
        ("last-year", date(2026, 2, 14), (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_period_bounds(period: str, today: date, bounds: tuple[date, date]) -> None:
    assert period_bounds(period, today) == bounds


def test_last_month_is_counted_from_today(customer: Client, mocked: responses.RequestsMock) -> None:
    first = date.today().replace(day=1)
    last_month = first - timedelta(days=1)
    mock_invoices(
        mocked,
        [
            preview(111, CreatedOn=f"{first.isoformat()}T08:00:00"),
            preview(112, CreatedOn=f"{last_month.isoformat()}T08:00:00"),
        ],
    )
    mock_media(mocked)
    archive, rows = downloaded(customer.post(EXPORT, {"period": "last-month"}))
    assert archive.namelist() == ["INV-2026-00112.pdf", "invoices.csv"]
    assert rows[1][1] == last_month.isoformat()

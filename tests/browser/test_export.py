"""The accountant's export in Chromium: from My Invoices to the export page, ticked invoices
downloaded as one ZIP, with the progress count shown by the script, and the same ZIP with
JavaScript off (the form posts and the browser saves the answer)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP
from tests.helpers.sign_in import sign_in_in_chromium


def _open_zip(path: str | Path) -> tuple[list[str], list[list[str]]]:
    archive = zipfile.ZipFile(path)
    assert archive.testzip() is None
    names = archive.namelist()
    for name in names[:-1]:
        assert archive.read(name).startswith(b"%PDF")
    rows = list(csv.reader(io.StringIO(archive.read("invoices.csv").decode("utf-8-sig"))))
    return names, rows


def _tick_three(page: Page) -> None:
    page.get_by_role("link", name="For the accountant: download invoices as one ZIP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("For the accountant")
    page.get_by_label("The invoices I tick below").check()
    for box in page.locator("input[name=ids]").all()[:3]:
        box.check()


def test_ticked_invoices_download_as_one_zip_with_progress(
    page: Page, demo_customer: object
) -> None:
    sign_in_in_chromium(page)
    _tick_three(page)
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download ZIP").click()
    download = waiting.value
    assert download.suggested_filename.startswith("invoices-")
    names, rows = _open_zip(download.path())
    assert len(names) == 4
    assert len(rows) == 4
    # The script's count, said in the live region.
    expect(page.locator("[data-export-status]")).to_have_text("Done: your ZIP file is saved.")
    expect(page.locator("progress")).to_have_attribute("value", "3")


def test_without_javascript_the_form_still_downloads(
    chromium: Browser, portal: str, demo_customer: object
) -> None:
    context = chromium.new_context(
        viewport=DESKTOP, base_url=portal, java_script_enabled=False, accept_downloads=True
    )
    try:
        page = context.new_page()
        sign_in_in_chromium(page)
        _tick_three(page)
        with page.expect_download() as waiting:
            page.get_by_role("button", name="Download ZIP").click()
        names, rows = _open_zip(waiting.value.path())
        assert len(names) == 4
        assert rows[0][0] == "Number"
    finally:
        context.close()

"""Real-browser tests: Playwright driving Debian's Chromium, headless, against the live portal
and its sandbox (tests/conftest.py's `portal`). No browser download: the executable comes from
the CHROMIUM_PATH setting (tests/settings.py), which `make test` installs when it can."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from pypdf import PdfReader

from brands.models import Brand, BrandHost
from sandbox import services
from tests.helpers.harness import BASE_DIR, CHROMIUM_ARGUMENTS

# Playwright's sync API runs an event loop in this thread; Django's database calls from the
# same thread are safe here (the notes on these machines say the same).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
MOBILE: ViewportSize = {"width": 390, "height": 844}
AXE = BASE_DIR / ".venv" / "axe" / "package" / "axe.min.js"
SCREENSHOTS = BASE_DIR / "docs" / "screenshots"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


def launch(playwright: Playwright) -> Browser:
    path = Path(settings.CHROMIUM_PATH)
    if not path.exists():
        pytest.fail(
            f"Chromium is not at {path}. `make test` installs it with apt-get when it runs as "
            "root; otherwise install Debian's package (sudo apt-get install chromium) or set "
            "CHROMIUM_PATH to a Chromium executable. The browser tests never skip."
        )
    return playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGUMENTS)


@pytest.fixture(scope="session")
def chromium(playwright: Playwright, django_db_setup: None) -> Iterator[Browser]:
    """One browser per worker. Made after the test database, so closed before it is dropped:
    its keep-alive connections to the live server hold that server's threads, and with them
    their database connections, which PostgreSQL will not drop a database under."""
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def context(chromium: Browser, portal: str) -> Iterator[BrowserContext]:
    context = chromium.new_context(viewport=DESKTOP, base_url=portal, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def purchase_url(portal: str, language: str = "en", **kwargs: object) -> str:
    """A new guest purchase at the sandbox; the gateway's return link to the portal."""
    basket = services.purchase_create(gateway="stripe", **kwargs)  # type: ignore[arg-type]
    return services.completion_url(basket=basket, language=language)


def brand_for_localhost(portal: str, **fields: str) -> Brand:
    """A brand for the live server's host, its upstream the mounted sandbox."""
    brand = Brand.objects.create(
        slug="canal",
        upstream_url=f"{portal}/sandbox",
        public_base_url="/sandbox",
        pdf_link_scheme="http",
        **fields,
    )
    BrandHost.objects.create(brand=brand, host="localhost")
    return brand


def space_zone() -> ZoneInfo:
    """The demo space's time zone: the upstream writes its dates in it (X-Use-Timezone), so
    between 23:00 and midnight UTC its today is already tomorrow in Amsterdam."""
    return ZoneInfo(services.demo_business_get_or_create().time_zone)


def screenshot(page: Page, name: str) -> None:
    """Writes docs/screenshots/<name>.png when SCREENSHOTS=1 (`make screenshots`)."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not at {AXE}: `make test` fetches it (npm pack axe-core).")
    # Once per document: the desktop and mobile runs of one page share the script.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
            // Only violations are read: axe then skips the details of what passed.
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            const found = await axe.run(document, options);
            return found.violations.map(
                (v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
        }"""
    )
    return [str(item) for item in result]


@contextmanager
def without_csp(chromium: Browser, page: Page) -> Iterator[Page]:
    """A page of a second context with `page`'s cookies that lets axe's script in (the portal's
    CSP would refuse it); the flows themselves keep the CSP."""
    other = chromium.new_context(bypass_csp=True, storage_state=page.context.storage_state())
    try:
        yield other.new_page()
    finally:
        other.close()


def axe_as_member(chromium: Browser, page: Page) -> list[str]:
    """axe on the page as this member sees it (`without_csp`)."""
    with without_csp(chromium, page) as checked:
        checked.goto(page.url)
        return axe_violations(checked)


def fits_a_phone(page: Page) -> None:
    """Nothing on the page is wider than a 320 px phone."""
    page.set_viewport_size({"width": 320, "height": 700})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{page.url} is {width} px wide at 320 px"


PDF_LINK = re.compile(r"View invoice \(PDF\)|View PDF")


def open_pdf(page: Page, link_name: re.Pattern[str] = PDF_LINK) -> str:
    """Clicks the PDF link as a person would; the browser gets a PDF. Returns its text."""
    # The PDF's answer, after any redirect (the portal's no-JavaScript link redirects).
    with page.expect_response(
        lambda answer: answer.status != 302 and "pdf" in answer.url
    ) as answered:
        page.get_by_role("link", name=link_name).first.click()
    answer = answered.value
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    # Chromium shows the PDF in its viewer; the same request again gives the bytes it got.
    content = page.context.request.get(answer.url).body()
    leave_the_pdf_viewer(page)
    assert content.startswith(b"%PDF-")
    return "\n".join(part.extract_text() for part in PdfReader(io.BytesIO(content)).pages)


def leave_the_pdf_viewer(page: Page) -> None:
    """Closing a context while Chromium's PDF viewer is still loading hangs Chromium 156:
    let it finish, then leave it."""
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")


def set_visibility(page: Page, state: str) -> None:
    """What a browser does when the tab goes to the background or comes back."""
    page.evaluate(
        """(state) => {
            const hidden = state === "hidden";
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )

"""axe-core on every page state, in every shipped language, at desktop and mobile widths: no
WCAG 2.1 A or AA violation; and at phone widths (320, 360, 390 px) nothing wider than the
screen. `make screenshots` also writes each English state's picture."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost
from tests.browser.conftest import DESKTOP, MOBILE, axe_violations, purchase_url, screenshot
from tests.helpers.harness import free_port
from tests.helpers.sign_in import DEMO_EMAIL, DEMO_PASSWORD, sign_in_in_chromium

LANGUAGES = ["en", "es", "fr", "de"]
# The narrowest phones in use (320: iPhone SE 1st generation), a common Android, an iPhone.
PHONE_WIDTHS = (320, 360, 390)
State = Callable[[Page, str, str, SettingsWrapper], None]


# The page as axe must see it: loaded, no htmx request in flight, and every links poller
# filled (its first request starts on load). Waiting for this instead of Playwright's
# "networkidle" (half a second of silence after every load) halves the sweep's time.
SETTLED = """() => document.readyState === "complete"
    && !document.querySelector(".htmx-request")
    && [...document.querySelectorAll("[data-media-links]")].every((e) => e.childElementCount)"""


def _settle(page: Page) -> None:
    page.wait_for_function(SETTLED)


def _goto(page: Page, url: str) -> None:
    page.goto(url)
    _settle(page)


def _click_and_load(page: Page, target: str = "form.stack button[type=submit]") -> None:
    """Clicks `target` (a form's button, a link) and waits for the page it loads, redirects
    included."""
    with page.expect_navigation():
        page.click(target)
    _settle(page)


def paid(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, purchase_url(portal, language))


def pending(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, purchase_url(portal, language, pending_seconds=600))


def pending_too_long(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    page.goto(purchase_url(portal, language, pending_seconds=600))
    _goto(page, f"/{language}/invoices/complete?poll=99")


def failed(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, purchase_url(portal, language, fail=True))


def already_used(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    link = purchase_url(portal, language)
    page.goto(link)
    page.context.clear_cookies()
    _goto(page, link)


def not_found(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, f"/{language}/invoices/complete?stripe_session_id={uuid.uuid4()}")


def unavailable(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    settings.UPSTREAM_URL = f"http://127.0.0.1:{free_port()}/sandbox"
    _goto(page, f"/{language}/invoices/complete?stripe_session_id={uuid.uuid4()}")


def elsewhere(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    """The completion page's address, copied into a browser that did not pay."""
    _goto(page, f"/{language}/invoices/complete")


def paid_signed_in(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _signed_in(page, language)
    _goto(page, purchase_url(portal, language, email="demo@example.com"))


def bad_link(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, f"/{language}/invoices/complete?stripe_session_id=not-a-purchase")


def home(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, f"/{language}/")


def sign_in_form(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, f"/{language}/sign-in")


def sign_in_refused(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _password_step(page, language, DEMO_EMAIL, password="not-the-password")


def _signed_in(page: Page, language: str) -> None:
    sign_in_in_chromium(page, language)
    _settle(page)


def _password_step(page: Page, language: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"/{language}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    _click_and_load(page)


def sign_in_code(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _password_step(page, language, "demo-2fa@example.com")


def password_reset_required(
    page: Page, portal: str, language: str, settings: SettingsWrapper
) -> None:
    _password_step(page, language, "demo-reset@example.com")


def my_invoices(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _signed_in(page, language)


def invoice(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _signed_in(page, language)
    _click_and_load(page, "table.invoices th a >> nth=0")


def password_forgot(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, f"/{language}/sign-in")
    _click_and_load(page, f'a[href="/{language}/password/forgot"]')


def password_sent(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    password_forgot(page, portal, language, settings)
    page.fill("input[name=email]", DEMO_EMAIL)
    _click_and_load(page)


def _reset_link(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    password_sent(page, portal, language, settings)
    _goto(page, "/sandbox/outbox")
    link = page.locator('article.email a[href*="/user/resetPassword?token="]').first
    _goto(page, link.get_attribute("href") or "")


def password_reset(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _reset_link(page, portal, language, settings)


def password_refused(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    # The location's policy refuses it: the upstream's Errors, in the page's language.
    _reset_link(page, portal, language, settings)
    page.fill("input[name=password]", "short")
    page.fill("input[name=password_again]", "short")
    _click_and_load(page)


def password_link_invalid(
    page: Page, portal: str, language: str, settings: SettingsWrapper
) -> None:
    _goto(page, f"/{language}/user/resetPassword?token=not-a-token!")


def page_not_found(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    _goto(page, f"/{language}/no-such-page/")


def unknown_host(page: Page, portal: str, language: str, settings: SettingsWrapper) -> None:
    """A brand serves 127.0.0.1 only; the portal is reached as localhost."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    brand, _created = Brand.objects.get_or_create(slug="canal", upstream_url=f"{portal}/sandbox")
    BrandHost.objects.get_or_create(brand=brand, host="127.0.0.1")
    _goto(page, f"/{language}/")


STATES: list[State] = [
    paid,
    paid_signed_in,
    pending,
    pending_too_long,
    failed,
    already_used,
    not_found,
    unavailable,
    bad_link,
    elsewhere,
    home,
    sign_in_form,
    sign_in_refused,
    sign_in_code,
    password_reset_required,
    my_invoices,
    invoice,
    password_forgot,
    password_sent,
    password_reset,
    password_refused,
    password_link_invalid,
    page_not_found,
    unknown_host,
]


@pytest.fixture
def axe_page(chromium: Browser, portal: str) -> Iterator[Page]:
    # axe is injected as a script, which the portal's CSP rightly refuses: bypassed here only.
    context = chromium.new_context(viewport=DESKTOP, base_url=portal, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("state", STATES, ids=lambda state: state.__name__)
def test_no_wcag_violation_in_any_language_or_width(
    axe_page: Page,
    portal: str,
    demo_customer: object,
    settings: SettingsWrapper,
    state: State,
) -> None:
    # A support address on every page that shows one, long enough to test a phone's width.
    settings.BRAND_SUPPORT_EMAIL = "customer-support@canal-street-coworking.example"
    found: dict[str, list[str]] = {}
    for language in LANGUAGES:
        axe_page.set_viewport_size(DESKTOP)
        state(axe_page, portal, language, settings)
        assert axe_page.locator(f'html[lang="{language}"]').count() == 1, language
        # One page load, resized: each width must fit (document.documentElement.scrollWidth).
        for width in PHONE_WIDTHS:
            axe_page.set_viewport_size({"width": width, "height": MOBILE["height"]})
            found[f"{language} {width} px"] = overflow(axe_page, width)
        for name, size in (("desktop", DESKTOP), ("mobile", MOBILE)):
            axe_page.set_viewport_size(size)
            found[f"{language} {name}"] = axe_violations(axe_page)
            if language == "en":
                screenshot(axe_page, f"{state.__name__.replace('_', '-')}-{name}")
        axe_page.context.clear_cookies()
    assert len(found) == 4 * (2 + len(PHONE_WIDTHS))
    assert {key: value for key, value in found.items() if value} == {}


def test_the_check_finds_what_it_is_there_to_find(axe_page: Page) -> None:
    """The sweep's checks can fail: a page with an unlabelled field, an image without a text
    and a line wider than a phone."""
    axe_page.set_content(
        '<html lang="en"><head><title>Broken</title></head><body><main><h1>Broken</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
        '<p style="white-space: nowrap">' + "wide " * 200 + "</p></main></body></html>"
    )
    rules = {violation.split(":")[0] for violation in axe_violations(axe_page)}
    assert {"image-alt", "label"} <= rules
    axe_page.set_viewport_size({"width": PHONE_WIDTHS[0], "height": MOBILE["height"]})
    assert overflow(axe_page, PHONE_WIDTHS[0])


def overflow(page: Page, width: int) -> list[str]:
    """Empty when the page fits `width`; else its scroll width and what sticks out."""
    scroll_width = int(page.evaluate("document.documentElement.scrollWidth"))
    if scroll_width <= width:
        return []
    wide = page.evaluate(
        """(width) => [...document.body.querySelectorAll("*")]
            .filter((e) => e.getBoundingClientRect().right > width + 0.5)
            .slice(-5)
            .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
                 + " " + Math.round(e.getBoundingClientRect().right) + " px: "
                 + (e.textContent || "").trim().slice(0, 30))""",
        width,
    )
    return [f"scrollWidth {scroll_width} px", *(str(item) for item in wide)]

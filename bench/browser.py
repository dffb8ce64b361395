"""Headless Chromium (Debian's package, driven by Playwright): how long after navigation the
completion page shows its PDF link, on the first visit and on a reload."""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import dataclass

from playwright.sync_api import Page, sync_playwright

from tests.helpers.harness import CHROMIUM_ARGUMENTS

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PDF_LINK = "a[href*='pdfByToken']"

# Runs in every document before its own scripts: from the first animation frame on, looks for
# the PDF link each frame and notes when it is first rendered (present and visible), on the
# page's own clock, whose zero is the start of the navigation (the gateway's redirect
# included). Frame-accurate: a frame is about 16 ms.
WATCH = """
(() => {
  const look = (now) => {
    const link = document.querySelector(SELECTOR);
    if (link !== null && link.checkVisibility()) {
      window.__pdfLinkVisibleAt = now;
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
""".replace("SELECTOR", json.dumps(PDF_LINK))

READ = """() => ({
  visible: window.__pdfLinkVisibleAt,
  response: performance.getEntriesByType("navigation")[0].responseEnd,
})"""


@dataclass(frozen=True)
class Visit:
    """Milliseconds after the navigation started."""

    # The page's last byte has arrived (a first visit: after the gateway's 303 and the page).
    response_end: float
    link_visible: float

    @classmethod
    def read(cls, page: Page) -> Visit:
        """Waits until the page has rendered its PDF link, then reads both times."""
        page.wait_for_function("() => window.__pdfLinkVisibleAt !== undefined", timeout=30_000)
        found = page.evaluate(READ)
        return cls(response_end=float(found["response"]), link_visible=float(found["visible"]))


@dataclass(frozen=True)
class Timings:
    chromium: str
    first_visits: list[Visit]
    reloads: list[Visit]
    # Resources Chromium counted as render-blocking on the first visit (the stylesheet).
    render_blocking: list[str]

    @staticmethod
    def median(visits: list[Visit], field: str) -> float:
        return statistics.median(float(getattr(visit, field)) for visit in visits)


def measure(completion_urls: list[str]) -> Timings:
    """Opens each gateway return URL in a new browser profile, then reloads the page."""
    first_visits, reloads = [], []
    render_blocking: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGUMENTS)
        try:
            for url in completion_urls:
                context = browser.new_context()
                context.add_init_script(WATCH)
                page = context.new_page()
                page.goto(url, wait_until="commit")
                first_visits.append(Visit.read(page))
                render_blocking = page.evaluate(
                    """() => performance.getEntriesByType("resource")
                        .filter((entry) => entry.renderBlockingStatus === "blocking")
                        .map((entry) => new URL(entry.name).pathname)"""
                )
                page.reload(wait_until="commit")
                reloads.append(Visit.read(page))
                context.close()
            version = browser.version
        finally:
            browser.close()
    return Timings(
        chromium=version,
        first_visits=first_visits,
        reloads=reloads,
        render_blocking=[str(path) for path in render_blocking],
    )

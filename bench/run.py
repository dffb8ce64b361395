"""`make bench`: every page against a bare Django view, measured in one run, and the budgets of
docs/performance.md checked. Exits 1 when a budget is missed, 2 when a measurement failed.

Figures are ratios against a baseline measured in the same run on the same machine, so that
they hold on a machine shared with other work; the absolute figures are printed for context.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import requests

from bench import browser, load, stack, wire
from bench.pages import (
    BASELINE,
    COMPLETE,
    FIRST_VISIT,
    FLOOR,
    FRAGMENT,
    HTMX,
    MY_INVOICES,
    PDF_REDIRECT,
    RELOAD,
    Measured,
    Scenario,
    Sizes,
)
from bench.report import report
from harness import demo_sign_in


@dataclass
class Prepared:
    reload_session: str
    first_response_session: str
    browser_urls: list[str]
    # Fresh sessions for each run of the first visit: warm-up and measured run of each round.
    first_visit_files: list[Path]
    customer_session: str
    fragment_path: str


class _Tags(HTMLParser):
    """Stylesheets and scripts of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.blocking_scripts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(str(attributes.get("href")))
        if tag == "script":
            kind = attributes.get("type") or "text/javascript"
            runs = kind in ("text/javascript", "module", "application/javascript")
            # A classic script without defer or async stops the parser until it has run.
            if runs and kind != "module" and not {"defer", "async"} & attributes.keys():
                self.blocking_scripts.append(str(attributes.get("src") or "inline script"))


def _landing(url: str) -> str:
    """Opens a gateway return URL as the buyer's browser does: answers the session key."""
    answer = requests.get(url, allow_redirects=False, timeout=30)
    if answer.status_code != 303:
        raise RuntimeError(f"the completion link answered {answer.status_code}, not 303")
    return str(answer.cookies["sessionid"])


def _sign_in(portal: str) -> tuple[str, str]:
    """Signs the demo customer in; answers the session key and the links fragment's path."""
    with requests.Session() as browser_session:
        demo_sign_in(browser_session, portal)
        listing = browser_session.get(f"{portal}/en/invoices/", timeout=30).text
        poller = re.search(r'data-media-links[^>]*hx-get="([^"]+)"', listing)
        if poller is None:
            raise RuntimeError("signing in did not reach My Invoices")
        return str(browser_session.cookies["sessionid"]), unescape(poller.group(1))


def prepare(servers: stack.Stack, tmp: Path, *, first_visits: int, browser_runs: int) -> Prepared:
    total = 2 + browser_runs + first_visits
    urls = servers.sandbox.python("-m", "bench.purchases", str(total)).split()
    reload_session = _landing(urls[0])
    page = wire.get(servers.portal.port, COMPLETE, {"Cookie": f"sessionid={reload_session}"})
    if page.status != 200 or "Thank you" not in page.text:
        raise RuntimeError(f"the completion page answered {page.status} without thanks")
    with ThreadPoolExecutor(max_workers=8) as pool:
        sessions = list(pool.map(_landing, urls[2 + browser_runs :]))
    # Every run gets its own, in proportion to its duration.
    settings = load.settings_from_environment()
    durations = [settings.warmup_seconds, settings.seconds] * settings.rounds
    files, start = [], 0
    for index, seconds in enumerate(durations):
        end = start + round(len(sessions) * seconds / sum(durations))
        files.append(tmp / f"first-visits-{index}.txt")
        files[-1].write_text("\n".join(sessions[start:end]) + "\n")
        start = end
    customer_session, fragment_path = _sign_in(servers.portal.url)
    return Prepared(
        reload_session=reload_session,
        first_response_session=_landing(urls[1]),
        browser_urls=urls[2 : 2 + browser_runs],
        first_visit_files=files,
        customer_session=customer_session,
        fragment_path=fragment_path,
    )


def scenarios(prepared: Prepared) -> list[Scenario]:
    """In the order they run in each round: the budgeted pages next to the baseline, and the
    pages that keep the sandbox busy (its writes, its JSON) last."""
    customer = {"Cookie": f"sessionid={prepared.customer_session}"}
    return [
        Scenario(FLOOR, "/bench/baseline", shows="ok"),
        Scenario(
            BASELINE,
            "/bench/baseline",
            {"Cookie": f"sessionid={prepared.reload_session}"},
            shows="ok",
            view="bench/views.py:baseline",
        ),
        Scenario(
            RELOAD,
            COMPLETE,
            {"Cookie": f"sessionid={prepared.reload_session}"},
            shows="Thank you",
            view="checkout/views.py:complete",
        ),
        Scenario(
            FRAGMENT,
            prepared.fragment_path,
            {**customer, **HTMX},
            shows="data-refresh-in",
            view="invoices/views.py:links",
        ),
        Scenario(PDF_REDIRECT, "/en/invoices/1/pdf", customer, status=302),
        Scenario(MY_INVOICES, "/en/invoices/", customer, shows="pdf-link-"),
        Scenario(FIRST_VISIT, COMPLETE, first_visits=True),
    ]


def profile(servers: stack.Stack, scenario: Scenario) -> str:
    """bench.profile in the portal's environment, with the page's session and headers."""
    headers = {**scenario.headers, "Accept-Encoding": wire.ACCEPT_ENCODING}
    session = headers.pop("Cookie").removeprefix("sessionid=")
    return servers.portal.python(
        "-m",
        "bench.profile",
        scenario.path,
        session,
        scenario.view,
        *(f"{name}:{value}" for name, value in headers.items()),
    )


def measure(
    servers: stack.Stack, measured: Measured, prepared: Prepared, tmp: Path, round_index: int
) -> load.Load:
    """One round of one page: a warm-up, then the measured run."""
    settings = load.settings_from_environment()
    scenario = measured.scenario
    url = servers.portal.url + scenario.path
    if not scenario.first_visits and round_index == 0:
        answer = wire.get(servers.portal.port, scenario.path, scenario.headers)
        if answer.status != scenario.status or scenario.shows not in answer.text:
            raise RuntimeError(f"{scenario.name}: answered {answer.status} before the load")
    lua = load.script(tmp, first_visit=scenario.first_visits)

    def run(seconds: float, index: int) -> load.Load:
        sessions = prepared.first_visit_files[index]
        arguments = (str(sessions), str(settings.threads)) if scenario.first_visits else ()
        return load.run(
            url,
            seconds=seconds,
            settings=settings,
            lua=lua,
            headers=scenario.headers,
            lua_args=arguments,
        )

    # Warm: every worker has rendered the page and holds its upstream connections.
    run(settings.warmup_seconds, 2 * round_index)
    before = servers.connections_opened()
    done = run(settings.seconds, 2 * round_index + 1)
    measured.runs.append(done)
    measured.connections.append(servers.connections_opened() - before)
    return done


def sizes(servers: stack.Stack, prepared: Prepared) -> Sizes:
    port = servers.portal.port
    html = wire.get(port, COMPLETE, {"Cookie": f"sessionid={prepared.first_response_session}"})
    if html.status != 200 or "Thank you" not in html.text:
        raise RuntimeError(f"the first visit answered {html.status} without thanks")
    tags = _Tags(html.text)
    fragment = wire.get(
        port, prepared.fragment_path, {"Cookie": f"sessionid={prepared.customer_session}", **HTMX}
    )
    if fragment.status != 200:
        raise RuntimeError(f"the links fragment answered {fragment.status}")
    return Sizes(
        html=html,
        stylesheets={href: wire.get(port, href) for href in tags.stylesheets},
        blocking_scripts=tags.blocking_scripts,
        fragment=fragment,
    )


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    started = time.monotonic()
    first_visits = int(load.number("BENCH_FIRST_VISITS", 2500))
    browser_runs = int(load.number("BENCH_BROWSER_RUNS", 5))
    load.wrk_version()
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
        tmp = Path(folder)
        try:
            _say("Starting the sandbox and the portal under gunicorn…")
            with stack.running(tmp) as servers:
                _say(f"Preparing {first_visits + browser_runs + 2:,} purchases and a customer…")
                prepared = prepare(
                    servers, tmp, first_visits=first_visits, browser_runs=browser_runs
                )
                found = sizes(servers, prepared)
                _say(f"Headless Chromium, {browser_runs} first visits and reloads…")
                timings = browser.measure(prepared.browser_urls)
                results = {s.name: Measured(s) for s in scenarios(prepared)}
                for round_index in range(load.settings_from_environment().rounds):
                    _say(f"Round {round_index + 1}:")
                    for measured in results.values():
                        done = measure(servers, measured, prepared, tmp, round_index)
                        _say(f"  {measured.scenario.name}: {done.per_second:,.0f} requests/s")
                opened = servers.connections_opened()
                _say("Sandbox PDFs…")
                pdf = json.loads(servers.sandbox.python("-m", "bench.pdf_timing"))
                _say("Profiles…")
                profiles = [
                    profile(servers, m.scenario) for m in results.values() if m.scenario.view
                ]
                problems = [
                    f"{m.scenario.name}: {run.status_errors} error answers, "
                    f"{run.socket_errors} socket errors, {run.reused} sessions reused"
                    for m in results.values()
                    for run in m.runs
                    if run.status_errors or run.socket_errors or run.reused
                ]
                took = time.monotonic() - started
                checked = report(servers, results, found, timings, pdf, profiles, opened, took)
        except RuntimeError as error:
            sys.stderr.write(f"make bench: {error}\n")
            return 2
    if problems:
        sys.stderr.write("Measurements not valid:\n" + "\n".join(problems) + "\n")
        return 2
    missed = [check for check in checked if not check.met]
    for check in missed:
        sys.stdout.write(f"MISSED: {check.figure}: {check.measured}, budget {check.budget}\n")
    if not missed:
        sys.stdout.write("Every budget met.\n")
    return 1 if missed else 0

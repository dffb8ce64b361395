"""`make bench`: every page against a bare Django view, measured in one run, then each page that
calls the upstream with and without a round trip added (bench/latency.py), and the budgets of
docs/performance.md checked. Exits 1 when a budget is missed, 2 when a measurement failed.

Figures are ratios against a baseline measured in the same run on the same machine, so that
they hold on a machine shared with other work; the absolute figures are printed for context.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

from bench import browser, latency, load, payday, stack, wire
from bench.pages import (
    COMPLETE,
    HTMX,
    Check,
    Measured,
    Scenario,
    Sizes,
    table,
)
from bench.prepare import Prepared, latency_scenarios, prepare, scenarios
from bench.report import report


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
    if round_index == 0:
        scenario.check(servers.portal.port)

    def run(seconds: float, index: int) -> load.Load:
        return scenario.drive(
            servers.portal.url,
            settings=settings,
            seconds=seconds,
            tmp=tmp,
            sessions=prepared.first_visit_files[index],
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


def _warnings(log: Path, most: int = 10) -> list[str]:
    """The last warnings and errors of a server's log (its lines mask tokens), to see why."""
    lines = log.read_text(errors="replace").splitlines()
    found = [line for line in lines if " WARNING " in line or " ERROR " in line]
    return [f"{log.stem}: {line}" for line in found[-most:]]


_STARTED = time.monotonic()


def _say(line: str) -> None:
    """A line of progress, after the seconds since the run started."""
    sys.stdout.write(f"{time.monotonic() - _STARTED:4.0f} s  {line}\n")
    sys.stdout.flush()


def main() -> int:
    started = time.monotonic()
    first_visits = int(load.number("BENCH_FIRST_VISITS", 2500))
    latency_visits = int(load.number("BENCH_LATENCY_FIRST_VISITS", 2400))
    browser_runs = int(load.number("BENCH_BROWSER_RUNS", 5))
    load.wrk_version()
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
        tmp = Path(folder)
        try:
            _say("Starting the sandbox and the portal under gunicorn…")
            with stack.running(tmp) as servers:
                purchases = first_visits + latency_visits + browser_runs + 2
                _say(f"Preparing {purchases:,} purchases and a customer…")
                prepared = prepare(
                    servers,
                    tmp,
                    first_visits=first_visits,
                    latency_visits=latency_visits,
                    browser_runs=browser_runs,
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
                pairs = latency.measure(
                    servers,
                    latency_scenarios(prepared),
                    latency.settings_from_environment(),
                    tmp=tmp,
                    first_visit_files=iter(prepared.latency_visit_files),
                    say=_say,
                )
                opened = servers.connections_opened()
                reopened = servers.connections_reopened()
                _say("Sandbox PDFs…")
                pdf = json.loads(servers.sandbox.python("-m", "bench.pdf_timing"))
                _say("Profiles…")
                profiles = [
                    profile(servers, m.scenario) for m in results.values() if m.scenario.view
                ]
                runs = [(m.scenario.name, run) for m in results.values() for run in m.runs]
                runs += [
                    (f"{pair.scenario.name}, +{ms:g} ms", run)
                    for pair in pairs
                    for ms, measured in pair.runs.items()
                    for run in measured
                ]
                problems = [
                    f"{name}: {run.status_errors} error answers, "
                    f"{run.socket_errors} socket errors, {run.reused} sessions reused"
                    for name, run in runs
                    if run.status_errors or run.socket_errors or run.reused
                ]
                if problems:
                    problems += _warnings(servers.portal.log) + _warnings(servers.sandbox.log)
                if keep := os.environ.get("BENCH_LOGS"):
                    # Both servers' logs, for a closer look (their lines mask tokens).
                    for log in (servers.portal.log, servers.sandbox.log, servers.connection_log):
                        shutil.copy(log, Path(keep) / log.name)
                took = time.monotonic() - started
                checked = report(
                    servers, results, found, timings, pdf, profiles, pairs, opened, reopened, took
                )
            _say(f"Payday: {payday.BUYERS} buyers, the sandbox at its documented limits…")
            day = payday.run(tmp)
            sys.stdout.write(
                "\n".join(["", "## Payday", "", *table(["figure", "measured"], day.rows())]) + "\n"
            )
            checked.append(
                Check(
                    figure="payday: error pages",
                    budget="none",
                    measured=f"{day.error_pages}",
                    met=day.error_pages == 0 and day.registered == day.buyers,
                )
            )
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

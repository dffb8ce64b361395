"""`make bench`: every page against a bare Django view, measured in one run, and the budgets of
docs/performance.md checked. Exits 1 when a budget is missed, 2 when a measurement failed.

Figures are ratios against a baseline measured in the same run on the same machine, so that
they hold on a machine shared with other work; the absolute figures are printed for context.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import django
import requests

from bench import browser, load, stack, wire

# Budgets (issue 8, docs/performance.md).
RELOAD_MIN_RATIO = 0.5
FRAGMENT_MIN_RATIO = 0.7
FIRST_RESPONSE_MAX_BYTES = 14 * 1024
FRAGMENT_MAX_BYTES = 1024
CONNECTIONS_MAX_PER_1000 = 1.0
PDF_DRAW_MAX_MS = 20.0

# The baseline: a view that does nothing, behind the portal's middleware, for a visitor with a
# session (every page measured here has one, and the middleware loads it for any page). The
# same view without a session is shown too: what the session itself costs.
BASELINE = "baseline: a bare Django view, with a session"
FLOOR = "a bare Django view, without a session"
FIRST_VISIT = "completion page, first visit"
RELOAD = "completion page, reload"
MY_INVOICES = "My Invoices"
FRAGMENT = "links fragment"
PDF_REDIRECT = "PDF redirect"
COMPLETE = "/en/invoices/complete"
HTMX = {"HX-Request": "true", "HX-Current-URL": "/en/invoices/"}


def _number(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class Prepared:
    reload_session: str
    first_response_session: str
    browser_urls: list[str]
    # Fresh sessions for each run of the first visit: warm-up and measured run of each round.
    first_visit_files: list[Path]
    customer_session: str
    fragment_path: str


@dataclass
class Scenario:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    # For a check before the load: the status and a text the answer must have.
    status: int = 200
    shows: str = ""
    first_visits: bool = False
    # The view, for bench.profile (`file:function`); pages without one are not profiled.
    view: str = ""


@dataclass
class Measured:
    """One page's measured runs, one per round, and the upstream connections each opened."""

    scenario: Scenario
    runs: list[load.Load] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.runs)

    @property
    def per_second(self) -> float:
        return self.requests / sum(run.seconds for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def bytes_per_answer(self) -> float:
        return sum(run.bytes for run in self.runs) / max(self.requests, 1)

    @property
    def connections_per_1000(self) -> float:
        return sum(self.connections) * 1000 / max(self.requests, 1)

    def ratio(self, baseline: Measured) -> float:
        """The median over rounds of requests/s against the baseline's in the same round."""
        return statistics.median(
            run.per_second / base.per_second
            for run, base in zip(self.runs, baseline.runs, strict=True)
        )


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
        form = browser_session.get(f"{portal}/en/sign-in", timeout=30).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        if token is None:
            raise RuntimeError("no CSRF token on the sign-in page")
        browser_session.post(
            f"{portal}/en/sign-in",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "email": "demo@example.com",
                "password": "demo-password",
            },
            headers={"Referer": f"{portal}/en/sign-in"},
            timeout=30,
        )
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
    settings = _load_settings()
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


def _load_settings() -> load.Settings:
    return load.Settings(
        seconds=_number("BENCH_SECONDS", 3),
        warmup_seconds=_number("BENCH_WARMUP_SECONDS", 1),
        threads=int(_number("BENCH_THREADS", 2)),
        connections=int(_number("BENCH_CONNECTIONS", 8)),
        rounds=int(_number("BENCH_ROUNDS", 3)),
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
    settings = _load_settings()
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


@dataclass
class Sizes:
    html: wire.Answer
    stylesheets: dict[str, wire.Answer]
    blocking_scripts: list[str]
    fragment: wire.Answer

    @property
    def first_response_bytes(self) -> int:
        return self.html.wire_bytes + sum(a.wire_bytes for a in self.stylesheets.values())


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


# Report -------------------------------------------------------------------------------------


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    cpu = f"{models[0]} x {len(models)}" if models else platform.processor()
    ram = f", {int(memory.group(1)) // 1024 // 1024} GB RAM" if memory else ""
    return [
        f"CPU: {cpu} (/proc/cpuinfo){ram}; {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {metadata.version('gunicorn')}, requests {metadata.version('requests')}, "
        f"urllib3 {metadata.version('urllib3')}, {load.wrk_version()}, "
        f"Playwright {metadata.version('playwright')}",
    ]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _ms(value: float) -> str:
    return f"{value:.1f}"


@dataclass
class Check:
    figure: str
    budget: str
    measured: str
    met: bool


def checks(results: dict[str, Measured], found: Sizes, pdf: dict[str, float]) -> list[Check]:
    def ratio(name: str) -> float:
        return results[name].ratio(results[BASELINE])

    warm = max(results.values(), key=lambda measured: measured.connections_per_1000)
    fragment = found.fragment
    return [
        Check(
            "completion page on reload, requests/s",
            f"≥ {RELOAD_MIN_RATIO} x baseline",
            f"{ratio(RELOAD):.2f} x baseline",
            ratio(RELOAD) >= RELOAD_MIN_RATIO,
        ),
        Check(
            "links fragment, requests/s",
            f"≥ {FRAGMENT_MIN_RATIO} x baseline",
            f"{ratio(FRAGMENT):.2f} x baseline",
            ratio(FRAGMENT) >= FRAGMENT_MIN_RATIO,
        ),
        Check(
            "completion page's first response, HTML + CSS as sent (headers included)",
            f"≤ {FIRST_RESPONSE_MAX_BYTES:,} bytes",
            f"{found.first_response_bytes:,} bytes",
            found.first_response_bytes <= FIRST_RESPONSE_MAX_BYTES,
        ),
        Check(
            "render-blocking scripts on the completion page",
            "none",
            ", ".join(found.blocking_scripts) or "none",
            not found.blocking_scripts,
        ),
        Check(
            "one links fragment refresh, body as sent (gzip)",
            f"≤ {FRAGMENT_MAX_BYTES:,} bytes",
            f"{fragment.body_bytes:,} bytes (+ {fragment.head_bytes} of HTTP/1.1 headers)",
            fragment.body_bytes <= FRAGMENT_MAX_BYTES,
        ),
        Check(
            "new upstream connections per 1,000 pages once warm (worst page)",
            f"≤ {CONNECTIONS_MAX_PER_1000:g}",
            f"{warm.connections_per_1000:.2f} "
            f"({warm.scenario.name if warm.connections_per_1000 else 'every page'})",
            warm.connections_per_1000 <= CONNECTIONS_MAX_PER_1000,
        ),
        Check(
            f"sandbox invoice PDF drawn (median of {int(pdf['drawings'])}: 12 invoices x "
            "4 languages)",
            f"≤ {PDF_DRAW_MAX_MS:g} ms",
            f"{pdf['draw_median_ms']:.1f} ms (slowest {pdf['draw_max_ms']:.1f} ms)",
            pdf["draw_median_ms"] <= PDF_DRAW_MAX_MS,
        ),
        Check(
            "then served from the cache: drawings for "
            f"{int(pdf['requests'])} requests of one new PDF",
            "1 (the first)",
            f"{int(pdf['drawn_on_requests'])}",
            pdf["drawn_on_requests"] == 1,
        ),
    ]


def report(
    servers: stack.Stack,
    results: dict[str, Measured],
    found: Sizes,
    timings: browser.Timings,
    pdf: dict[str, float],
    profiles: list[str],
    opened: int,
    took: float,
) -> list[Check]:
    settings = _load_settings()
    out: list[str] = ["", "# make bench", ""]
    out += [f"- {line}" for line in machine()]
    out += [
        f"- Chromium {timings.chromium} (Debian's package, headless)",
        f"- Portal: gunicorn with {servers.workers} sync workers (gunicorn.conf.py), DEBUG off, "
        "SQLite sessions, in-process cache, request logging on. Sandbox: a separate gunicorn, "
        f"{stack.SANDBOX_WORKERS} gthread workers x {stack.SANDBOX_THREADS} threads, keep-alive "
        f"{stack.SANDBOX_KEEP_ALIVE_SECONDS} s.",
        f"- Load: wrk on loopback, {settings.threads} threads x {settings.connections} "
        f"connections, Accept-Encoding as Chromium sends it. {settings.rounds} rounds; in each, "
        f"every page in turn: {settings.warmup_seconds:g} s of warm-up, then "
        f"{settings.seconds:g} s measured. Whole run: {took:.0f} s.",
        "",
        "## Pages under load",
        "",
    ]
    rows = []
    for measured in results.values():
        rows.append(
            [
                measured.scenario.name,
                f"{measured.per_second:,.0f}",
                _ms(measured.p50_ms),
                _ms(measured.p99_ms),
                f"{measured.ratio(results[BASELINE]):.2f}",
                f"{measured.bytes_per_answer:,.0f}",
                f"{measured.connections_per_1000:.2f}",
            ]
        )
    out += _table(
        [
            "page",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "x baseline",
            "bytes per answer",
            "new upstream connections per 1,000",
        ],
        rows,
    )
    out += [
        "",
        "Requests/s: all rounds together. p50, p99 and x baseline: the median over rounds "
        "(x baseline: requests/s against the baseline's in the same round). Bytes per answer: "
        "status line, headers and body as sent (gzip where the portal compresses), from wrk's "
        "count of bytes read. New upstream connections: counted during the measured runs; "
        f"in the whole run, preparation and warm-ups included, the portal's {servers.workers} "
        f"workers opened {opened} (a worker's first GET and first POST "
        "each open one).",
        "",
        "## Sizes (one request each, as Chromium asks)",
        "",
    ]
    size_rows = [
        [
            "completion page HTML, first visit",
            f"{found.html.head_bytes:,}",
            f"{found.html.body_bytes:,}",
            found.html.headers.get("content-encoding", "none"),
        ]
    ]
    for href, answer in found.stylesheets.items():
        size_rows.append(
            [
                href,
                f"{answer.head_bytes:,}",
                f"{answer.body_bytes:,}",
                answer.headers.get("content-encoding", "none"),
            ]
        )
    size_rows.append(
        [
            f"links fragment ({len(found.fragment.body):,} bytes decoded)",
            f"{found.fragment.head_bytes:,}",
            f"{found.fragment.body_bytes:,}",
            found.fragment.headers.get("content-encoding", "none"),
        ]
    )
    out += _table(["answer", "header bytes", "body bytes", "encoding"], size_rows)
    median = browser.Timings.median
    out += [
        "",
        f"## Headless Chromium, completion page (median of {len(timings.first_visits)})",
        "",
    ]
    out += _table(
        ["", "response end ms", "PDF link visible ms"],
        [
            [
                label,
                _ms(median(visits, "response_end")),
                _ms(median(visits, "link_visible")),
            ]
            for label, visits in (
                ("first visit (gateway's 303 included)", timings.first_visits),
                ("reload", timings.reloads),
            )
        ],
    )
    out += [
        "",
        "Milliseconds from the start of navigation, on the page's clock; the PDF link time is "
        "the first animation frame in which it is rendered. Render-blocking resources "
        f"(Chromium): {', '.join(timings.render_blocking) or 'none'}.",
        "",
        "## Sandbox PDFs",
        "",
        f"- Drawing an invoice: median {pdf['draw_median_ms']:.1f} ms, slowest "
        f"{pdf['draw_max_ms']:.1f} ms ({int(pdf['drawings'])} drawings).",
        f"- The API, one new invoice PDF ({int(pdf['bytes']):,} bytes) asked "
        f"{int(pdf['requests'])} times: first {pdf['first_request_ms']:.1f} ms, then median "
        f"{pdf['cached_request_median_ms']:.1f} ms; drawn {int(pdf['drawn_on_requests'])} time(s).",
        "",
        "## Where a request's time goes (cProfile, in one process)",
        "",
        *profiles,
        "## Budgets",
        "",
    ]
    found_checks = checks(results, found, pdf)
    out += _table(
        ["figure", "budget", "measured", "met?"],
        [[c.figure, c.budget, c.measured, "yes" if c.met else "**no**"] for c in found_checks],
    )
    sys.stdout.write("\n".join(out) + "\n\n")
    return found_checks


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    started = time.monotonic()
    first_visits = int(_number("BENCH_FIRST_VISITS", 2500))
    browser_runs = int(_number("BENCH_BROWSER_RUNS", 5))
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
                for round_index in range(_load_settings().rounds):
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
                    if run.status_errors or run.reused
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

"""The report `make bench` prints (Markdown), and the budgets it checks."""

from __future__ import annotations

import math
import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

import django

from bench import browser, latency, load, stack
from bench.pages import BASELINE, FRAGMENT, RELOAD, Check, Measured, Sizes, table

# Budgets (issue 8, docs/performance.md).
RELOAD_MIN_RATIO = 0.5
FRAGMENT_MIN_RATIO = 0.7
FIRST_RESPONSE_MAX_BYTES = 14 * 1024
FRAGMENT_MAX_BYTES = 1024
# upstream.transport.pooled_session: one pool for GETs, one for POSTs, per process.
POOLS_PER_WORKER = 2
PDF_DRAW_MAX_MS = 20.0


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


def _ms(value: float) -> str:
    return f"{value:.1f}"


def checks(
    results: dict[str, Measured],
    found: Sizes,
    pdf: dict[str, float],
    *,
    opened: int,
    reopened: int,
    seconds: float,
    model: stack.WorkerModel,
) -> list[Check]:
    def ratio(name: str) -> float:
        return results[name].ratio(results[BASELINE])

    # A pool opens a connection only when all of its own are busy, so kept-alive pools open at
    # most as many as the calls a worker may have waiting at once; a closing upstream opens one
    # for every call (BENCH_SANDBOX_SYNC=1: thousands).
    pooled = model.workers * POOLS_PER_WORKER * model.upstream_concurrency
    # A pooled connection that the sandbox closed after its keep-alive, opened again, is
    # counted apart: each can be closed idle once per keep-alive at most. An upstream that
    # closes every connection after its answer makes every call a reopening: thousands.
    new = opened - reopened
    keep_alive = stack.SANDBOX_KEEP_ALIVE_SECONDS
    reopenable = pooled * math.ceil(seconds / keep_alive)
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
            "new upstream connections in the whole run (keep-alive: pools only grow to the "
            "calls waiting at once)",
            f"≤ {pooled} ({model.workers} workers x {POOLS_PER_WORKER} pools x "
            f"{model.upstream_concurrency})",
            f"{new:,}",
            new <= pooled,
        ),
        Check(
            f"pooled upstream connections reopened after the sandbox closed them (its "
            f"keep-alive: {keep_alive} s)",
            f"≤ {reopenable} (each pooled one once per {keep_alive} s of the run)",
            f"{reopened:,}",
            reopened <= reopenable,
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
    pairs: list[latency.Pairs],
    opened: int,
    reopened: int,
    took: float,
) -> list[Check]:
    settings = load.settings_from_environment()
    latency_settings = latency.settings_from_environment()
    out: list[str] = ["", "# make bench", ""]
    out += [f"- {line}" for line in machine()]
    out += [
        f"- Chromium {timings.chromium} (Debian's package, headless)",
        f"- Portal: gunicorn as `make serve` runs it, {servers.model} (gunicorn.conf.py), DEBUG "
        "off, SQLite, database sessions, the database cache (no CACHE_URL), request logging on. "
        f"Sandbox: a separate gunicorn, {stack.SANDBOX_WORKERS} gthread workers x "
        f"{stack.SANDBOX_THREADS} threads, keep-alive {stack.SANDBOX_KEEP_ALIVE_SECONDS} s. "
        "The portal calls it through a delay proxy (bench/delay.py) that adds nothing but in "
        "the latency section.",
        f"- Load: wrk on loopback, {settings.threads} threads x {settings.connections} "
        f"connections, Accept-Encoding as Chromium sends it. {settings.rounds} rounds; in each, "
        f"every page in turn: {settings.warmup_seconds:g} s of warm-up, then "
        f"{settings.seconds:g} s measured. Whole run: {took:.0f} s; load average at its end "
        f"(1, 5, 15 min): {', '.join(f'{value:.1f}' for value in os.getloadavg())}.",
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
    out += table(
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
        "in the whole run, preparation, warm-ups and latency pairs included, the portal's "
        f"{servers.model.workers} workers opened {opened - reopened} (a worker's pools keep one "
        "for each call it had waiting at once, at its busiest: with threads, a new peak opens "
        f"more) and reopened {reopened} that the sandbox had closed after its keep-alive.",
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
    out += table(["answer", "header bytes", "body bytes", "encoding"], size_rows)
    median = browser.Timings.median
    out += [
        "",
        f"## Headless Chromium, completion page (median of {len(timings.first_visits)})",
        "",
    ]
    out += table(
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
        *latency.section(pairs, latency_settings, str(servers.model)),
        "## Budgets",
        "",
    ]
    found_checks = checks(
        results, found, pdf, opened=opened, reopened=reopened, seconds=took, model=servers.model
    )
    found_checks += latency.checks(pairs, latency_settings)
    out += table(
        ["figure", "budget", "measured", "met?"],
        [[c.figure, c.budget, c.measured, "yes" if c.met else "**no**"] for c in found_checks],
    )
    sys.stdout.write("\n".join(out) + "\n\n")
    return found_checks

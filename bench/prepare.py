"""What a run of `make bench` needs before any load: paid purchases opened as buyers open
them (one session each), the demo customer signed in, and the pages to measure."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import requests

from bench import latency, load, stack, wire
from bench.pages import (
    BASELINE,
    COMPLETE,
    FIRST_VISIT,
    FLOOR,
    FRAGMENT,
    HTMX,
    INVOICE_DETAIL,
    MY_INVOICES,
    PDF_REDIRECT,
    RELOAD,
    Scenario,
)
from tests.helpers.harness import demo_sign_in


@dataclass
class Prepared:
    reload_session: str
    first_response_session: str
    browser_urls: list[str]
    # Fresh sessions for each run of the first visit: warm-up and measured run of each round.
    first_visit_files: list[Path]
    # The same for the latency pairs, in the order they run.
    latency_visit_files: list[Path]
    customer_session: str
    fragment_path: str


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


def _session_files(sessions: list[str], durations: list[float], path: Path) -> list[Path]:
    """The sessions shared out between runs in proportion to their durations, a file each."""
    files, start = [], 0
    for index, seconds in enumerate(durations):
        end = start + round(len(sessions) * seconds / sum(durations))
        files.append(path.with_name(f"{path.name}-{index}.txt"))
        files[-1].write_text("\n".join(sessions[start:end]) + "\n")
        start = end
    return files


def prepare(
    servers: stack.Stack, tmp: Path, *, first_visits: int, latency_visits: int, browser_runs: int
) -> Prepared:
    total = 2 + browser_runs + first_visits + latency_visits
    urls = servers.sandbox.python("-m", "bench.purchases", str(total)).split()
    reload_session = _landing(urls[0])
    page = wire.get(servers.portal.port, COMPLETE, {"Cookie": f"sessionid={reload_session}"})
    if page.status != 200 or "Thank you" not in page.text:
        raise RuntimeError(f"the completion page answered {page.status} without thanks")
    with ThreadPoolExecutor(max_workers=8) as pool:
        sessions = list(pool.map(_landing, urls[2 + browser_runs :]))
    settings = load.settings_from_environment()
    customer_session, fragment_path = _sign_in(servers.portal.url)
    return Prepared(
        reload_session=reload_session,
        first_response_session=_landing(urls[1]),
        browser_urls=urls[2 : 2 + browser_runs],
        first_visit_files=_session_files(
            sessions[:first_visits],
            [settings.warmup_seconds, settings.seconds] * settings.rounds,
            tmp / "first-visits",
        ),
        latency_visit_files=_session_files(
            sessions[first_visits:],
            latency.settings_from_environment().run_seconds(),
            tmp / "latency-first-visits",
        ),
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


def latency_scenarios(prepared: Prepared) -> list[Scenario]:
    """The pages that call the upstream: the budgeted two first. The links fragment and the PDF
    redirect call it only when their media JWT (reused for 50 s) is due."""
    pages = {scenario.name: scenario for scenario in scenarios(prepared)}
    detail = Scenario(
        INVOICE_DETAIL,
        "/en/invoices/1/",
        {"Cookie": f"sessionid={prepared.customer_session}"},
        shows="pdf-link-1",
    )
    names = (MY_INVOICES, FIRST_VISIT, INVOICE_DETAIL, FRAGMENT, PDF_REDIRECT)
    return [pages.get(name, detail) for name in names]

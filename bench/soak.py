"""`make load`: a bounded run of whole customer flows against gunicorn, with the sandbox as a
separate process (bench/stack.py), checking that nothing fails and no registration is lost or
doubled. Not a throughput benchmark (that is `make bench`): it measures correctness under
concurrency, and reports the figures it saw.

Each of CLIENTS threads is a browser of its own, for SECONDS seconds:
- most are guests: a gateway's return link, the confirmation, a reload, the PDF;
- every fourth is a customer: My Invoices, a links refresh, a PDF through the portal's redirect.
Afterwards the sandbox's database must hold exactly one registration per purchase opened, and
its access log exactly one registerByToken call for each.
"""

from __future__ import annotations

import os
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench import stack
from tests.helpers.harness import demo_sign_in

CLIENTS = int(os.environ.get("LOAD_CLIENTS", "32"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
PURCHASES = int(os.environ.get("LOAD_PURCHASES", "4000"))
# The sign-in limits count an attempt before the upstream is asked and forget it on success,
# and the count is shared by every worker: 8 customers signing in as one email from one
# address at once were 3 too many (429). One at a time, as people do.
SIGN_IN = threading.Lock()


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)


def _timed(tally: Tally, kind: str, browser: requests.Session, url: str) -> requests.Response:
    started = time.monotonic()
    answer = browser.get(url, timeout=30)
    tally.record(kind, time.monotonic() - started)
    return answer


def guest(portal: str, urls: queue.Queue[str], tally: Tally) -> None:
    url = urls.get_nowait()
    with requests.Session() as browser:
        page = _timed(tally, "completion, first visit", browser, url)
        with tally.lock:
            tally.opened.append(url.rsplit("=", 1)[-1])
        if page.status_code != 200 or "Thank you" not in page.text:
            tally.fail(f"completion {page.status_code}")
            return
        again = _timed(tally, "completion, reload", browser, page.url)
        if again.status_code != 200 or "Thank you" not in again.text:
            tally.fail(f"reload {again.status_code}")
        link = re.search(r'href="(http[^"]*pdfByToken[^"]*)"', page.text)
        if link is None:
            tally.fail("no PDF link")
            return
        pdf = _timed(tally, "guest PDF (sandbox)", browser, link.group(1).replace("&amp;", "&"))
        if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
            tally.fail(f"guest PDF {pdf.status_code}")


def customer(portal: str, tally: Tally, until: float) -> None:
    with requests.Session() as browser:
        with SIGN_IN:
            demo_sign_in(browser, portal)
        while time.monotonic() < until:
            listing = _timed(tally, "My Invoices", browser, f"{portal}/en/invoices/")
            ids = re.findall(r'href="/en/invoices/(\d+)/"', listing.text)
            if listing.status_code != 200 or not ids:
                tally.fail(f"My Invoices {listing.status_code}")
                continue
            links = _timed(
                tally, "links fragment", browser, f"{portal}/en/invoices/links?ids={','.join(ids)}"
            )
            if links.status_code != 200 or "/pdf?t=" not in links.text:
                tally.fail(f"links fragment {links.status_code}")
            pdf = _timed(tally, "PDF redirect + PDF", browser, f"{portal}/en/invoices/{ids[0]}/pdf")
            if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
                tally.fail(f"customer PDF {pdf.status_code}")


def client(index: int, portal: str, urls: queue.Queue[str], tally: Tally, until: float) -> None:
    try:
        if index % 4 == 3:
            customer(portal, tally, until)
            return
        while time.monotonic() < until:
            guest(portal, urls, tally)
    except queue.Empty:
        tally.fail("ran out of purchases: raise LOAD_PURCHASES")
    except requests.RequestException as error:
        tally.fail(f"{type(error).__name__}")


CHECK = """
import django, pathlib, sys
django.setup()
from sandbox.models import BasketSession, Customer
guids = pathlib.Path(sys.argv[1]).read_text().split()
opened = BasketSession.objects.filter(guid__in=guids)
print(opened.count(), opened.filter(registered_at__isnull=False).count(),
      Customer.objects.filter(email__startswith="guest-").count())
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as folder, stack.running(Path(folder)) as servers:
        portal = servers.portal.url
        print(f"load: {CLIENTS} clients for {SECONDS:.0f} s; portal {servers.model}")
        urls: queue.Queue[str] = queue.Queue()
        for url in servers.sandbox.python("-m", "bench.purchases", str(PURCHASES)).split():
            urls.put(url)
        tally = Tally()
        until = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=client, args=(index, portal, urls, tally, until))
            for index in range(CLIENTS)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

        opened_file = Path(folder) / "opened.txt"
        opened_file.write_text("\n".join(tally.opened))
        result = servers.sandbox.python("-c", CHECK, str(opened_file))
        found, registered, customers = (int(part) for part in result.split())
        # gunicorn.conf.py's access log: '"POST /sandbox/api/…/registerByToken" 200'.
        log = servers.sandbox.log.read_text(errors="replace")
        calls = Counter(re.findall(r'"POST [^ "]*/registerByToken" (\d{3})', log))
    requests_done = sum(len(values) for values in tally.latencies.values())
    print(f"{requests_done} requests in {elapsed:.1f} s ({requests_done / elapsed:.0f}/s)")
    print(f"{'page':<26} {'count':>6} {'p50 ms':>7} {'p99 ms':>7}")
    for kind, values in tally.latencies.items():
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"{kind:<26} {len(values):>6} {statistics.median(values) * 1000:>7.1f} "
            f"{p99 * 1000:>7.1f}"
        )
    opened = len(tally.opened)
    print(f"purchases opened {opened}, found {found}, registered {registered}")
    print(f"guest customers created {customers}; registerByToken answers {dict(calls)}")
    print(f"failures: {len(tally.failures)} {Counter(tally.failures).most_common(5)}")
    ok = (
        not tally.failures
        and found == registered == opened == customers
        and calls == Counter({"200": opened})
    )
    print("load: OK" if ok else "load: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

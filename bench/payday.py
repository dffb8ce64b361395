"""`make bench`'s payday: the sandbox at its documented limits ([docs] 10 calls a second, 120 a
minute; writes 60 a minute), the portal with its default budget of them, both under gunicorn
as `make serve` and `make sandbox` run them, and buyers landing at several times what the
tenant allows. Reports error pages (budget: none), the tenant's 409s, and the time from landing
to receipt against the floor the budget itself sets: each buyer needs two calls (the basket's
status, then registerByToken), so the last of N buyers cannot have a receipt before 2N calls
have fitted in the windows."""

from __future__ import annotations

import math
import os
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.buyers import Visit, buyer_visit
from tests.helpers.harness import free_port, portal_server, sandbox_server

BUYERS = int(os.environ.get("BENCH_PAYDAY_BUYERS", 60))
ARRIVAL_SECONDS = 4.0
CALLS_PER_BUYER = 2
PER_SECOND, PER_MINUTE = 10, 120


@dataclass(frozen=True)
class Payday:
    buyers: int
    error_pages: int
    # Each kind of error page seen: (status, headline).
    errors: set[tuple[int, str]]
    throttled: int
    registered: int
    receipts: list[float]
    floor_seconds: float

    def rows(self) -> list[list[str]]:
        ordered = sorted(self.receipts)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else math.nan
        return [
            ["buyers", f"{self.buyers}, within {ARRIVAL_SECONDS:g} s"],
            ["error pages", f"{self.error_pages} {sorted(self.errors) or ''}".strip()],
            ["409s the tenant answered", f"{self.throttled}"],
            [
                "purchases registered",
                f"{self.registered} (each once: {self.registered == self.buyers})",
            ],
            ["receipts", f"{len(self.receipts)} of {self.buyers}"],
            ["landing to receipt", _spread(ordered, p95)],
            ["floor the budget sets for the last", f"{self.floor_seconds:.1f} s"],
        ]


def _spread(ordered: list[float], p95: float) -> str:
    if not ordered:
        return "none"
    median = statistics.median(ordered)
    return f"median {median:.1f} s, p95 {p95:.1f} s, last {ordered[-1]:.1f} s"


def floor_seconds(buyers: int) -> float:
    """The earliest the last buyer's calls fit: PER_SECOND a second, PER_MINUTE a minute."""
    calls = buyers * CALLS_PER_BUYER
    minutes_full = (calls - 1) // PER_MINUTE
    within_minute = calls - minutes_full * PER_MINUTE
    return minutes_full * 60 + (within_minute - 1) / PER_SECOND


def run(tmp: Path) -> Payday:
    portal_port, sandbox_port = free_port(), free_port()
    sandbox = sandbox_server(
        sandbox_port,
        tmp / "payday-sandbox.log",
        portal_url=f"http://127.0.0.1:{portal_port}",
        database=tmp / "payday-sandbox.sqlite3",
        SANDBOX_RATE_LIMITS=f"{PER_SECOND}/s,{PER_MINUTE}/m,5000/h,200000/d",
        SANDBOX_WRITE_RATE_LIMITS="60/m",
    )
    (tmp / "payday").mkdir(exist_ok=True)
    portal = portal_server(tmp / "payday", portal_port, upstream=f"{sandbox.url}/sandbox")
    sandbox.manage("migrate", "--noinput")
    sandbox.manage("sandbox_seed")
    links = sandbox.python("-m", "bench.purchases", str(BUYERS)).split()
    with ExitStack() as stop:
        for server in (sandbox, portal):
            stop.callback(server.stop)
            server.start()
        for server in (sandbox, portal):
            server.wait_ready()

        def buyer(index: int) -> Visit:
            time.sleep(index * ARRIVAL_SECONDS / BUYERS)
            return buyer_visit(links[index], portal=portal.url, patience=300)

        with ThreadPoolExecutor(max_workers=BUYERS) as pool:
            visits = list(pool.map(buyer, range(BUYERS)))
        log = sandbox.log.read_text()
    register = r'"POST /sandbox/api/public/billing/invoices/\d+/registerByToken" 200'
    return Payday(
        buyers=BUYERS,
        error_pages=sum(len(visit.error_pages) for visit in visits),
        errors={page for visit in visits for page in visit.error_pages},
        throttled=len(re.findall(r'" 409 ', log)),
        registered=len(re.findall(register, log)),
        receipts=[v.seconds_to_receipt for v in visits if v.seconds_to_receipt is not None],
        floor_seconds=floor_seconds(BUYERS),
    )


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="portal-payday-") as folder:
        found = run(Path(folder))
    for figure, value in found.rows():
        print(f"| {figure} | {value} |")

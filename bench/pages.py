"""The pages `make bench` measures, and what one page's runs add up to."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench import load, wire

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
INVOICE_DETAIL = "invoice detail"
COMPLETE = "/en/invoices/complete"
HTMX = {"HX-Request": "true", "HX-Current-URL": "/en/invoices/"}


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

    def check(self, portal_port: int) -> None:
        """Asks once, before any load: the page must answer as expected."""
        if self.first_visits:
            return
        answer = wire.get(portal_port, self.path, self.headers)
        if answer.status != self.status or self.shows not in answer.text:
            raise RuntimeError(f"{self.name}: answered {answer.status} before the load")

    def drive(
        self,
        portal_url: str,
        *,
        settings: load.Settings,
        seconds: float,
        tmp: Path,
        sessions: Path | None = None,
    ) -> load.Load:
        """One wrk run of this page; a first visit takes its sessions from the file `sessions`,
        which no other run uses."""
        if self.first_visits and sessions is None:
            raise ValueError("a first visit needs a file of fresh sessions")
        return load.run(
            portal_url + self.path,
            seconds=seconds,
            settings=settings,
            lua=load.script(tmp, first_visit=self.first_visits),
            headers=self.headers,
            lua_args=(str(sessions), str(settings.threads)) if self.first_visits else (),
        )


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


@dataclass
class Sizes:
    html: wire.Answer
    stylesheets: dict[str, wire.Answer]
    blocking_scripts: list[str]
    fragment: wire.Answer

    @property
    def first_response_bytes(self) -> int:
        return self.html.wire_bytes + sum(a.wire_bytes for a in self.stylesheets.values())


@dataclass
class Check:
    """One budget: what it is about, the limit, what was measured and whether it held."""

    figure: str
    budget: str
    measured: str
    met: bool


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]

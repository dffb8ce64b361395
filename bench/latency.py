"""The latency pairs: each page that calls the upstream, measured with the sandbox next door
and again with a tenant's round trip added between the portal and the sandbox (bench/delay.py),
side by side in one run of the same servers.

A page that waits on the upstream costs no CPU while it waits, so a portal whose threads are
enough keeps most of its throughput when the upstream is 100 ms away; a portal that waits in
sync workers loses most of it. In each round every page runs once per added round trip, the
order reversed every other round so that a drift in the machine's other load touches both
alike; a ratio is taken within a round, and the median over rounds reported.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import load, stack
from bench.pages import FIRST_VISIT, MY_INVOICES, Check, Scenario, table

# Budgets (issue 14, docs/performance.md): throughput with BUDGET_MS added over none.
BUDGET_MS = 100.0
MIN_RATIO = 0.9
BUDGETED = (MY_INVOICES, FIRST_VISIT)


@dataclass(frozen=True)
class Settings:
    # Added round trips, besides none (BENCH_LATENCY_MS="100" or "50,100,200").
    added_ms: tuple[float, ...]
    load: load.Settings

    @property
    def round_trips(self) -> tuple[float, ...]:
        return (0.0, *self.added_ms)

    def run_seconds(self) -> list[float]:
        """Every run's duration, in the order the runs happen, for one page."""
        per_round = [self.load.warmup_seconds, self.load.seconds] * len(self.round_trips)
        return per_round * self.load.rounds


def settings_from_environment() -> Settings:
    base = load.settings_from_environment()
    added = os.environ.get("BENCH_LATENCY_MS", "100")
    return Settings(
        added_ms=tuple(float(ms) for ms in added.split(",") if float(ms) > 0),
        load=load.Settings(
            seconds=load.number("BENCH_LATENCY_SECONDS", 2),
            warmup_seconds=base.warmup_seconds,
            threads=base.threads,
            connections=int(load.number("BENCH_LATENCY_CONNECTIONS", 32)),
            rounds=int(load.number("BENCH_LATENCY_ROUNDS", 2)),
        ),
    )


@dataclass
class Pairs:
    """One page's measured runs, per added round trip (0 for none), one per round."""

    scenario: Scenario
    runs: dict[float, list[load.Load]] = field(default_factory=dict)

    def per_second(self, round_trip_ms: float) -> float:
        runs = self.runs[round_trip_ms]
        return sum(run.requests for run in runs) / sum(run.seconds for run in runs)

    def p50_ms(self, round_trip_ms: float) -> float:
        return statistics.median(run.p50_ms for run in self.runs[round_trip_ms])

    def ratio(self, round_trip_ms: float) -> float:
        """The median over rounds of requests/s with `round_trip_ms` added over none (NaN
        when a run without the delay answered nothing)."""
        return statistics.median(
            slow.per_second / fast.per_second if fast.requests else math.nan
            for slow, fast in zip(self.runs[round_trip_ms], self.runs[0.0], strict=True)
        )


def measure(
    servers: stack.Stack,
    scenarios: list[Scenario],
    settings: Settings,
    *,
    tmp: Path,
    first_visit_files: Iterator[Path],
    say: Callable[[str], None],
) -> list[Pairs]:
    """Every page at every round trip, round after round; the proxy is left at none.
    `first_visit_files` gives each first visit's run (warm-ups too) its own sessions."""
    pairs = [Pairs(scenario) for scenario in scenarios]
    for scenario in scenarios:
        scenario.check(servers.portal.port)

    def run(scenario: Scenario, seconds: float) -> load.Load:
        return scenario.drive(
            servers.portal.url,
            settings=settings.load,
            seconds=seconds,
            tmp=tmp,
            sessions=next(first_visit_files) if scenario.first_visits else None,
        )

    try:
        for round_index in range(settings.load.rounds):
            say(f"Latency round {round_index + 1}:")
            order = settings.round_trips[:: 1 if round_index % 2 == 0 else -1]
            for pair in pairs:
                for round_trip_ms in order:
                    servers.proxy.round_trip_ms = round_trip_ms
                    # The other round trip's answers may still be in flight: a warm-up first.
                    run(pair.scenario, settings.load.warmup_seconds)
                    done = run(pair.scenario, settings.load.seconds)
                    pair.runs.setdefault(round_trip_ms, []).append(done)
                    say(f"  {pair.scenario.name}, +{round_trip_ms:g} ms: {done.per_second:,.0f}/s")
    finally:
        servers.proxy.round_trip_ms = 0
    return pairs


def checks(pairs: list[Pairs], settings: Settings) -> list[Check]:
    """The budget for each budgeted page, when the run added BUDGET_MS."""
    if BUDGET_MS not in settings.added_ms:
        return []
    return [
        Check(
            f"{pair.scenario.name} with {BUDGET_MS:g} ms of round trip added, requests/s "
            f"({settings.load.connections} connections)",
            f"≥ {MIN_RATIO} x its own with none",
            f"{pair.ratio(BUDGET_MS):.2f} x",
            pair.ratio(BUDGET_MS) >= MIN_RATIO,
        )
        for pair in pairs
        if pair.scenario.name in BUDGETED
    ]


def section(pairs: list[Pairs], settings: Settings, model: str) -> list[str]:
    """The report's lines (Markdown)."""
    added = settings.added_ms
    header = [
        "page",
        "requests/s, none added",
        *(f"requests/s, +{ms:g} ms" for ms in added),
        "p50 ms, none added",
        *(f"p50 ms, +{ms:g} ms" for ms in added),
        *(f"x with +{ms:g} ms" for ms in added),
    ]
    rows = [
        [
            pair.scenario.name,
            *(f"{pair.per_second(ms):,.0f}" for ms in settings.round_trips),
            *(f"{pair.p50_ms(ms):.1f}" for ms in settings.round_trips),
            *(f"{pair.ratio(ms):.2f}" for ms in added),
        ]
        for pair in pairs
    ]
    run = settings.load
    return [
        "## Latency: the sandbox a round trip away",
        "",
        f"The portal ({model}) calls the sandbox through a delay proxy (bench/delay.py) that "
        f"adds {', '.join(f'{ms:g}' for ms in added)} ms to each round trip, or nothing. wrk: "
        f"{run.threads} threads x {run.connections} connections; {run.rounds} rounds, in each "
        "every page at every round trip in turn (the order reversed every other round), "
        f"{run.warmup_seconds:g} s of warm-up then {run.seconds:g} s measured. Requests/s: all "
        "rounds together; p50 and x (requests/s with the delay over requests/s without, in "
        "the same round): the median over rounds.",
        "",
        *table(header, rows),
        "",
    ]

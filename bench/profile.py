"""Run in the portal's environment: `python -m bench.profile PATH SESSION VIEW [NAME:VALUE ...]`
requests PATH in this process (Django's test client, the portal's settings and database) with
the session SESSION and the headers given, under cProfile, and prints where a request's time
goes; VIEW (`checkout/views.py:complete`, or `-`) names the view function. `make bench` runs it
for the budgeted pages and the baseline when BENCH_PROFILE=1.

cProfile slows Python code more than C code (SQLite, zlib), so the shares are approximate;
what it is good at is showing which parts of a page are worth working on.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

import django

WARM_UP = 50
REQUESTS = 300
WHOLE = ("core/handlers/base.py", "get_response")
SESSION = ("sessions/backends/db.py", "load")
# Parts of the view: (label, file suffix, function name).
VIEW_PARTS = [
    ("template rendering", "template/backends/django.py", "render"),
    ("context processors (in the rendering)", "template/context.py", "bind_template"),
    ("gzip", "utils/text.py", "compress_string"),
]


def main() -> None:
    django.setup()
    from django.test import Client

    path, session, view, *headers = sys.argv[1:]
    extra = dict(header.split(":", 1) for header in headers)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session
    for _ in range(WARM_UP):
        answer = client.get(path, headers=extra)
    if answer.status_code >= 400:
        raise SystemExit(f"{path} answered {answer.status_code}")
    started = time.perf_counter()
    for _ in range(REQUESTS):
        client.get(path, headers=extra)
    plain_ms = (time.perf_counter() - started) * 1000 / REQUESTS
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(REQUESTS):
        client.get(path, headers=extra)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _line, name), (_calls, _primitive, _total, spent, _callers) in stats.items():
        key = (filename, name)
        cumulative[key] = max(cumulative.get(key, 0.0), spent)

    def part(suffix: str, name: str) -> float:
        return sum(
            spent
            for (filename, function), spent in cumulative.items()
            if filename.endswith(suffix) and function == name
        )

    whole = part(*WHOLE)
    session_load = part(*SESSION)
    in_view = part(*view.rsplit(":", 1)) if view != "-" else 0.0
    lines = [
        f"{path}: {plain_ms:.2f} ms a request in this process without the profiler; under it:",
        f"- session load (database): {session_load / whole:.0%}",
        f"- middleware, URL resolving and the handler: {1 - (session_load + in_view) / whole:.0%}",
    ]
    parts = [(label, part(suffix, name)) for label, suffix, name in VIEW_PARTS]
    parts = [(label, spent) for label, spent in parts if spent]
    if in_view:
        lines.append(f"- the view: {in_view / whole:.0%}" + (", of which" if parts else ""))
        lines += [f"  - {label}: {spent / whole:.0%}" for label, spent in parts]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

"""What the client counts for operators (docs/operations.md): calls by endpoint and outcome,
the upstream's throttling answers, and the time calls wait for room in the budget.

prometheus-client keeps them per process, or, with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py
sets it when metrics are on), in files that /metrics sums across every worker.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Histogram

CALLS = Counter(
    "portal_upstream_calls",
    "Upstream calls by endpoint and outcome: the status, or unavailable, unexpected, "
    "not_sent (the page's upstream had failed) and budget_spent (no room in time)",
    ["endpoint", "outcome"],
)
THROTTLED = Counter(
    "portal_upstream_throttled",
    "Upstream answers that throttled the portal (409 or 429 with Retry-After)",
)
BUDGET_WAIT = Histogram(
    "portal_upstream_budget_wait_seconds",
    "Time each upstream call waited for room in the tenant's budget",
    ["priority"],
    buckets=(0.0, 0.05, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
_ID = re.compile(r"/\d+(?=/|$)")


def endpoint_name(path: str) -> str:
    """The path with its ids as `{id}`: one series per endpoint, not per invoice."""
    return _ID.sub("/{id}", path)

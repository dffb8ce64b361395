"""gunicorn settings for `make serve` and production (docs/deploy.md)."""

import math
import multiprocessing
import os
import tempfile
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Read after the line above: the settings module must be known first.
from django.conf import settings

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Metrics on (portal/metrics.py): every worker writes its figures into one folder, which
# /metrics sums, emptied at each start so that no earlier run's figures are counted.
if settings.METRICS_TOKEN or settings.METRICS_ALLOWED_ADDRESSES:
    _metrics_dir = os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="portal-metrics-")
    )
    os.makedirs(_metrics_dir, exist_ok=True)
    for _name in os.listdir(_metrics_dir):
        if _name.endswith(".db"):
            os.remove(os.path.join(_metrics_dir, _name))


def child_exit(server: object, worker: Any) -> None:
    """A worker's gauges leave with it (prometheus-client's multiprocess mode)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


# Threads, not sync workers: a page spends most of its time waiting on the upstream, and a
# waiting thread costs no CPU (docs/performance.md, "Latency": with 100 ms of upstream latency
# threads kept 0.98-1.07 x of the throughput, sync workers 0.26-0.35 x). WEB_CONCURRENCY is
# read by gunicorn.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = settings.GUNICORN_THREADS
# Longer than any upstream call can take (upstream/deadline.py), so a page always ends
# in its own clear answer first; for threaded workers this is the heartbeat of the process.
timeout = math.ceil(settings.UPSTREAM_CONNECT_TIMEOUT + 2 * settings.UPSTREAM_READ_TIMEOUT) + 11
graceful_timeout = 20
# No control socket (gunicorn 25 and later open one in $HOME, the data volume in the image):
# nothing here uses it.
control_socket_disable = True
accesslog = "-"
# %(U)s is the path without the query string: completion and PDF URLs carry tokens there.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s'
# Forwarded headers (X-Forwarded-Proto) only with BEHIND_PROXY on, as the settings trust them,
# and only from the proxy; otherwise from nobody, loopback included.
_proxies = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
forwarded_allow_ips = _proxies if settings.BEHIND_PROXY else ""

# gunicorn's own error log names the request line of a failing request, query string included:
# the portal's mask filter (standard library only) runs on every gunicorn record too.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # Then one line a record: a decoded path's newlines and escapes written as \xNN.
    "filters": {
        "mask_secrets": {"()": "portal.logging.MaskSecretsFilter"},
        "one_line": {"()": "portal.logging.OneLineFilter"},
    },
    "handlers": {
        # gunicorn's own layout and streams: access lines to stdout, its error log to stderr
        # in its "generic" format (gunicorn merges this dict over its defaults).
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_secrets", "one_line"],
            "stream": "ext://sys.stdout",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["mask_secrets", "one_line"],
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def when_ready(server: object) -> None:
    """Says once, at start, when the sandbox is mounted (SANDBOX_ENABLED) in a production-shape
    server: a demo upstream whose outbox shows every password link, never for production."""
    if settings.SANDBOX_ENABLED:
        server.log.warning(  # type: ignore[attr-defined]
            "SANDBOX_ENABLED: the sandbox upstream is mounted at /sandbox/, with an outbox "
            "that shows every password link it sends. A demo, never production."
        )

"""gunicorn settings for `make serve` and production (docs/deploy.md)."""

import multiprocessing
import os

import environ

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# gunicorn's rule of thumb, overridable with WEB_CONCURRENCY (which gunicorn reads itself).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 20
accesslog = "-"
# %(U)s is the path without the query string: completion and PDF URLs carry tokens there.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s'
# X-Forwarded-Proto is trusted (from FORWARDED_ALLOW_IPS) only with BEHIND_PROXY on, as the
# settings trust it; otherwise from nobody, loopback included.
_behind_proxy = environ.Env().bool("BEHIND_PROXY", default=False)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1") if _behind_proxy else ""

# gunicorn's own error log names the request line of a failing request, query string included:
# the portal's mask filter (standard library only) runs on every gunicorn record too.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "portal.logging.MaskSecretsFilter"}},
    "handlers": {
        # gunicorn's own layout and streams: access lines to stdout, its error log to stderr
        # in its "generic" format (gunicorn merges this dict over its defaults).
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_secrets"],
            "stream": "ext://sys.stdout",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["mask_secrets"],
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

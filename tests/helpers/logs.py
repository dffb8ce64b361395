"""What the portal's configured log handler writes (settings.LOGGING's console handler, the
one every logger of the portal and of Django writes through), captured for a test."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

from portal.logging import MaskSecretsFilter


@contextlib.contextmanager
def console_output() -> Iterator[io.StringIO]:
    # pytest adds capture handlers of its own; the configured one carries the masking filter.
    handlers = {
        handler
        for name in ("", "django")
        for handler in logging.getLogger(name).handlers
        if any(isinstance(f, MaskSecretsFilter) for f in handler.filters)
    }
    assert len(handlers) == 1
    handler = handlers.pop()
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)

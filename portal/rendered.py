"""Pages kept rendered: the same HTML for every request with the same inputs, except a few
values of the request's own (its CSP nonce, its CSRF token, a media JWT). Each process renders
such a page once, keeps it with those values taken out, and serves it again with the request's
own put back: Django's template language was most of these pages' time (docs/performance.md).

A kept page is keyed by everything it shows: the template, the view's context, the language,
the script prefix, the path and query (the language links), the day (an invoice's status) and
the caller's `inputs` (the brand, the business, the customer). Values made only if shown (the
brand's look) are checked again on each reuse. Templates, themes' too, may show these and the
context processors' values, not other request data (headers, the time of day).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.contrib.messages import get_messages
from django.dispatch import receiver
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.test.signals import setting_changed
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.functional import Promise, SimpleLazyObject

# Per process, the oldest dropped first: a page is 1-7 KB.
PAGES_KEPT = 500
# Values put back as they are: unchanged by HTML escaping and URL quoting alike.
_AS_IS = re.compile(r"[A-Za-z0-9._~-]{16,}")
# A run of a value of the request's own still in a page once the value was taken out: the
# page wrote it some other way (escaped, encoded), so it is not kept.
_TRACE = re.compile(r"[A-Za-z0-9]{8,}")

# key: (HTML with markers for the request's own values, their names, the lazy values shown)
_kept: dict[str, tuple[str, tuple[str, ...], dict[str, object]]] = {}
_lock = threading.Lock()


def _marker(name: str) -> str:
    return f"\x00{name}\x00"


def page_kept(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    inputs: tuple[object, ...],
    lazily: Mapping[str, Callable[[], object]] | None = None,
    values: Mapping[str, str] | None = None,
) -> str:
    """`template` rendered for `request` with `context`, or kept from an earlier request with
    the same key. `lazily`: context values made only if the template shows them; a kept page
    is reused while those it showed are equal. `values`: the request's own values that the
    context holds (by name), each written into the page as it is; the CSRF token and the CSP
    nonce are found by themselves.
    """
    lazily = lazily or {}
    own = dict(values or {})
    # A message waiting for this request (the layout shows them) is its own: neither kept
    # for others nor left unread under a page served from memory.
    if len(get_messages(request)) or not all(_AS_IS.fullmatch(v) for v in own.values()):
        return render_to_string(template, context, request)
    given = {name: str(v) if isinstance(v, Promise) else v for name, v in context.items()}
    identity = repr(
        (
            template,
            inputs,
            given,
            translation.get_language(),
            get_script_prefix(),
            request.get_full_path(),
            timezone.localdate(),
        )
    )
    for name, value in own.items():
        identity = identity.replace(value, _marker(name))
    key = hashlib.sha256(identity.encode()).hexdigest()
    with _lock:
        kept = _kept.get(key)
    if kept is not None and all(
        name in lazily and lazily[name]() == value for name, value in kept[2].items()
    ):
        html, names, _shown = kept
        for name in names:
            html = html.replace(_marker(name), _own_value(request, name, own))
        return html
    made: list[str] = []
    shown_lazily: dict[str, object] = {}

    def made_lazily(name: str) -> object:
        shown_lazily[name] = lazily[name]()
        return shown_lazily[name]

    def csrf_token() -> str:
        # As Django's csrf context processor: one token per page, made only if shown.
        if not made:
            made.append(get_token(request))
        return made[0]

    watched = {name: SimpleLazyObject(partial(made_lazily, name)) for name in lazily}
    html = render_to_string(
        template, {**context, **watched, "csrf_token": SimpleLazyObject(csrf_token)}, request
    )
    if made:
        own["csrf"] = made[0]
    nonce = getattr(request, "csp_nonce", None)
    if nonce:  # django-csp's lazy nonce is true once made
        own["nonce"] = str(nonce)
    # An object written without its values (`<… at 0x…>`) could stand for another.
    if " at 0x" not in identity:
        _keep(key, html, own, shown_lazily)
    return html


def _own_value(request: HttpRequest, name: str, values: Mapping[str, str]) -> str:
    if name == "csrf":
        return get_token(request)
    if name == "nonce":
        return str(request.csp_nonce)  # type: ignore[attr-defined]
    return values[name]


def _keep(key: str, html: str, own: Mapping[str, str], shown: dict[str, object]) -> None:
    if "\x00" in html:
        return
    for name, value in own.items():
        html = html.replace(value, _marker(name))
    if any(trace in html for value in own.values() for trace in _TRACE.findall(value)):
        return
    with _lock:
        if len(_kept) >= PAGES_KEPT:
            del _kept[next(iter(_kept))]
        _kept[key] = (html, tuple(own), shown)


def pages_forget() -> None:
    """Every page kept by this process is rendered again when next asked for."""
    with _lock:
        _kept.clear()


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    # Pages rendered under other settings (templates, themes, languages): tests only, since
    # settings are fixed otherwise.
    pages_forget()

"""The brand's languages, for every template's language switcher."""

from __future__ import annotations

from functools import lru_cache

from django.http import HttpRequest
from django.urls import get_script_prefix, translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_info

from brands.hosts import request_brand


@lru_cache(maxsize=512)
def _translated(path: str, code: str, script_prefix: str) -> str:
    """translate_url, remembered: it resolves and reverses the path for each language, which
    was a third of a page's rendering time (docs/performance.md). The answer depends only on
    the path, the language and the URLconf, which does not change while a process runs (the
    script prefix is in the key for deployments under a path). Bounded, since query strings
    are the client's to vary."""
    return translate_url(path, code)


def _language_links(request: HttpRequest) -> list[dict[str, str]]:
    """This page in each of the brand's languages (query string kept)."""
    here = request.get_full_path()
    prefix = get_script_prefix()
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": _translated(here, code, prefix),
        }
        for code in request_brand(request).languages
    ]


def languages(request: HttpRequest) -> dict[str, object]:
    """The language switcher; lazy, so fragments that show none (htmx partials) cost nothing."""
    return {"language_links": SimpleLazyObject(lambda: _language_links(request))}

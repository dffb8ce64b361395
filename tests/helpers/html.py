"""Reading what the portal answers: one HTML parser for a page or fragment (its elements, links
and the text a person reads), the CSRF token of its form, and the headers of a private page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from django.http.response import HttpResponseBase

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

# An element's attributes, and its tag name under "tag".
Element = dict[str, str | None]
# Attributes a screen reader announces: they count as text a person takes in.
_SPOKEN = ("alt", "title", "aria-label", "placeholder")
_UNSEEN = ("script", "style")


class Page(HTMLParser):
    """A page or fragment, parsed once: `elements` in document order, `by_id`, `links` as
    (href, text) pairs, and `text`, what a person reads or hears."""

    def __init__(self, source: str | bytes | Response) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.by_id: dict[str, Element] = {}
        self.links: list[tuple[str, str]] = []
        self._parts: list[str] = []
        self._unseen = 0
        self._link: tuple[str, list[str]] | None = None
        html = source if isinstance(source, str | bytes) else source.content
        self.feed(html.decode() if isinstance(html, bytes) else html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element: Element = {"tag": tag, **dict(attrs)}
        self.elements.append(element)
        if element.get("id"):
            self.by_id[str(element["id"])] = element
        if tag in _UNSEEN:
            self._unseen += 1
        self._parts.extend(value for name, value in attrs if name in _SPOKEN and value)
        if tag == "a":
            self._link = (element.get("href") or "", [])

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNSEEN:
            self._unseen -= 1
        if tag == "a" and self._link is not None:
            href, text = self._link
            self.links.append((href, " ".join("".join(text).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        if not self._unseen:
            self._parts.append(data)
        if self._link is not None:
            self._link[1].append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._parts).split())

    def having(self, attribute: str) -> list[Element]:
        """The elements that carry `attribute` (pollers: "hx-get", "data-media-links")."""
        return [element for element in self.elements if attribute in element]

    def links_named(self, text: str) -> list[str]:
        return [href for href, name in self.links if name == text]


def csrf_token(source: str | bytes | Response) -> str:
    """The CSRF token of the page's first form, as a browser would send it back."""
    for element in Page(source).elements:
        if element["tag"] == "input" and element.get("name") == "csrfmiddlewaretoken":
            return str(element["value"])
    raise AssertionError("no CSRF token on the page")


def without_nonce(html: str) -> str:
    """The page without what every answer draws anew: the CSP nonce, and the masked CSRF
    token of a form on it (the receipt's "Set your password")."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


def assert_private(response: HttpResponseBase) -> None:
    """What a page with a token or a customer's data says: no Referer to other sites (its own
    forms keep their Origin), no cache, no index."""
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]

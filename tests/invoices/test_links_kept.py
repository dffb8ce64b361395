"""The links fragment is kept rendered without its media JWT (portal.rendered): a later poll
is the same fragment with the session's current JWT, never another session's, in the page's
language; changed invoices, and a theme's look, show at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

import pytest
import responses
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from portal.rendered import pages_forget
from tests.helpers.clock import Clock
from tests.helpers.html import Page
from tests.helpers.invoices import (
    HX,
    JWT,
    JWT_2,
    LINKS,
    LIST,
    direct_link,
    mock_media,
    mock_my_invoices,
    poll_links,
    preview,
)
from tests.helpers.sign_in import sign_in
from tests.helpers.upstream import upstream_url
from upstream import endpoints

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    pages_forget()
    yield
    pages_forget()


def _rendered(response: Response) -> bool:
    """Rendered from its templates, rather than served kept."""
    return bool(response.templates)


def test_a_later_poll_is_the_kept_fragment_with_the_new_jwt(
    customer: Client, mocked: responses.RequestsMock, clock: Clock
) -> None:
    mock_my_invoices(mocked, [preview(1), preview(2)])
    mock_media(mocked, JWT, JWT_2)
    assert customer.get(LIST).status_code == 200
    first = poll_links(customer, [1, 2])
    clock.advance(51)  # a new JWT, whose refresh is again 50 s away
    later = poll_links(customer, [1, 2])
    assert _rendered(first)
    assert not _rendered(later)
    html = later.content.decode()
    assert JWT not in html
    assert html == first.content.decode().replace(JWT, JWT_2)
    assert Page(later).by_id["pdf-link-2"]["href"] == direct_link(2, JWT_2)


def test_another_session_gets_its_own_jwt(client: Client, mocked: responses.RequestsMock) -> None:
    other = Client()
    sign_in(client, mocked)
    sign_in(other, mocked)
    mock_my_invoices(mocked, [preview(1)])
    mock_media(mocked, JWT, JWT_2)
    for browser in (client, other):
        assert browser.get(LIST).status_code == 200
    first = poll_links(client, [1])
    second = poll_links(other, [1])
    assert not _rendered(second)
    assert JWT not in second.content.decode()
    assert Page(first).by_id["pdf-link-1"]["href"] == direct_link(1, JWT)
    assert Page(second).by_id["pdf-link-1"]["href"] == direct_link(1, JWT_2)


def test_each_language_has_its_own_kept_fragment(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(1)])
    mock_media(mocked)
    assert customer.get(LIST).status_code == 200
    for _ in range(2):
        english = poll_links(customer, [1]).content.decode()
        french = customer.get(LINKS.replace("/en/", "/fr/"), {"ids": "1"}, headers=HX)
        assert "View PDF" in english
        assert "Voir le PDF" in french.content.decode()
        assert "View PDF" not in french.content.decode()


def test_changed_invoices_show_at_once(customer: Client, mocked: responses.RequestsMock) -> None:
    old = mock_my_invoices(mocked, [preview(1, InvoiceNumber="INV-OLD-0001")])
    mock_media(mocked)
    assert customer.get(LIST).status_code == 200
    assert "INV-OLD-0001" in poll_links(customer, [1]).content.decode()
    mocked.remove(old)
    mock_my_invoices(mocked, [preview(1, InvoiceNumber="INV-NEW-0001")])
    assert customer.get(LIST).status_code == 200
    html = poll_links(customer, [1]).content.decode()
    assert "INV-NEW-0001" in html
    assert "INV-OLD-0001" not in html


def test_a_theme_showing_the_look_gets_the_current_one(
    customer: Client,
    mocked: responses.RequestsMock,
    settings: SettingsWrapper,
    tmp_path: Path,
) -> None:
    """A theme's fragment may show the brand's look: a kept one is served again only while
    that look is unchanged (here the upstream's colours, which the cache keeps an hour)."""
    settings.THEMES_DIR = tmp_path
    (tmp_path / "default" / "components").mkdir(parents=True)
    (tmp_path / "default" / "components" / "pdf_link.html").write_text(
        '<a id="pdf-link-{{ link.invoice_id }}" data-color="{{ look.palette.primary }}"'
        ' href="{{ link.url }}">PDF</a>'
    )
    colors = upstream_url(endpoints.business_colors(1))
    mocked.get(colors, json={"primaryColor": "#123456"})
    mock_my_invoices(mocked, [preview(1)])
    mock_media(mocked)
    assert customer.get(LIST).status_code == 200
    first = poll_links(customer, [1])
    again = poll_links(customer, [1])
    assert not _rendered(again)
    assert Page(again).by_id["pdf-link-1"]["data-color"] == "#123456"
    mocked.replace(responses.GET, colors, json={"primaryColor": "#654321"})
    cache.clear()  # the colours expire
    later = poll_links(customer, [1])
    assert _rendered(first)
    assert Page(later).by_id["pdf-link-1"]["data-color"] == "#654321"
    assert Page(later).by_id["pdf-link-1"]["href"] == direct_link(1, JWT)


def test_a_jwt_that_quoting_changes_is_never_put_back_as_it_is(
    customer: Client, mocked: responses.RequestsMock, clock: Clock
) -> None:
    """Not a JWT's alphabet: each fragment is rendered, so its links stay quoted."""
    odd, odd_2 = "first+media/token=", "second+media/token="
    mock_my_invoices(mocked, [preview(1)])
    mock_media(mocked, odd, odd_2)
    assert customer.get(LIST).status_code == 200
    poll_links(customer, [1])
    clock.advance(51)
    later = poll_links(customer, [1])
    assert _rendered(later)
    assert Page(later).by_id["pdf-link-1"]["href"] == direct_link(1, quote_plus(odd_2))

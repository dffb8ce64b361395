"""The portal in four languages: the catalogues hold every string, translated, and every page
state in Spanish, French and German shows no English UI text."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
import responses
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.helpers import upstream_data
from tests.helpers.checkout import STATUS_URL, land, register, status
from tests.helpers.harness import BASE_DIR
from tests.helpers.html import Page
from tests.helpers.sign_in import sign_in
from tests.helpers.upstream import upstream_url
from upstream import endpoints

pytestmark = pytest.mark.django_db

TRANSLATED = ("es", "fr", "de")


def _catalogue(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _entries(catalogue: Catalog) -> dict[tuple[str | None, str], Message]:
    return {
        (
            message.context,
            str(message.id if isinstance(message.id, str) else message.id[0]),
        ): message
        for message in catalogue
        if message.id
    }


# The catalogues -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogues as `make messages` would leave them: the committed ones, merged with
    every string the code holds today (makemessages, with GNU gettext's xgettext)."""
    if shutil.which("xgettext") is None:
        pytest.fail(
            "GNU gettext is missing: install it (apt-get install gettext; .ci/run does) to "
            "check that every string is translated."
        )
    # makemessages writes into ./locale and beside every template it reads: it runs on a copy
    # of the sources, so that the checkout stays as committed and parallel workers (xdist)
    # never meet each other's half-written files.
    sources = tmp_path_factory.mktemp("catalogues") / "sources"
    ignored = ("*.mo", "*.sqlite3", "__pycache__", ".*", "staticfiles", "tests", "docs", "bench")
    shutil.copytree(BASE_DIR, sources, ignore=shutil.ignore_patterns(*ignored))
    locale = sources / "locale"
    # The same arguments as `make messages`, read from the Makefile.
    makefile = (BASE_DIR / "Makefile").read_text().replace("\\\n", " ")
    found = re.search(r"^MESSAGES_ARGS := (.*)$", makefile, re.M)
    assert found, "the Makefile's MESSAGES_ARGS"
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[locale]):
        patch.chdir(sources)
        call_command("makemessages", *found.group(1).split(), verbosity=0)
    return locale


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_after_makemessages(extracted: Path, language: str) -> None:
    catalogue = _catalogue(extracted / language / "LC_MESSAGES" / "django.po")
    missing = [
        key
        for key, message in _entries(catalogue).items()
        if message.fuzzy
        or not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    assert missing == [], f"untranslated or fuzzy in {language}: {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_catalogue_is_the_extracted_one(extracted: Path, language: str) -> None:
    path = Path("locale") / language / "LC_MESSAGES" / "django.po"
    committed = _entries(_catalogue(BASE_DIR / path))
    current = _entries(_catalogue(extracted / language / "LC_MESSAGES" / "django.po"))
    assert sorted(set(current) - set(committed), key=str) == [], "run `make messages`"
    assert sorted(set(committed) - set(current), key=str) == [], "obsolete entries"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_survive_translation(language: str) -> None:
    path = BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"
    placeholder = re.compile(r"%\(\w+\)[-.\d]*[sdf]|</?\w+>")
    for (_context, msgid), message in _entries(_catalogue(path)).items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            wanted = sorted(placeholder.findall(msgid))
            # A plural's singular may say "one" instead of the count.
            if isinstance(message.id, tuple):
                wanted = [item for item in wanted if item != "%(count)s"]
            found = [item for item in sorted(placeholder.findall(str(string))) if item in wanted]
            assert found == wanted, (language, msgid, string)


# The pages ----------------------------------------------------------------------------------


def _english_phrases() -> list[str]:
    """The English UI strings (template and view messages) that a translation changes; a
    string with placeholders counts by its longest literal part."""
    path = BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
    phrases = set()
    for message in _catalogue(path):
        if not message.id or isinstance(message.id, tuple):
            continue
        parts = re.split(r"%\(\w+\)[-.\d]*[sdf]|<[^>]+>", str(message.id))
        longest = max((part.strip() for part in parts), key=len)
        if len(longest) >= 4:
            phrases.add(longest)
    return sorted(phrases, key=len, reverse=True)


ENGLISH = _english_phrases()


def _english_left(html: str, language: str) -> list[str]:
    text = Page(html).text
    with translation.override(language):
        return [
            phrase
            for phrase in ENGLISH
            if translation.gettext(phrase) != phrase
            and re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)
        ]


Scenario = Callable[[Client, responses.RequestsMock, str], str]


def _completion(client: Client, lang: str, query: str = "") -> str:
    return land(client, language=lang, query=query).content.decode()


def _status(mock: responses.RequestsMock, **answer: Any) -> None:
    mock.get(STATUS_URL, **answer)


def paid_new_customer(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    status(mock, "Paid")
    register(mock, json={"Token": "invoice-token", "CustomerCreated": True})
    return _completion(client, lang)


def paid_existing_customer(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    status(mock, "Paid")
    register(mock, json={"Token": "invoice-token", "CustomerCreated": False})
    return _completion(client, lang)


def used(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    status(mock, "Paid")
    register(mock, status=401, json={"error": "used_token"})
    return _completion(client, lang)


def pending(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    status(mock, "Pending")
    return _completion(client, lang)


def pending_given_up(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    status(mock, "Pending")
    return _completion(client, lang, "?poll=99")


def failed(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    status(mock, "Failed")
    return _completion(client, lang)


def not_found(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _status(mock, status=401, json={"error": "invalid_token"})
    return _completion(client, lang)


def unavailable(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _status(mock, status=503, body="down")
    return _completion(client, lang)


def unexpected(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _status(mock, body="<html>maintenance</html>", content_type="text/html")
    return _completion(client, lang)


def bad_link(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    return client.get(f"/{lang}/invoices/complete?stripe_session_id=nope").content.decode()


def _signed_in(client: Client, mock: responses.RequestsMock, lang: str) -> None:
    mock.get(upstream_url(endpoints.MEDIA_TOKEN), json={"jwt": "media-jwt"})
    preview = upstream_data.invoice_detail(42, Paid=False)
    mock.get(
        upstream_url(endpoints.INVOICES_MY),
        json={
            "Records": [preview, upstream_data.invoice_detail(43, CreditNote=True)],
            "CurrentPage": 1,
            "CurrentPageSize": 25,
            "TotalItems": 30,
            "TotalPages": 2,
            "HasNextPage": True,
            "HasPreviousPage": False,
        },
    )
    mock.get(upstream_url(endpoints.invoice(42)), json=preview)
    sign_in(client, mock, language=lang)


def my_invoices(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _signed_in(client, mock, lang)
    return client.get(f"/{lang}/invoices/").content.decode()


def invoice_detail(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _signed_in(client, mock, lang)
    return client.get(f"/{lang}/invoices/42/").content.decode()


def paid_signed_in_buyer(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _signed_in(client, mock, lang)
    # The buyer is the customer signed in: the page offers their My Invoices link.
    _status(mock, json={**upstream_data.checkout_status("Paid"), "Email": upstream_data.EMAIL})
    register(mock, json={"Token": "invoice-token", "CustomerCreated": False})
    return _completion(client, lang)


def my_invoices_unavailable(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _signed_in(client, mock, lang)
    mock.replace(responses.GET, upstream_url(endpoints.INVOICES_MY), status=503)
    return client.get(f"/{lang}/invoices/").content.decode()


def signed_out_fragment(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    return client.get(f"/{lang}/invoices/links?ids=42", HTTP_HX_REQUEST="true").content.decode()


def home(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    return client.get(f"/{lang}/").content.decode()


def sign_in_refused(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    mock.post(upstream_url(endpoints.TOKEN), status=400, json={"error": "invalid_grant"})
    return client.post(
        f"/{lang}/sign-in", {"email": "a@example.com", "password": "x"}
    ).content.decode()


def sign_in_empty(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    return client.post(f"/{lang}/sign-in", {"email": "not an email"}).content.decode()


def password_forgot(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    return client.get(f"/{lang}/password/forgot").content.decode()


def password_sent(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    mock.post(upstream_url(endpoints.PASSWORD_RESET_START), json={"WasSuccessful": True})
    form = {"email": upstream_data.EMAIL}
    return client.post(f"/{lang}/password/forgot", form, follow=True).content.decode()


def _reset_link_opened(client: Client, lang: str) -> None:
    claims = {"email": upstream_data.EMAIL, "exp": int(time.time()) + 600}
    token = jwt.encode(claims, "the upstream's own key, unknown to the portal", "HS256")
    client.get(f"/{lang}/user/resetPassword", {"token": token})


def password_reset(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _reset_link_opened(client, lang)
    return client.get(f"/{lang}/user/resetPassword").content.decode()


def password_mismatch(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    _reset_link_opened(client, lang)
    form = {"password": "one-password-1", "password_again": "another-one-2"}
    return client.post(f"/{lang}/user/resetPassword", form).content.decode()


def password_link_invalid(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    return client.get(f"/{lang}/user/resetPassword").content.decode()


def password_set(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    """Set, but exchange failed: sign in with the new password."""
    complete = {"WasSuccessful": True, "Value": "one-time-jwt"}
    mock.post(upstream_url(endpoints.PASSWORD_RESET_COMPLETE), json=complete)
    mock.post(upstream_url(endpoints.TOKEN_EXCHANGE), status=401)
    _reset_link_opened(client, lang)
    form = {"password": "one-password-1", "password_again": "one-password-1"}
    return client.post(f"/{lang}/user/resetPassword", form).content.decode()


def page_not_found(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    return client.get(f"/{lang}/no-such-page/").content.decode()


def expired_form(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    strict = Client(enforce_csrf_checks=True)
    return strict.post(f"/{lang}/sign-in", {"email": "a@example.com"}).content.decode()


def server_error(client: Client, mock: responses.RequestsMock, lang: str) -> str:
    with translation.override(lang):
        return render_to_string("500.html")


SCENARIOS: list[Scenario] = [
    paid_new_customer,
    paid_existing_customer,
    paid_signed_in_buyer,
    used,
    pending,
    pending_given_up,
    failed,
    not_found,
    unavailable,
    unexpected,
    bad_link,
    home,
    sign_in_refused,
    sign_in_empty,
    my_invoices,
    invoice_detail,
    my_invoices_unavailable,
    signed_out_fragment,
    password_forgot,
    password_sent,
    password_reset,
    password_mismatch,
    password_link_invalid,
    password_set,
    page_not_found,
    expired_form,
    server_error,
]


@pytest.fixture
def mock(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    return upstream_http


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.__name__)
def test_no_english_ui_text(
    client: Client, mock: responses.RequestsMock, scenario: Scenario, language: str
) -> None:
    html = scenario(client, mock, language)
    assert Page(html).text, "the page has text"
    assert _english_left(html, language) == []
    if "<html" in html:
        assert f'<html lang="{language}"' in html


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.__name__)
def test_the_english_check_can_fail(
    client: Client, mock: responses.RequestsMock, scenario: Scenario
) -> None:
    """The same pages in English are full of the phrases the check looks for."""
    html = scenario(client, mock, "en")
    assert _english_left(html, "es") != []


def test_dates_follow_the_language(client: Client, mock: responses.RequestsMock) -> None:
    german = my_invoices(client, mock, "de")
    assert "21.11.2026" in german
    french = Page(invoice_detail(client, mock, "fr")).text
    assert "21 nov. 2026" in french  # CLDR's medium date, as on every page


def test_the_upstream_is_asked_in_the_pages_language(
    client: Client, mock: responses.RequestsMock, settings: SettingsWrapper
) -> None:
    pending(client, mock, "fr")
    status_calls = [call for call in mock.calls if "checkout/status" in str(call.request.url)]
    assert status_calls
    assert {call.request.headers["Accept-Language"] for call in status_calls} == {"fr"}

"""Secrets never reach the logs: tokens in URLs, JWTs, bearer headers, exception text."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import jwt
import pytest
from django.test import Client

from portal.logging import ClientErrorFilter, MaskSecretsFilter, mask_secrets
from sandbox import services
from tests.helpers.logs import console_output

SECRET = "s3cret-VALUE-0123456789"
SECRET_PARAMS = [
    "token",
    "t",
    "stripe_session_id",
    "spreedly_session_id",
    "paypal_session_id",
    "access_token",
    "refresh_token",
    "password",
]


def a_jwt() -> str:
    return jwt.encode({"sub": "42", "aud": "media"}, "k" * 32, algorithm="HS256")


@pytest.mark.parametrize("name", SECRET_PARAMS)
def test_secret_query_parameters_are_masked(name: str) -> None:
    line = f"GET /x?page=2&{name}={SECRET}&sort=asc HTTP/1.1"
    assert mask_secrets(line) == f"GET /x?page=2&{name}=***&sort=asc HTTP/1.1"


@pytest.mark.parametrize("name", SECRET_PARAMS)
def test_secret_parameter_first_in_query_is_masked(name: str) -> None:
    assert mask_secrets(f"/x?{name}={SECRET}") == f"/x?{name}=***"


def test_jwt_anywhere_is_masked() -> None:
    token = a_jwt()
    assert token.startswith("eyJ")
    assert mask_secrets(f"upstream answered {token} for customer") == (
        "upstream answered *** for customer"
    )


def test_bearer_header_is_masked() -> None:
    assert mask_secrets(f"Authorization: Bearer {SECRET}") == "Authorization: Bearer ***"


def test_other_text_is_left_intact() -> None:
    text = "GET /en/invoices?page=2&format=pdf&sort=date HTTP/1.1 200 1234 customer=7"
    assert mask_secrets(text) == text


@pytest.fixture
def masked_output() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose only handler carries the project's filter and writes to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskSecretsFilter())
    logger = logging.getLogger("tests.portal.masking")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("GET %s", "GET /sandbox/api/public/checkout/status?token=***"),
        # One argument for two placeholders: a malformed call, which the filter must survive.
        ("two placeholders %s %s", "two placeholders"),
    ],
    ids=["args", "malformed-call"],
)
def test_filter_masks_secrets_passed_as_args(
    masked_output: tuple[logging.Logger, io.StringIO], message: str, shown: str
) -> None:
    logger, stream = masked_output
    logger.info(message, f"/sandbox/api/public/checkout/status?token={SECRET}")
    assert SECRET not in stream.getvalue()
    assert shown in stream.getvalue()


def test_filter_masks_secrets_in_exception_text(
    masked_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = masked_output
    token = a_jwt()
    try:
        raise ValueError(f"upstream refused /pdf?token={SECRET} with {token}")
    except ValueError:
        logger.exception("upstream call failed")
    output = stream.getvalue()
    assert "ValueError: upstream refused /pdf?token=*** with ***" in output
    assert SECRET not in output
    assert token not in output


def test_secret_json_members_are_masked() -> None:
    text = mask_secrets(f'{{"Token": "{SECRET}", "jwt":"{SECRET}", "Status": "Paid"}}')
    assert SECRET not in text
    assert '"Status": "Paid"' in text


def test_exception_text_formatted_by_an_earlier_handler_is_masked(
    masked_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = masked_output
    try:
        raise ValueError(f"refused token={SECRET}")
    except ValueError:
        record = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    # Another handler formatted the traceback before ours ran.
    record.exc_text = logging.Formatter().formatException(record.exc_info)  # type: ignore[arg-type]
    logger.handle(record)
    assert SECRET not in stream.getvalue()
    assert "token=***" in stream.getvalue()


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """settings.LOGGING's console handler on "django.server", writing to a buffer.

    pytest adds capture handlers of its own; the configured one is the one with the filter.
    """
    handlers = [
        handler
        for handler in logging.getLogger("django.server").handlers
        if any(isinstance(f, MaskSecretsFilter) for f in handler.filters)
    ]
    assert len(handlers) == 1
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    if previous is not None:
        handler.setStream(previous)


def test_request_line_with_token_is_masked_in_server_log(
    client: Client, db: None, server_log: io.StringIO
) -> None:
    basket = services.purchase_create(gateway="stripe")
    path = f"/sandbox/api/public/billing/invoices/{basket.invoice_id}/pdfByToken"
    response = client.get(path, {"token": str(basket.guid)})
    assert response.status_code == 200
    # What runserver's WSGIRequestHandler.log_message writes for this request.
    request_line = (
        f"GET {response.request['PATH_INFO']}?{response.request['QUERY_STRING']} HTTP/1.1"
    )
    assert str(basket.guid) in request_line
    logging.getLogger("django.server").info(
        '"%s" %s %s', request_line, response.status_code, len(response.content)
    )
    output = server_log.getvalue()
    assert str(basket.guid) not in output
    assert f'"GET {path}?token=*** HTTP/1.1" 200' in output


def test_extras_such_as_the_request_are_masked(
    masked_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, _ = masked_output

    class Request:
        def __str__(self) -> str:
            return f"<WSGIRequest: GET '/pdfByToken?token={SECRET}'>"

    record = logger.makeRecord(
        logger.name,
        logging.WARNING,
        __file__,
        1,
        "Unauthorized",
        (),
        None,
        extra={"request": Request(), "status_code": 401},
    )
    MaskSecretsFilter().filter(record)
    assert SECRET not in str(vars(record)["request"])
    assert "token=***" in str(vars(record)["request"])
    assert vars(record)["status_code"] == 401


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_disallowed_host_is_one_warning_line_without_a_traceback(db: None, method: str) -> None:
    browser = Client(enforce_csrf_checks=True)
    with console_output() as log:
        response = browser.generic(method, "/en/sign-in", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "This address is not set up" in response.content.decode()
    [line] = log.getvalue().splitlines()
    assert f" WARNING [{response['X-Request-ID']}] django.request " in line
    assert "Host not allowed ('evil.example'): /en/sign-in" in line


def test_djangos_line_for_a_4xx_carries_the_request_id(client: Client, db: None) -> None:
    # Django writes it once every middleware has returned, the request id's included.
    with console_output() as log:
        response = client.get("/en/no-such-page/", HTTP_X_REQUEST_ID="proxy-id-0123456789")
    assert response.status_code == 404
    assert "WARNING [proxy-id-0123456789] django.request Not Found: /en/no-such-page/" in (
        log.getvalue()
    )


def test_a_4xx_raised_as_an_exception_is_logged_without_its_traceback(db: None) -> None:
    record = logging.makeLogRecord(
        {"msg": "Forbidden", "status_code": 403, "exc_info": (ValueError, ValueError(), None)}
    )
    ClientErrorFilter().filter(record)
    assert record.exc_info is None
    server_error = logging.makeLogRecord(
        {"msg": "Internal Server Error", "status_code": 500, "exc_info": (ValueError, None, None)}
    )
    ClientErrorFilter().filter(server_error)
    assert server_error.exc_info is not None

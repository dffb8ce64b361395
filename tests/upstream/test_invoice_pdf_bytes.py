"""upstream.invoice_pdf_bytes: one invoice's PDF fetched by the portal (the accountant's
export), only when the answer is a PDF, within the body cap, and never past a refusal."""

from __future__ import annotations

import pytest
import responses
from django.test import override_settings
from responses import matchers

import upstream
from tests.helpers.upstream import upstream_url
from upstream import endpoints

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
URL = upstream_url(endpoints.pdf(7))


def test_the_pdf_is_fetched_with_the_media_jwt(upstream_http: responses.RequestsMock) -> None:
    asked = upstream_http.get(
        URL,
        body=PDF,
        content_type="application/pdf",
        match=[matchers.query_param_matcher({"t": "eyJ.media"})],
    )
    assert upstream.invoice_pdf_bytes(media_jwt="eyJ.media", invoice_id=7) == PDF
    assert asked.call_count == 1
    # It asks for a PDF and carries no bearer: the media JWT is the only credential.
    request = upstream_http.calls[0].request
    assert request.headers["Accept"] == "application/pdf"
    assert "Authorization" not in request.headers


def test_an_answer_that_is_not_a_pdf_is_unexpected(upstream_http: responses.RequestsMock) -> None:
    # A portal domain's HTML, or JSON, where a PDF was asked for.
    upstream_http.get(URL, body="<html></html>", content_type="text/html")
    with pytest.raises(upstream.UnexpectedAnswer):
        upstream.invoice_pdf_bytes(media_jwt="j", invoice_id=7)
    # Said to be a PDF, but not one.
    upstream_http.replace(responses.GET, URL, body=b"<html>", content_type="application/pdf")
    with pytest.raises(upstream.UnexpectedAnswer):
        upstream.invoice_pdf_bytes(media_jwt="j", invoice_id=7)


@override_settings(UPSTREAM_MAX_BODY_BYTES=1000)
def test_a_pdf_over_the_cap_is_refused(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(URL, body=PDF + b"0" * 1000, content_type="application/pdf")
    with pytest.raises(upstream.UnexpectedAnswer):
        upstream.invoice_pdf_bytes(media_jwt="j", invoice_id=7)
    upstream_http.replace(responses.GET, URL, body=PDF + b"0" * 900, content_type="application/pdf")
    assert upstream.invoice_pdf_bytes(media_jwt="j", invoice_id=7).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, upstream.TokenRejected), (404, upstream.NotFound), (503, upstream.UpstreamUnavailable)],
)
def test_refusals_are_typed(
    upstream_http: responses.RequestsMock, status: int, error: type[Exception]
) -> None:
    upstream_http.get(URL, status=status, body=b"")
    with pytest.raises(error):
        upstream.invoice_pdf_bytes(media_jwt="j", invoice_id=7)

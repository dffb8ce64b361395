"""Run in the sandbox's environment: `python -m bench.pdf_timing` times drawing invoice PDFs,
then asks the sandbox's API for one PDF several times and counts how often it was drawn.
Prints one line of JSON."""

from __future__ import annotations

import json
import statistics
import sys
import time

import django

LANGUAGES = ("en", "es", "fr", "de")
REQUESTS = 20


def main() -> None:
    django.setup()
    from django.test import Client
    from django.utils import translation

    from sandbox import demo, pdf, services
    from sandbox.models import Customer, Invoice

    customer = Customer.objects.get(email=demo.DEMO_EMAIL)
    invoices = list(
        Invoice.objects.filter(customer=customer, draft=False)
        .select_related("business")
        .prefetch_related("lines")
        .order_by("pk")
    )
    # The first drawing in a process also loads fonts and catalogues: not timed.
    pdf.invoice_pdf(invoice=invoices[0])
    drawing_ms = []
    for language in LANGUAGES:
        with translation.override(language):
            for invoice in invoices:
                started = time.perf_counter()
                pdf._invoice_drawn(invoice=invoice)
                drawing_ms.append((time.perf_counter() - started) * 1000)

    drawn: list[int] = []
    draw = pdf._invoice_drawn

    def counting(*, invoice: Invoice) -> bytes:
        drawn.append(invoice.pk)
        return draw(invoice=invoice)

    pdf._invoice_drawn = counting
    # A fresh invoice, so that the first request really draws it.
    fresh = services.purchase_create(gateway="stripe", email=customer.email).invoice
    Invoice.objects.filter(pk=fresh.pk).update(customer=customer)
    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/sandbox/api/public/billing/invoices/{fresh.pk}/pdf"
    jwt = services.media_token_issue(customer=customer)
    request_ms = []
    for _ in range(REQUESTS + 1):
        started = time.perf_counter()
        answer = client.get(url, {"t": jwt})
        request_ms.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200 or answer["Content-Type"] != "application/pdf":
            raise RuntimeError(f"the sandbox answered {answer.status_code} for a PDF")
    result = {
        "drawings": len(drawing_ms),
        "draw_median_ms": statistics.median(drawing_ms),
        "draw_max_ms": max(drawing_ms),
        "first_request_ms": request_ms[0],
        "cached_request_median_ms": statistics.median(request_ms[1:]),
        "requests": len(request_ms),
        "drawn_on_requests": len(drawn),
        "bytes": len(answer.content),
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

from __future__ import annotations

from django.http import HttpRequest

from portal.customers import customer_email


def customer(request: HttpRequest) -> dict[str, str | None]:
    """Who is signed in, for the header; read from the session, never from the upstream."""
    return {"customer_email": customer_email(session=request.session)}

"""The portal's URLs as a production server has them: the sandbox not mounted."""

from __future__ import annotations

from django.urls import URLResolver

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    pattern
    for pattern in portal_urlpatterns
    if not (isinstance(pattern, URLResolver) and str(pattern.pattern) == "sandbox/")
]

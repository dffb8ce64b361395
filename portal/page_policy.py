"""What every answer allows the browser: its Content-Security-Policy (django-csp) and
Permissions-Policy (django-permissions-policy), named in settings (docs/security.md)."""

from __future__ import annotations

from csp.constants import NONCE, NONE, SELF

# Content-Security-Policy (django-csp): no inline script at all, and inline style only in the
# one <style> element of base.html that carries the brand's parsed colours, by nonce. Images
# may come from https (a brand's logo URL); PDFs open by navigation, which CSP does not limit.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Browser features no page uses, refused to it and what it embeds (django-permissions-policy).
# Only names Chromium knows: it logs "Unrecognized feature" on every page for any other
# ("bluetooth" was one; tests/browser/test_new_member.py watches the console).
_UNUSED_FEATURES = (
    "accelerometer autoplay browsing-topics camera display-capture geolocation "
    "gyroscope hid idle-detection magnetometer microphone midi payment publickey-credentials-get "
    "screen-wake-lock serial usb xr-spatial-tracking"
)
PERMISSIONS_POLICY: dict[str, list[str]] = {name: [] for name in _UNUSED_FEATURES.split()}

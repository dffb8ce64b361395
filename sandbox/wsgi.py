"""WSGI entry point of the sandbox alone: `gunicorn sandbox.wsgi` (sandbox.settings)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")

application = get_wsgi_application()

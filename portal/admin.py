"""The portal app's admin, for Django's autodiscovery: the brands' pages."""

from portal.brands import admin  # noqa: F401  (registers the brand admin)

"""Per-brand templates: `THEMES_DIR/<brand>/` is searched before the project's templates.

An operator overrides any template for one brand by placing a file of the same name there
(`themes/harbour/checkout/states/paid.html`); a theme's template may extend the one it replaces
(`{% extends "base.html" %}` inside `themes/harbour/base.html` reaches the default).
docs/operators.md walks through an example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.template import engines
from django.template.loaders import cached, filesystem
from django.test.signals import setting_changed

from brands.hosts import brand_current


class ThemeLoader(filesystem.Loader):
    """The active brand's theme folder, when it has one."""

    def get_dirs(self) -> list[str | Path]:
        folder = Path(settings.THEMES_DIR) / brand_current().theme
        return [folder] if folder.is_dir() else []


class CachedLoader(cached.Loader):
    """Django's cached loader, with one cache entry per brand and template: a template found
    for one brand is never served to another."""

    def cache_key(self, template_name: str, skip: Any = None) -> str:
        return f"{brand_current().theme}:{super().cache_key(template_name, skip)}"


@receiver(setting_changed)
def _themes_moved(*, setting: str, **kwargs: Any) -> None:
    """Templates found in the old folder are forgotten (tests; settings are fixed otherwise)."""
    if setting == "THEMES_DIR":
        for backend in engines.all():
            engine = getattr(backend, "engine", None)  # DjangoTemplates backends have one
            for loader in getattr(engine, "template_loaders", []):
                loader.reset()

"""Static files in production: whitenoise's compressed, content-hashed storage, with each
file's URL worked out once per process."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage

# Names come from templates ({% static %}), a closed set; the bound is only a safeguard.
URLS_KEPT = 1000


# whitenoise ships no type information: its class is Any to mypy.
class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """The manifest is read at start-up and does not change while the process runs, so neither
    does a name's URL. Working it out (a manifest lookup, then unquoting, splitting, quoting and
    joining URLs) was 7 % of the completion page's time for its five `{% static %}` tags
    (docs/performance.md); now it happens once per name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return str(super().url(name, force))
        found = self._urls.get(name)
        if found is None:
            # A name missing from the manifest raises here, and is not kept.
            found = str(super().url(name))
            if len(self._urls) < URLS_KEPT:
                self._urls[name] = found
        return found

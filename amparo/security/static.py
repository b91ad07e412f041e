"""Static files through WhiteNoise, never a hidden file (ASVS 13.4.1).

WhiteNoise serves every file under the static root and the finders' folders, dotfiles included:
a `.git` folder or an `.env` left there by a deployment would be readable by anyone. This
subclass leaves out every path with a segment that starts with a dot.
"""

from __future__ import annotations

from typing import Any

from whitenoise.middleware import WhiteNoiseMiddleware


def hidden(url: str) -> bool:
    """Whether a URL path names a dotfile or something inside a dot folder."""
    return any(part.startswith(".") for part in url.split("/"))


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise without dotfiles or dot folders."""

    def add_file_to_dictionary(self, url: str, path: str, stat_cache: Any = None) -> None:
        if not hidden(url):
            super().add_file_to_dictionary(url, path, stat_cache=stat_cache)

    def find_file(self, url: str) -> Any:
        return None if hidden(url) else super().find_file(url)

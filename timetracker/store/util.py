"""Small helpers shared by the query modules."""

from __future__ import annotations

import time


def now_ms() -> int:
    """Current time in epoch milliseconds, the API's timestamp format."""
    return int(time.time() * 1000)


def like_escape(text: str) -> str:
    """Escape LIKE wildcards so user text matches literally (used with ``escape='\\\\'``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_key(name: str) -> str:
    """The case-insensitive form of a name, used for uniqueness, filters and sorting.

    Python's casefold covers all of Unicode, the same on every database.
    """
    return name.casefold()

"""The company's rounding of reported time.

Totals, the reports built on them, and invoices report time rounded ``up``, ``down`` or to the
``nearest`` multiple of 1 to 60 minutes (halves up), each entry on its own (``entry``) or each
user's day on a task as a whole (``dayTask``). A value already on a multiple stays as it is,
and the stored minutes never change: lists of entries and day records show them as tracked.
Default: no rounding (``none``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from timetracker.store import settings as settings_store
from timetracker.store.totals import Rounding

MODES = ("none", "up", "down", "nearest")
SCOPES = ("entry", "dayTask")
_KEYS = {"mode": "rounding_mode", "minutes": "rounding_minutes", "scope": "rounding_scope"}
DEFAULT = {"mode": "none", "minutes": 15, "scope": "entry"}


def setting(conn: Connection, stored: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The rounding setting: ``mode``, ``minutes`` and ``scope``."""
    if stored is None:
        stored = settings_store.company_settings_map(conn)
    found = {name: stored.get(key) for name, key in _KEYS.items()}
    return {
        "mode": found["mode"] or DEFAULT["mode"],
        "minutes": int(found["minutes"] or DEFAULT["minutes"]),
        "scope": found["scope"] or DEFAULT["scope"],
    }


def change(conn: Connection, values: Mapping[str, Any]) -> None:
    """Store the given parts of the setting (validated by the schema)."""
    for name, key in _KEYS.items():
        if name in values:
            settings_store.set_company_setting(conn, key, str(values[name]))


def of(conn: Connection) -> Rounding | None:
    """The rounding the sums apply (None: none)."""
    current = setting(conn)
    if current["mode"] == "none" or current["minutes"] == 1:
        return None  # every whole minute is on a multiple of 1
    return Rounding(current["mode"], current["minutes"], current["scope"])

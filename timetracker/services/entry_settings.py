"""The company's settings of time entries (``GET/PATCH /timeEntrySettings``): whether a
user's timed entries may overlap, and the rounding of reported time.

Overlaps are allowed unless ``allowOverlaps`` is false (see ``time_entries.overlaps``).

Rounding: totals, the reports built on them, and invoices report time rounded ``up``,
``down`` or to the ``nearest`` multiple of 1 to 60 minutes (halves up), each entry on its own
(``entry``) or each user's day on a task as a whole (``dayTask``). A value already on a
multiple stays as it is, and the stored minutes never change: lists of entries and day records
show them as tracked. Default: no rounding (``none``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.store import settings as settings_store
from timetracker.store.totals import Rounding

ALLOW_OVERLAPS = "allow_overlapping_entries"

_KEYS = {"mode": "rounding_mode", "minutes": "rounding_minutes", "scope": "rounding_scope"}
DEFAULT = {"mode": "none", "minutes": 15, "scope": "entry"}


def entry_settings(conn: Connection) -> dict[str, Any]:
    """The company's settings of time entries: ``allowOverlaps`` (default true) and the
    ``rounding`` of reported time."""
    stored = settings_store.company_settings_map(conn)
    return {
        "allowOverlaps": stored.get(ALLOW_OVERLAPS, "true") == "true",
        "rounding": _rounding_setting(stored),
    }


def change_entry_settings(conn: Connection, caller: Caller, values: Mapping[str, Any]):
    """Store the parts given (validated by the schema); Manage System Settings only."""
    access.ensure_can_manage_settings(caller, "the time entry settings")
    if "allowOverlaps" in values:
        value = "true" if values["allowOverlaps"] else "false"
        settings_store.set_company_setting(conn, ALLOW_OVERLAPS, value)
    for name, key in _KEYS.items():
        if name in values.get("rounding", {}):
            settings_store.set_company_setting(conn, key, str(values["rounding"][name]))
    return entry_settings(conn)


def _rounding_setting(stored: Mapping[str, str]) -> dict[str, Any]:
    """The rounding setting (``mode``, ``minutes``, ``scope``) in the stored settings."""
    found = {name: stored.get(key) or DEFAULT[name] for name, key in _KEYS.items()}
    return {**found, "minutes": int(found["minutes"])}


def rounding_of(conn: Connection) -> Rounding | None:
    """The rounding the sums apply (None: none)."""
    current = _rounding_setting(settings_store.company_settings_map(conn))
    if current["mode"] == "none" or current["minutes"] == 1:
        return None  # every whole minute is on a multiple of 1
    return Rounding(current["mode"], current["minutes"], current["scope"])

"""The schema of each kind's event data, filled in by the schema modules as they load.

An event's ``data`` is the object as the API shows it (``services.events.representation``).
The schemas sit above the services, so the services do not import them: each schema module
registers its object's schema here (``@payload_schema("task")`` on the class), and every
schema module is loaded before an event is written: the app loads them all through its API,
and the command line builds the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_SCHEMAS: dict[str, type[Any]] = {}


def payload_schema(kind: str) -> Callable[[type[Any]], type[Any]]:
    """A class decorator: the schema of the data of ``kind``'s events."""

    def register(schema: type[Any]) -> type[Any]:
        _SCHEMAS[kind] = schema
        return schema

    return register


def schema_of(kind: str) -> type[Any]:
    try:
        return _SCHEMAS[kind]
    except KeyError:
        raise LookupError(f"No schema is registered for {kind} events") from None


def registered_kinds() -> frozenset[str]:
    return frozenset(_SCHEMAS)

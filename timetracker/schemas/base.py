"""The base schema of the API: marshmallow, with dumping compiled into a flat plan.

Lists of 1000 objects are this API's daily bread, and marshmallow's generic per-field machinery
costs about 70 us per object. A schema's fields never change after it is built, so the first
dump compiles them into ``(key, getter, convert)`` steps: plain values are copied and converted
directly, every other field runs its own ``serialize``. ``finish`` is the one place for
per-object adjustments (hiding fields from some callers, the caller's ``allowedActions``), with
state that ``prepare`` computes once per dump; both run on both paths.
``tests/test_dump.py`` checks that the result equals marshmallow's own dump for every schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields
from marshmallow.utils import missing

_MISSING = object()


def _convert(field: fields.Field) -> Callable[[Any], Any] | None:
    """A direct converter for a plain field, or None when the field must serialize itself.

    Only what is known to dump exactly as marshmallow does is compiled; a field using any other
    feature (a dump default, a dotted attribute, numbers as strings, a subclass with its own
    ``_serialize``) keeps marshmallow's own serialization."""
    kind = type(field)
    if (
        field.dump_default is not missing
        or "." in (field.attribute or "")
        or getattr(field, "as_string", False)
    ):
        return None
    if kind in (fields.Integer, fields.Int):
        return int
    if kind in (fields.String, fields.Str):
        return str
    if kind in (fields.Boolean, fields.Bool):
        return bool
    if kind is fields.Float:
        return float
    if kind is fields.Date and field.format in (None, "iso", "iso8601"):
        return dt.date.isoformat
    # Nested API objects, alone, in lists and in maps: one dump of all of them, so the nested
    # schema's ``prepare`` runs once per list rather than once per item. Any other nested schema
    # serializes itself.
    if kind is fields.Nested and _compiles(field):
        return _nested_schema(field).dump
    if kind is fields.List and type(field.inner) is fields.Nested and _compiles(field.inner):
        nested = field.inner
        return lambda values: _nested_schema(nested).dump(list(values), many=True)
    if kind is fields.Dict and type(field.value_field) is fields.Nested:
        nested = field.value_field
        if _compiles(nested):
            return lambda mapping: dict(
                zip(
                    map(str, mapping),
                    _nested_schema(nested).dump(list(mapping.values()), many=True),
                    strict=True,
                )
            )
    return None


def _compiles(field: fields.Nested) -> bool:
    """Whether the compiled plan can dump this nested field (one API object per value)."""
    return (
        isinstance(field.schema, ApiSchema)
        and not field.schema.many
        and not field.many
        and not (field.only or field.exclude)
    )


def _nested_schema(field: fields.Nested) -> ApiSchema:
    return field.schema


class ApiSchema(Schema):
    # Declared (for the document) but filled in by ``finish``, not read from the object.
    computed_fields: tuple[str, ...] = ()

    def prepare(self) -> Any:
        """Per-dump state for ``finish`` (the caller, their team, ...): computed once per list,
        not once per object."""
        return None

    def finish(self, data: dict[str, Any], obj: Any, state: Any) -> dict[str, Any]:
        """Adjust one dumped object (override to hide fields, add derived ones)."""
        return data

    def _dump_plan(self):
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = []
            for name, field in self.dump_fields.items():
                if name in self.computed_fields:
                    continue
                key = field.data_key if field.data_key is not None else name
                attribute = field.attribute or name
                convert = _convert(field)
                plan.append((key, attribute, field, convert))
            self.__dict__["_plan"] = plan
        return plan

    def _dump_one(self, obj: Any, state: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        getter = obj.get if hasattr(obj, "get") else (lambda a, d: getattr(obj, a, d))
        for key, attribute, field, convert in self._dump_plan():
            if convert is not None:
                value = getter(attribute, _MISSING)
                if value is _MISSING:
                    continue
                data[key] = None if value is None else convert(value)
            else:
                value = field.serialize(attribute, obj, accessor=self.get_attribute)
                if value is not missing:
                    data[key] = value
        return self.finish(data, obj, state)

    def dump(self, obj: Any, *, many: bool | None = None):
        many = self.many if many is None else bool(many)
        if self._hooks.get("post_dump") or self._hooks.get("pre_dump"):
            # Hooks are not compiled; schemas of this API use ``finish`` instead.
            return super().dump(obj, many=many)
        state = self.prepare()
        if many:
            return [self._dump_one(item, state) for item in obj]
        return self._dump_one(obj, state)

    def reference_dump(self, obj: Any, *, many: bool | None = None):
        """marshmallow's own dump plus ``finish``: the behaviour the compiled plan must match."""
        many = self.many if many is None else bool(many)
        result = super().dump(obj, many=many)
        state = self.prepare()
        if many:
            return [self.finish(data, item, state) for data, item in zip(result, obj, strict=True)]
        return self.finish(result, obj, state)

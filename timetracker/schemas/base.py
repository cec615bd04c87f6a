"""The base schema of the API: marshmallow, with dumping compiled into a flat plan.

Lists of 1000 objects are this API's daily bread, and marshmallow's generic per-field machinery
costs about 70 us per object. A schema's fields never change after it is built, so the first
dump compiles them into ``(key, getter, convert)`` steps: plain values are copied and converted
directly, every other field runs its own ``serialize``. ``finish`` is the one place for
per-object adjustments (hiding fields from some callers, the caller's ``allowedActions``), with
state that ``prepare`` computes once per dump; both run on both paths.
``tests/test_dump.py`` checks that the result equals marshmallow's own dump for every schema.

A list's rows may also reach the schema as tuples (:class:`Rows`): the plan is then compiled
into a row writer for their attribute order. A flat array of objects may be loaded field by
field (:meth:`ApiSchema.load_each`), each value through its field's own ``deserialize``.

On the way in, every string a client sends is checked before any field reads it
(:meth:`ApiSchema._refuse_unstorable_text`): text no database can store never gets further.

The module is too long for the 400-line rule on purpose: the dump plan and the ways compiled
from it (the row writer, the field-by-field load) must agree with marshmallow and with each
other, and are read together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, pre_load

_MISSING = object()
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# The white space of the document's ``\s`` (ECMAScript's): what a blank name is and what is
# trimmed from a name. Python's own ``str.strip()`` also takes U+001C..U+001F and U+0085, which
# the document calls characters.
SPACE = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000\ufeff")
)
# Unicode's default-ignorable code points (DerivedCoreProperties.txt): characters that show
# nothing of their own. Zero-width spaces and joiners, direction marks, embeddings, overrides and
# isolates, the word joiner and invisible operators, the soft hyphen, variation selectors, Hangul
# fillers, the byte order mark, tags. As regular expression ranges (those of the Basic
# Multilingual Plane apart: a document's ECMAScript pattern can name only them).
INVISIBLE_BMP = (
    r"\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
)
INVISIBLE_ASTRAL = r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
_NOTHING_TO_SEE = re.compile(f"[{re.escape(SPACE)}{INVISIBLE_BMP}{INVISIBLE_ASTRAL}]+")
SHOWS_NOTHING = (
    "Name has no visible character: only invisible ones (zero-width spaces and joiners, "
    "direction marks and other format characters) and white space"
)


def shows_nothing(text: str) -> bool:
    """Whether ``text`` (not empty) is only white space and invisible characters. Such a name
    would list as an empty line, and look like every other such name. Invisible characters
    within a visible name stay: a zero-width joiner shapes emoji sequences and Indic scripts."""
    return _NOTHING_TO_SEE.fullmatch(text) is not None


def unstorable(text: str) -> str | None:
    """Why no supported database can store ``text``, or None.

    NUL: PostgreSQL refuses it in text. A lone surrogate (half of a UTF-16 pair, which JSON's
    ``\\ud800`` escape can carry; a whole pair arrives as one character) has no UTF-8 encoding,
    so every database driver fails on it.
    """
    if "\x00" in text:
        return "Text must not contain NUL characters"
    if _SURROGATE.search(text):
        return "Text must not contain lone surrogates (\\ud800-\\udfff)"
    return None


def _unstorable_within(value: Any) -> str | None:
    """The first :func:`unstorable` problem of any string in ``value`` (lists and maps too)."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        for item in value:
            problem = _unstorable_within(item)
            if problem:
                return problem
    return None


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
    # A field of this package may say how its values dump (``Instant``: epoch ms to text).
    plain = getattr(field, "plain_converter", None)
    if plain is not None:
        return plain()
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
    # A map of text to whole numbers (the leave minutes per leave type of a totals object).
    if (
        kind is fields.Dict
        and type(field.key_field) is fields.String
        and type(field.value_field) is fields.Integer
        and field.key_field.dump_default is missing
        and field.value_field.dump_default is missing
    ):
        return lambda value: {str(k): None if v is None else int(v) for k, v in value.items()}
    # Nested API objects, alone, in lists and in maps: one dump of all of them, so the nested
    # schema's ``prepare`` runs once per list rather than once per item. Any other nested schema
    # serializes itself.
    if kind is fields.Nested and _compiles(field):
        schema = _nested_schema(field)
        if _plain(schema):  # no per-dump state, hooks or adjustments: straight to the plan
            return lambda value: schema._dump_one(value, None)
        return schema.dump
    if kind is fields.List and type(field.inner) is fields.Nested and _compiles(field.inner):
        nested = field.inner
        return lambda values: _nested_schema(nested).dump(
            values if type(values) is Rows else list(values), many=True
        )
    # A list of plain values (a list of ids): marshmallow's ``List`` runs its inner field's
    # ``_serialize`` on each value, which for these kinds is the converter or None.
    if kind is fields.List and _plain_inner(field.inner):
        inner = _convert(field.inner)
        return lambda values: [None if v is None else inner(v) for v in values]
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


def _plain_inner(field: fields.Field) -> bool:
    """Whether a list's inner field is one of the plain kinds whose ``_serialize`` is its
    converter (numbers not written as strings)."""
    kind = type(field)
    plain = (fields.Integer, fields.Int, fields.String, fields.Str, fields.Boolean, fields.Bool)
    return kind in plain and not getattr(field, "as_string", False)


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


def _plain(schema: ApiSchema) -> bool:
    """Whether dumping one object of ``schema`` is its plan alone (small nested objects such as
    ``allowedActions``, dumped once per item of a list)."""
    kind = type(schema)
    return (
        kind.prepare is ApiSchema.prepare
        and kind.finish is ApiSchema.finish
        and not _hooked(schema)
    )


def _hooked(schema: Schema) -> bool:
    """Whether ``schema`` has ``pre_dump`` or ``post_dump`` hooks.

    marshmallow registers a schema's hooks in its private ``_hooks`` and has no public way to
    ask; asked on every dump, so read there (the upper bound on marshmallow in pyproject.toml,
    and tests/test_library_internals.py, watch it)."""
    return bool(schema._hooks.get("post_dump") or schema._hooks.get("pre_dump"))


class Rows(Sequence):
    """Objects of a list as tuples of values of ``attributes`` (a service's rows, as read): a
    schema dumps them with a row writer compiled for those attributes
    (:meth:`ApiSchema.row_writer`), without a mapping per object. Anyone else reading them gets
    each as a mapping of the attributes."""

    __slots__ = ("attributes", "tuples")

    def __init__(self, attributes: tuple[str, ...], tuples: list[Sequence[Any]]):
        self.attributes = attributes
        self.tuples = tuples

    def __len__(self) -> int:
        return len(self.tuples)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Rows(self.attributes, self.tuples[index])
        return dict(zip(self.attributes, self.tuples[index], strict=True))


class ApiSchema(Schema):
    # Declared (for the document) but filled in by ``finish``, not read from the object.
    computed_fields: tuple[str, ...] = ()

    @pre_load(pass_collection=True)
    def _refuse_unstorable_text(self, data: Any, many: bool, **kwargs) -> Any:
        """Refuse NUL and lone surrogates in any string of any field (a body, a query string, a
        CSV row), whatever the field's type: one check here rather than one per field.

        Nested schemas check their own fields; a raw field (a batch item's body) is checked
        where it is parsed in turn. Input of the wrong shape is left to the load to refuse.
        """
        if many and not isinstance(data, list):
            return data
        errors: dict[Any, Any] = {}
        for index, item in enumerate(data if many else [data]):
            item_errors = self._unstorable_fields(item)
            if item_errors:
                errors.update({index: item_errors} if many else item_errors)
        if errors:
            raise ValidationError(errors)
        return data

    def _unstorable_fields(self, item: Any) -> dict[str, list[str]]:
        if not isinstance(item, Mapping):
            return {}
        errors = {}
        for name, field in self.load_fields.items():
            key = field.data_key if field.data_key is not None else name
            if key not in item or isinstance(field, fields.Raw | fields.Nested):
                continue
            if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
                continue
            problem = _unstorable_within(item[key])
            if problem:
                errors[key] = [problem]
        return errors

    def load_each(self, items: list) -> list[dict[str, Any]] | None:
        """What ``load(items, many=True)`` answers, loaded field by field without the schema's
        per-object machinery (an array of a thousand entries); None when that is not sure to
        be the same, and the caller then loads with :meth:`load`, which names the errors.

        Only a flat schema (plain fields, no hooks but the unstorable text check, unknown keys
        refused) takes this way, and only a list of plain objects with known keys and no
        unstorable text. Each value goes through its field's own ``deserialize`` (its type,
        validators, ``allow_none``, ``required``, ``load_default``), as marshmallow's load
        does; the first value a field refuses gives None."""
        plan = self._load_plan()
        if plan is None or type(items) is not list:
            return None
        keys, checked = self.__dict__["_flat_keys"], self.__dict__["_flat_checked"]
        loaded = []
        for item in items:
            if type(item) is not dict or not keys.issuperset(item):
                return None
            for key, value in item.items():  # the pre-load check of text, as it checks
                if type(value) is not int and key in checked and _unstorable_within(value):
                    return None
            result: dict[str, Any] = {}
            for key, attribute, field, always in plan:
                raw = item.get(key, missing)
                # An absent optional field without a default loads as nothing: skipped.
                if raw is missing and not always:
                    continue
                try:
                    value = field.deserialize(raw, key, item)
                except ValidationError:
                    return None
                if value is not missing:
                    result[attribute] = value
            loaded.append(result)
        return loaded

    def _load_plan(self):
        """``(key, attribute, field)`` of each load field, or None when :meth:`load_each` may
        not stand in for the schema's load."""
        if "_flat_load" not in self.__dict__:
            plan = None
            # (marshmallow's ``_hooks`` gains empty lists for the kinds it has looked up.)
            hooks = {
                name: [hook[0] for hook in found] for name, found in self._hooks.items() if found
            }
            flat = not any(
                isinstance(field, fields.Nested | fields.Pluck)
                or (isinstance(field, fields.List) and isinstance(field.inner, fields.Nested))
                or "." in (field.attribute or "")
                for field in self.load_fields.values()
            )
            if (
                flat
                and hooks in ({}, {"pre_load": ["_refuse_unstorable_text"]})
                and self.unknown == RAISE
                and not self.partial
            ):
                plan = [
                    (
                        field.data_key if field.data_key is not None else name,
                        field.attribute or name,
                        field,
                        field.required or field.load_default is not missing,
                    )
                    for name, field in self.load_fields.items()
                ]
            self.__dict__["_flat_load"] = plan
            self.__dict__["_flat_keys"] = frozenset(step[0] for step in plan or ())
            # The keys whose text ``_unstorable_fields`` checks (all but raw values).
            self.__dict__["_flat_checked"] = frozenset(
                key for key, _, field, _ in plan or () if not isinstance(field, fields.Raw)
            )
        return self.__dict__["_flat_load"]

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

    def row_writer(self, attributes: tuple[str, ...]) -> Callable[[list], list] | None:
        """A function from tuples of values of ``attributes`` to their dumps, exactly as
        :meth:`dump` makes them from mappings of those attributes; None when this schema's
        dump is more than its plan (hooks, ``prepare``/``finish``), a field serializes itself,
        or an attribute the plan reads is not among ``attributes``.

        The function is written as Python source once per schema and attributes: one dict
        display per object, each value taken by its position and converted when not None. A
        nested object (``allowedActions``) is dumped once for a run of rows sharing the same
        value object, so a service hands every row of a kind the same mapping."""
        writers = self.__dict__.setdefault("_row_writers", {})
        if attributes not in writers:
            writers[attributes] = self._compile_row_writer(attributes)
        return writers[attributes]

    def _compile_row_writer(self, attributes: tuple[str, ...]):
        if not _plain(self):
            return None
        position = {name: i for i, name in enumerate(attributes)}
        env: dict[str, Any] = {}
        before, items = [], []
        for n, (key, attribute, field, convert) in enumerate(self._dump_plan()):
            if convert is None or attribute not in position:
                return None
            env[f"c{n}"] = convert
            value = f"r[{position[attribute]}]"
            if isinstance(field, fields.Nested):
                # The last value seen and its dump: consecutive rows share the same object.
                before.append(
                    f"        v{n} = {value}\n"
                    f"        if v{n} is not s{n}:\n"
                    f"            s{n} = v{n}\n"
                    f"            d{n} = None if v{n} is None else c{n}(v{n})\n"
                )
                items.append(f"{key!r}: d{n}")
            else:
                items.append(f"{key!r}: None if (v{n} := {value}) is None else c{n}(v{n})")
        source = (
            "def write(rows):\n"
            "    out = []\n"
            "    append = out.append\n"
            + "".join(
                f"    s{n} = d{n} = _UNSEEN\n"
                for n, (_, _, field, _) in enumerate(self._dump_plan())
                if isinstance(field, fields.Nested)
            )
            + "    for r in rows:\n"
            + "".join(before)
            + "        append({"
            + ", ".join(items)
            + "})\n"
            "    return out\n"
        )
        env["_UNSEEN"] = _MISSING
        exec(compile(source, f"<row writer of {type(self).__name__}>", "exec"), env)  # noqa: S102
        return env["write"]

    def dump(self, obj: Any, *, many: bool | None = None):
        many = self.many if many is None else bool(many)
        if many and type(obj) is Rows:
            writer = self.row_writer(obj.attributes)
            if writer is not None:
                return writer(obj.tuples)
            obj = list(obj)
        if _hooked(self):
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

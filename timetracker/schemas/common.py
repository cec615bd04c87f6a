"""Fields and schemas every resource shares: list arguments, the list envelope, the error shape,
names, ids, and fields only some callers may see."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from webargs.fields import DelimitedList
from werkzeug.sansio.utils import get_current_url

from timetracker.access import Caller, current_caller
from timetracker.calendar_range import EARLIEST, LATEST
from timetracker.errors import KeyedMessage
from timetracker.schemas.base import (
    INVISIBLE_BMP,
    SHOWS_NOTHING,
    SPACE,
    ApiSchema,
    shows_nothing,
    unstorable,
)

INT32_MAX = 2**31 - 1
MAX_QUERY_LIMIT = 1000


class ErrorSchema(ApiSchema):
    key = fields.String(
        required=True,
        metadata={
            "description": "Stable error key, api.error.<snake_case>",
            "example": "api.error.customer_exists",
        },
    )
    message = fields.String(required=True, metadata={"description": "Human-readable message"})
    fields_ = fields.String(
        data_key="fields",
        metadata={"description": "The offending field name(s), comma-separated"},
    )
    request_id = fields.String(
        data_key="requestId",
        required=True,
        metadata={
            "description": "The request's id, as in the X-Request-Id header (the one a proxy "
            "sent, or one made by the server); the server's log names it too",
            "example": "4f1c2b7e9a6d4e0f8b3a5c7d9e1f2a3b",
        },
    )


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - a field factory reads like a field class
    """An object id: a 32-bit integer (the database's id range)."""
    return fields.Integer(strict=True, validate=validate.Range(-(2**31), INT32_MAX), **kwargs)


def QueryId(**kwargs) -> fields.Integer:  # noqa: N802
    """An object id in a query string (text that must read as a 32-bit integer)."""
    return fields.Integer(validate=validate.Range(-(2**31), INT32_MAX), **kwargs)


def body_user_ids(description: str) -> fields.List:
    """An optional list of user ids in a body."""
    return fields.List(
        Id(), validate=validate.Length(max=100_000), metadata={"description": description}
    )


# A 32-bit id written out (to 2147483647): the document says exactly what is accepted.
INT32_TEXT = (
    r"-?(0|[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
    r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
    r"|21474836[0-3][0-9]|214748364[0-7])"
)


class QueryUserId(fields.String):
    """A user id in a query string, or ``me`` for the caller."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": rf"^(me|{INT32_TEXT})$", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        caller = current_caller()
        if text == "me" and caller is not None:
            return caller.id
        if not re.fullmatch(INT32_TEXT, text):
            raise ValidationError("Not a user id (a whole number up to 2147483647) or me")
        return int(text)


def UserIdList(description: str, **kwargs) -> DelimitedList:  # noqa: N802
    """A comma-separated list of user ids (or ``me``) in a query string: ``userIds=me,7``."""
    return DelimitedList(
        QueryUserId(),
        validate=validate.Length(min=1),
        metadata={"description": description + "; me: yourself"},
        **kwargs,
    )


def IdList(description: str, **kwargs) -> DelimitedList:  # noqa: N802
    """A comma-separated list of ids in a query string, e.g. ``ids=1,2,3``."""
    return DelimitedList(
        fields.Integer(validate=validate.Range(-(2**31), INT32_MAX)),
        validate=validate.Length(min=1),
        metadata={"description": description},
        **kwargs,
    )


def CalendarDate(**kwargs) -> fields.Date:  # noqa: N802
    """A date within the product's range, 1970-01-01 to 3000-12-31."""
    kwargs["metadata"] = {
        "description": "YYYY-MM-DD, 1970-01-01 to 3000-12-31",
        # The document's way to say the year range (OpenAPI has no date minimum).
        "pattern": r"^(19[7-9][0-9]|2[0-9]{3}|3000)-",
        **kwargs.get("metadata", {}),
    }
    return fields.Date(validate=validate.Range(EARLIEST, LATEST), **kwargs)


class Text(fields.String):
    """Text every supported database can store: no NUL characters (PostgreSQL refuses them) and
    no lone surrogates (see :func:`timetracker.schemas.base.unstorable`; every field of an
    ``ApiSchema`` is checked so, the pattern documents the part OpenAPI can say)."""

    PATTERN = r"^[^\x00]*$"

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": self.PATTERN, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = unstorable(text)
        if problem:
            raise ValidationError(problem)
        return text


class Name(Text):
    """An object name: 1 to 255 characters, not blank (white space alone) and not only white
    space and invisible characters (``base.shows_nothing``: 400 ``invalid_name``); surrounding
    white space is dropped."""

    LENGTH_ERROR = "String length must be between 1 and 255"
    PATTERN = rf"^[^\x00]*[^\s\x00{INVISIBLE_BMP}][^\x00]*$"
    SPACE = SPACE

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(1, 255, error=self.LENGTH_ERROR))
        kwargs.setdefault(
            "metadata", {"description": "Name, 1 to 255 characters, with a visible one"}
        )
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 255:
            raise ValidationError(self.LENGTH_ERROR)
        trimmed = text.strip(SPACE)
        if not trimmed:
            raise ValidationError("Name must not be blank")
        if shows_nothing(trimmed):
            raise ValidationError(KeyedMessage(SHOWS_NOTHING, "invalid_name"))
        return trimmed


class Words(Text):
    """Space-separated words that a name must all contain (case-insensitive); empty: no filter."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).split()


class JsonBoolean(fields.Boolean):
    """A boolean in a JSON body: only ``true`` or ``false``, not 0, 1 or "yes"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class JsonNumber(fields.Decimal):
    """A number in a JSON body (not a string) within [minimum, maximum], kept exact."""

    def __init__(self, minimum: float, maximum: float, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        kwargs["metadata"] = {
            "type": "number",
            "minimum": minimum,
            "maximum": maximum,
            **kwargs.get("metadata", {}),
        }
        super().__init__(as_string=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        # Check the number as sent, before rounding to ``places`` could pull it into range.
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(f"Must be between {self.minimum} and {self.maximum}")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        # A JSON number on the way out too (Flask would write a Decimal as a string).
        return None if value is None else float(value)


class Sort(fields.String):
    """``+field`` / ``-field`` (or bare ``field``), several joined by commas.

    A ``+`` that was not URL-encoded arrives as a space; it is read as ascending too.
    """

    def __init__(self, allowed: Iterable[str], **kwargs):
        self.allowed = tuple(allowed)
        names = "|".join(re.escape(a) for a in self.allowed)
        token = rf"\s*[+ -]?\s*(?:{names})\s*"
        metadata = {
            "description": "Sort order: "
            + ", ".join(f"+{a} / -{a}" for a in self.allowed)
            + ". Several fields may be joined with commas; ties are broken by id.",
            "pattern": rf"^{token}(,{token})*$",
            "example": f"+{self.allowed[0]}",
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        order: list[tuple[str, bool]] = []
        for token in text.split(","):
            token = token.strip()
            descending = token.startswith("-")
            name = token.lstrip("+-").strip()
            if name not in self.allowed:
                raise ValidationError(
                    f"Unknown sort field '{name}'; use one of {', '.join(self.allowed)}"
                )
            order.append((name, descending))
        return order


def IncludeReferenced(values: Iterable[str]) -> DelimitedList:  # noqa: N802
    values = tuple(values)
    return DelimitedList(
        fields.String(validate=validate.OneOf(values)),
        validate=validate.Length(min=1),
        data_key="includeReferenced",
        metadata={
            "description": "Referenced objects to add as top-level maps keyed by id: "
            + ", ".join(values)
            + ". A map holds only the objects your own GET of each (GET /customers/{id}, "
            "/users/{id}, ...) answers, exactly as that GET answers them (fields hidden from "
            "you there, such as a type of work's rate or other users' username, email, hired "
            "and releaseDate, are hidden here too); objects that GET refuses you are left out "
            "of the map. What an object names is followed only through objects you may see "
            "(the projects of the tasks you may see, the departments of the users you may see)"
        },
    )


class PageArgs(ApiSchema):
    offset = fields.Integer(
        load_default=0,
        validate=validate.Range(0, INT32_MAX),
        metadata={"description": "Number of items to skip"},
    )
    limit = fields.Integer(
        load_default=MAX_QUERY_LIMIT,
        validate=validate.Range(0, MAX_QUERY_LIMIT),
        metadata={
            "description": f"Maximum number of items (default and maximum {MAX_QUERY_LIMIT})"
        },
    )


class NamedListArgs(PageArgs):
    ids = IdList("Only the objects with these ids")
    name = Text(metadata={"description": "Exact name, case-insensitive"})
    words = Words(metadata={"description": "Space-separated words the name must all contain"})


def Modified() -> fields.Integer:  # noqa: N802
    return fields.Integer(
        required=True,
        metadata={
            "description": "When the object last changed (epoch milliseconds, always growing): "
            "its list's modifiedAfter and sort=modified"
        },
    )


class ModifiedAfterArgs(ApiSchema):
    """``modifiedAfter``: only objects changed since a stamp a client saw last."""

    modifiedAfter = fields.Integer(
        attribute="modified_after",
        validate=validate.Range(0, 2**53),
        metadata={
            "description": "Only objects whose modified stamp is greater than this (epoch "
            "milliseconds). A stamp is taken when a change is made, not when it commits: on "
            "PostgreSQL ask from a little before the newest stamp you saw (a transaction can "
            "commit after a later one). For an exact record of every change, deletions "
            "included, read GET /changes"
        },
    )


class ExportArgs(ApiSchema):
    """The ``format`` of a list or report that can answer CSV and Excel as well as JSON."""

    format = fields.String(
        validate=validate.OneOf(("json", "csv", "xlsx")),
        metadata={
            "description": "json, csv or xlsx (Excel). Without it the Accept header decides; "
            "JSON is the default. CSV and Excel hold every matching row: offset, limit and "
            "includeReferenced do not apply to them"
        },
    )


class AllowedActionsSchema(ApiSchema):
    canModify = fields.Boolean(required=True)
    canDelete = fields.Boolean(required=True)


def AllowedActions(schema: type[Schema], description: str) -> fields.Nested:  # noqa: N802
    """What the caller may do with an object: worked out by its service (``present``)."""
    return fields.Nested(
        schema, attribute="allowed_actions", dump_only=True, metadata={"description": description}
    )


class Restricted(fields.Field):
    """A field whose value is shown only to callers ``visible_to`` approves; others get null.

    Field-level permissions live here, in the serializer, so no view can forget them.
    """

    def __init__(self, inner: fields.Field, visible_to: Callable[[Caller | None], bool], **kw):
        super().__init__(dump_only=True, allow_none=True, **kw)
        self.inner = inner
        self.visible_to = visible_to

    def _bind_to_schema(self, field_name, parent):  # private: see marshmallow's pyproject bound
        super()._bind_to_schema(field_name, parent)
        self.inner._bind_to_schema(field_name, parent)  # as marshmallow's own List binds its inner

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None or not self.visible_to(current_caller()):
            return None
        return self.inner._serialize(value, attr, obj, **kwargs)


def base_url() -> str:
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    req = request._get_current_object()
    return _root_url(req.scheme, req.host, req.root_path)


@lru_cache(maxsize=256)
def _root_url(scheme: str, host: str, root_path: str) -> str:
    """The request's root URL (``request.url_root`` without its slash), made once for each
    scheme, host and root: werkzeug builds it anew, quoting and all, on every request."""
    return get_current_url(scheme, host, root_path).rstrip("/")


def list_envelope(
    item_schema: type[Schema],
    references: dict[str, type[Schema]] | None = None,
    name: str | None = None,
) -> type[Schema]:
    """The ``{offset, limit, items, <referenced maps>}`` response schema of a list."""
    attrs: dict[str, fields.Field] = {
        "offset": fields.Integer(required=True),
        "limit": fields.Integer(required=True),
        "items": fields.List(fields.Nested(item_schema), required=True),
    }
    for key, schema in (references or {}).items():
        attrs[key] = fields.Dict(
            keys=fields.String(),
            values=fields.Nested(schema),
            metadata={
                "description": f"Referenced {key} by id; present when requested "
                f"through includeReferenced"
            },
        )
    return ApiSchema.from_dict(
        attrs, name=name or f"{item_schema.__name__.removesuffix('Schema')}List"
    )

"""The URL converters of the API's paths (``<int32:id>``, ``<uid:id>``, ``<user:user>``,
``<day:date>``, and the default ``<name>``), and how the document describes each."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import BaseConverter, IntegerConverter, UnicodeConverter


class IdConverter(IntegerConverter):
    """Object ids in paths: signed 32-bit integers (larger numbers match no route: 404)."""

    def __init__(self, url_map):
        super().__init__(url_map, signed=True, min=-(2**31), max=2**31 - 1)


# A character of a path segment: not a slash, and text a database can store (no NUL, no lone
# surrogate; see schemas.base.unstorable).
SEGMENT_CHARACTER = r"[^/\x00\ud800-\udfff]"


class TextConverter(UnicodeConverter):
    """The default converter of path segments (``<date>``): a segment holding NUL names nothing
    the database could store, so it matches no route (404), as an id out of range does."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", SEGMENT_CHARACTER, 1)


class UidConverter(BaseConverter):
    """A user id or username as the last segment of ``/users/{uid}``; never "me" or "import",
    resources of their own (users with those names are reached by id)."""

    regex = rf"(?!(?:me|import)(?:/|$)){SEGMENT_CHARACTER}+"


class UserConverter(BaseConverter):
    """A user id, a username, or ``me`` (the caller) in every other path: ``/users/me/team``,
    ``/timetrack/me/...`` (a user named "me" is reached by id)."""

    regex = rf"(?!import(?:/|$)){SEGMENT_CHARACTER}+"


class DayConverter(TextConverter):
    """A day in a record's path: ``YYYY-MM-DD`` or ``today``. Other text names no record (404);
    a day of that shape that is not a date (``2025-02-30``) is the rules' 400."""

    regex = r"today|[0-9]{4}-[0-9]{2}-[0-9]{2}"


# The document's way to say what a day in a path is (other text answers 400).
DAY_PATTERN = r"^(today|(19[7-9][0-9]|2[0-9]{3}|3000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))$"


def register(app: Flask, api: Api) -> None:
    """Make the converters known to the app's routing and to the document, before any route
    uses them."""
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.url_map.converters["int32"] = IdConverter
    app.url_map.converters["uid"] = UidConverter
    app.url_map.converters["user"] = UserConverter
    app.url_map.converters["day"] = DayConverter
    api.register_converter(
        UidConverter,
        lambda _c: {
            "type": "string",
            "description": "User id or username (a username out of your reach answers 404, "
            "as one nobody has)",
            "pattern": "^(?!(me|import)$)",
        },
    )
    api.register_converter(
        UserConverter,
        lambda _c: {
            "type": "string",
            "description": "User id, username, or me (the caller); a username out of your "
            "reach answers 404, as one nobody has",
            "pattern": "^(?!import$)",
        },
    )
    api.register_converter(
        DayConverter,
        lambda _c: {
            "type": "string",
            "description": "YYYY-MM-DD (1970-01-01 to 3000-12-31) or today",
            "pattern": DAY_PATTERN,
        },
    )
    api.register_converter(
        IdConverter,
        lambda _c: {
            "type": "integer",
            "format": "int32",
            "minimum": -(2**31),
            "maximum": 2**31 - 1,
        },
    )

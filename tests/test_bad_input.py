"""Bad input, derived from the OpenAPI document, sent to every operation the document lists.

Each operation gets: bodies that are not JSON, or JSON of the wrong type, or JSON beyond the
limits of what the server reads (nested too deep, an integer too long, NaN); every body field
(nested ones too) given values of the other JSON types, numbers beyond 64 bits, ids out of range,
NUL and lone surrogates, long strings and impossible dates; malformed CSV for the imports
(bytes that are not UTF-8, NUL, a bare CR, quotes left open, a value beyond csv's field size
limit); a body just over ``MAX_CONTENT_LENGTH`` and media types that lie; unknown, repeated and
malformed query parameters; path parameters replaced by ids out of range and by
percent-encoded junk; and credentials that cannot be anyone's (to one operation of each
authentication class, which is as far as they reach: ``authentication_class``). Path
parameters otherwise name seeded objects, and bodies are otherwise valid (a control request
shows it), so each request is wrong in one way only.

Every answer must be below 500; every answer that is not 2xx must be the one error shape; and a
refused write (4xx) must leave every row of every table as it was. A write that is not refused is
undone by restoring the seeded rows, so every request meets the same database.

One app and one seeded database serve the corpus, which runs on one xdist worker. The figures are
printed in pytest's terminal summary (with ``-v``, per operation too) by the process that ran it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from tests.bad_input_summary import SUMMARY_PLUGIN, Tally
from tests.conftest import (
    ADMIN_PASSWORD,
    FAST_HASH,
    PG_URL,
    RATELIMIT_STORAGE,
    ApiClient,
    basic,
    new_schema_name,
)
from timetracker import create_app
from timetracker.startup import prepare_database
from timetracker.store.db import make_engine
from timetracker.store.schema import metadata, time_totals

API = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
JSON = "application/json"
DAY = "2026-03-02"  # a Monday: seeded time-track and leave are on it


def _document() -> dict[str, Any]:
    """The OpenAPI document, from an app that never opens its database."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": str(Path(tmp) / "unused.db"), "AUTO_MIGRATE": False})
        return app.test_client().get(f"{API}/openapi.json").get_json()


DOCUMENT = _document()


# --- Reading the document -------------------------------------------------------------------


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def kinds(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema admits ("any" when it declares none)."""
    schema = resolve(schema)
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        return set().union(*map(kinds, alternatives))
    found = {schema["type"]} if "type" in schema else {"any"}
    if "number" in found:
        found.add("integer")  # 42 is a number too; 4.5 is what an integer refuses
    if schema.get("nullable"):
        found.add("null")
    return found


def properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The properties a client may send."""
    return {
        name: prop
        for name, prop in resolve(schema).get("properties", {}).items()
        if not resolve(prop).get("readOnly")
    }


def _singular(name: str) -> str:
    """customers -> customer, typesOfWork -> typeOfWork, workflowStatuses -> workflowStatus."""
    words = re.findall(r"[A-Za-z][a-z]*", name)
    return "".join(
        w[:-2] if w.endswith("ses") else w[:-1] if w.endswith("s") else w for w in words
    ).lower()


COLLECTIONS = sorted(
    path.removeprefix(f"{API}/")
    for path, item in DOCUMENT["paths"].items()
    if "get" in item and path.count("/") == 3 and "{" not in path
)


def collection_of(name: str) -> str | None:
    """The collection an id parameter or field names an object of: customerId and customerIds
    -> customers, typeOfWorkId -> typesOfWork, uid and userId -> users."""
    if name == "uid":
        return "users"
    base = re.sub(r"Ids?$", "", name)
    if base in ("", name):
        return None
    return next((c for c in COLLECTIONS if _singular(c) == _singular(base)), None)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: dict[str, dict[str, Any]]  # name -> the parameter
    media_type: str | None
    media: dict[str, Any] | None  # the request body's schema and example

    @classmethod
    def all(cls) -> list[Operation]:
        operations = []
        for path, item in DOCUMENT["paths"].items():
            for method in METHODS:
                if method not in item:
                    continue
                spec = item[method]
                parameters = [*item.get("parameters", ()), *spec.get("parameters", ())]
                content = spec.get("requestBody", {}).get("content", {})
                media_type, media = next(iter(content.items()), (None, None))
                operations.append(
                    cls(
                        method.upper(),
                        path,
                        tuple(p["name"] for p in parameters if p["in"] == "path"),
                        {p["name"]: p for p in parameters if p["in"] == "query"},
                        media_type,
                        media,
                    )
                )
        return operations

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, ids: dict[str, int], **override: str) -> str:
        """The path with its parameters naming seeded objects, except those in ``override``."""
        segments = self.path.split("/")

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name in override:
                return override[name]
            if name == "date":
                return DAY
            # An id parameter names its collection (taskId) or follows it (/customers/{id}).
            # (The segment may hold more than the parameter: /time_entries/{id}.json.)
            at = next(i for i, segment in enumerate(segments) if match.group(0) in segment)
            collection = collection_of(name) or segments[at - 1]
            return str(ids.get(collection, 1))

        return re.sub(r"{(\w+)}", value, self.path)

    def required_query(self, ids: dict[str, int]) -> list[tuple[str, str]]:
        return [
            (name, query_text(sample(p["schema"], name, ids)))
            for name, p in self.query_params.items()
            if p.get("required")
        ]


OPERATIONS = Operation.all()


def authentication_class(operation: Operation) -> tuple[bool, bool, bool, bool]:
    """What the authentication of a request (``timetracker.auth.authenticate``, before any
    view) asks of its operation: whether it is on the Teamwork face (a Basic user name may be
    a token; errors carry STATUS and MESSAGE), whether it writes (a read token may not),
    whether it is public (no authentication: the view itself runs), and whether it is the
    batch (it writes only through its items)."""
    spec = DOCUMENT["paths"][operation.path][operation.method.lower()]
    return (
        operation.path.startswith("/teamwork/"),
        operation.method in WRITES,
        spec.get("security") == [],
        operation.path == f"{API}/batch",
    )


# Credentials that cannot be anyone's are refused by that authentication before the request
# reaches its view, so they take the same way through the server for every operation of one
# authentication class: they go to the first operation of each class (in the document's
# order), and to the public ones, whose views run with them.
CREDENTIALS_SENT_TO = {
    *{
        authentication_class(operation): str(operation)
        for operation in reversed(OPERATIONS)  # the first of each class is written last
    }.values(),
    *(str(operation) for operation in OPERATIONS if authentication_class(operation)[2]),
}


# --- Valid values, from which each bad request differs in one place --------------------------


def sample(schema: dict[str, Any], name: str, ids: dict[str, int], full: bool = False) -> Any:
    """A valid value of ``schema`` for a field called ``name``; with ``full``, objects carry
    every property, not only the required ones."""
    schema = resolve(schema)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return sample(schema["oneOf"][0], name, ids, full)
    kind = schema.get("type")
    if kind in ("integer", "number"):
        if kind == "integer" and collection_of(name) in ids:
            return ids[collection_of(name)]
        return min(max(1, schema.get("minimum", 1)), schema.get("maximum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        formats = {"date": DAY, "email": "corpus@example.com"}
        return formats.get(schema.get("format"), f"Corpus {name}")
    if kind == "array":
        return [sample(schema["items"], name, ids, full)] * max(1, schema.get("minItems", 1))
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", ()))
        return {
            prop: sample(sub, prop, ids, full)
            for prop, sub in properties(schema).items()
            if full or prop in required
        }
    return {}


# --- The corpus --------------------------------------------------------------------------------


class Literal:
    """JSON text written as it is: ``1e400`` (Python's json would write ``Infinity``)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def dumps(value: Any) -> bytes:
    """JSON as a client writes it: a lone surrogate becomes the escape ``\\ud800``."""
    literals: list[str] = []

    def placeholder(literal: Literal) -> str:
        literals.append(literal.text)
        return f"@@literal{len(literals) - 1}@@"

    encoded = json.dumps(value, default=placeholder)
    for i, literal in enumerate(literals):
        encoded = encoded.replace(f'"@@literal{i}@@"', literal)
    return encoded.encode()


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else f"{text[:12]}...({len(text)} characters)"


# The largest integer a body may hold (100 digits) reaches the fields; beyond, the parser refuses.
BEYOND_64_BITS = (2**64, -(2**63) - 1, Literal("1e400"), -(10**99))
# Beyond what the server reads: in place of a body's first field (json_provider.read_json).
BEYOND_JSON_LIMITS = {
    "arrays nested 10,000 deep": Literal("[" * 10_000 + "]" * 10_000),
    "objects nested 65 deep": Literal('{"a": ' * 65 + "1" + "}" * 65),
    "a 5,000-digit integer": Literal("9" * 5_000),
    "a 101-digit negative integer": Literal("-" + "9" * 101),
    "NaN": Literal("NaN"),
}
BAD_IDS = (0, -1, 2**63)
BAD_TEXT = ("\x00", "a\x00b", "\ud800", "a\udfffb")
LONG_TEXT = ("x" * 255, "x" * 256, "x" * 100_000)
FIELD_LIMIT = 10 * 1024 * 1024  # csv_import.FIELD_LIMIT, csv's field size limit
BAD_DATES = ("2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "")
OF_KIND = {
    "string": "text",
    "integer": 42,
    "number": 4.5,
    "boolean": True,
    "null": None,
    "array": [1],
    "object": {"a": 1},
}


def field_values(schema: dict[str, Any], name: str) -> list[Any]:
    """Bad values for one field: the other JSON types, and what its own type can get wrong."""
    schema = resolve(schema)
    own = kinds(schema)
    values: list[Any] = []
    if "any" not in own:
        values += [v for k, v in OF_KIND.items() if k not in own]
        values += [empty for k, empty in (("array", []), ("object", {})) if k not in own]
    if own & {"integer", "number", "any"}:
        values += BEYOND_64_BITS
    if own & {"integer", "any"}:
        values += BAD_IDS
    if own & {"string", "any"}:
        values += BAD_TEXT
        if "enum" not in schema:
            values += LONG_TEXT
        if schema.get("format") == "date" or "date" in name.lower():
            values += BAD_DATES
    if "array" in own and not properties(schema.get("items", {})):
        values += [[v] for v in field_values(schema.get("items", {}), name)]
    return values


def body_fields(schema: dict[str, Any], where: tuple = ()) -> Iterator[tuple[tuple, dict, str]]:
    """(where in the body, schema, name) of every field: nested objects' fields too, and those
    of the first item of an array of objects."""
    schema = resolve(schema)
    if schema.get("type") == "array" and properties(schema.get("items", {})):
        yield from body_fields(schema["items"], (*where, 0))
        return
    for name, prop in properties(schema).items():
        yield (*where, name), prop, name
        inner = resolve(prop)
        if properties(inner) or (inner.get("type") == "array" and properties(inner["items"])):
            yield from body_fields(inner, (*where, name))


def replaced(body: Any, where: tuple, value: Any, schema: dict, ids: dict[str, int]) -> Any:
    """A copy of ``body`` with ``value`` at ``where``; containers missing on the way are
    filled with valid values."""
    body = copy.deepcopy(body)
    target, schema = body, resolve(schema)
    for step, following in zip(where, where[1:], strict=False):
        schema = resolve(schema["items"] if isinstance(step, int) else properties(schema)[step])
        if isinstance(step, str) and not target.get(step):
            target[step] = [] if isinstance(following, int) else {}
        if isinstance(following, int) and not target[step]:
            target[step].append(sample(schema["items"], str(step), ids))
        target = target[step]
    target[where[-1]] = value
    return body


@dataclass(frozen=True)
class Request:
    label: str
    method: str
    path: str  # percent-encoded
    query: list[tuple[str, str]]  # names and percent-encoded values
    body: bytes | None
    content_type: str | None
    authorization: str | None = None  # None: the administrator's


def json_bodies(schema: dict, base: Any, ids: dict[str, int], max_length: int):
    """(label, body, media type) of every bad JSON body of an operation."""
    yield "invalid JSON", b"{oops", JSON
    yield "truncated JSON", b'{"a": ', JSON
    yield "empty JSON", b"", JSON
    yield "binary junk", b"\xff\xfe\x00\x81junk", JSON
    yield "a surrogate's raw bytes (not UTF-8)", b'{"a": "\xed\xa0\x80"}', JSON
    own = resolve(schema).get("type", "object")
    for kind, value in {**OF_KIND, "empty array": [], "empty object": {}}.items():
        if kind.removeprefix("empty ") != own:
            yield f"top-level {kind}", dumps(value), JSON
    yield "JSON sent as text/plain", dumps(base), "text/plain"
    yield "JSON without a media type", dumps(base), None
    yield "form data sent as JSON", b"name=Acme&archived=false", JSON
    yield "form data", b"name=Acme&archived=false", "application/x-www-form-urlencoded"
    padding = b"x" * (max_length + 1 - len(b'{"x": ""}'))
    yield "a body 1 byte over MAX_CONTENT_LENGTH", b'{"x": "' + padding + b'"}', JSON
    first = next(body_fields(schema), None)
    where = ".".join(map(str, first[0])) if first else "the top"
    for label, literal in BEYOND_JSON_LIMITS.items():
        body = replaced(base, first[0], literal, schema, ids) if first else literal
        yield f"{label} (at {where})", dumps(body), JSON
    for where, prop, name in body_fields(schema):
        for value in field_values(prop, name):
            label = f"body.{'.'.join(map(str, where))}={shown(value)}"
            yield label, dumps(replaced(base, where, value, schema, ids)), JSON


def raw_bodies(media_type: str, example: str, max_length: int):
    """(label, body, media type) of every bad body in another format (CSV): the junk goes into
    the example's last line, mostly after its first comma."""
    encoded = example.encode()
    head, _, last = encoded.rstrip(b"\n").rpartition(b"\n")
    head += b"\n" if head else b""

    def spoilt(junk: bytes) -> bytes:
        return head + last.replace(b",", b"," + junk, 1) + b"\n"

    yield "empty body", b"", media_type
    yield "binary junk", b"\xff\xfe\x00\x81junk", media_type
    yield "invalid UTF-8", spoilt(b"\xff"), media_type
    yield "a surrogate's raw bytes (not UTF-8)", spoilt(b"\xed\xa0\x80"), media_type
    yield "NUL", spoilt(b"\x00"), media_type
    yield "NUL in the first value", head + b"a\x00" + last, media_type
    yield "NUL first", b"\x00" + encoded, media_type
    yield "a 256-character value", spoilt(b"x" * 256), media_type
    yield "a 100,000-character value", spoilt(b"x" * 100_000), media_type
    yield "a quote left open", spoilt(b'"'), media_type
    yield "text after a closing quote", spoilt(b'"a"b'), media_type
    yield "a bare CR in an unquoted value", spoilt(b"a\rb"), media_type
    yield "a bare CR first", b"\r" + encoded, media_type
    yield "CR LF line ends", encoded.replace(b"\n", b"\r\n"), media_type
    yield "a value longer than csv's field size limit", spoilt(b"x" * (FIELD_LIMIT + 1)), media_type
    yield "JSON instead", b'{"a": 1}', media_type
    yield "only the first line", head or encoded, media_type
    yield "sent as JSON", encoded, JSON
    yield "sent as text/plain", encoded, "text/plain"
    over = (encoded + b"x" * max_length)[: max_length + 1]
    yield "a body 1 byte over MAX_CONTENT_LENGTH", over, media_type


QUERY_ANY = ("", "text", "null", "[]", "{}", "%00", "a%00b", "%ED%A0%80", "%ff")
QUERY_ANY += tuple(quote(s) for s in LONG_TEXT)
QUERY_NUMBER = ("4.5", "true", "18446744073709551616", "-9223372036854775809", "1e400")
QUERY_NUMBER += ("0", "-1", "9223372036854775808")
QUERY_LIST = ("0", "-1", "9223372036854775808", "18446744073709551616", "1,,2", ",", "1,x")
QUERY_BOOLEAN = ("2", "yes!", "TRUE%20")
CREDENTIALS = {
    "NUL in the username": basic("a\x00b", ADMIN_PASSWORD)["Authorization"],
    "NUL in the password": basic("admin", "a\x00b")["Authorization"],
    "a 100,000-character username": basic("x" * 100_000, "x")["Authorization"],
    "credentials that are not UTF-8": "Basic " + base64.b64encode(b"\xed\xa0\x80:\xff").decode(),
    "credentials without a colon": "Basic " + base64.b64encode(b"admin").decode(),
    "credentials that are not base64": "Basic !!!",
    "another scheme": "Digest x",
    "a made-up API token": "Bearer tt_x",
    "an empty API token": "Bearer ",
    "a 100,000-character API token": "Bearer " + "x" * 100_000,
    "an API token with a lone surrogate": "Bearer tt_\udcff",
}
PATH_JUNK = ("0", "-1", "9223372036854775808", "%00", "a%00b", "%ff", "%ED%A0%80", "%2f")
PATH_JUNK += ("..", "%2e%2e", "%20", "x" * 5000, *BAD_DATES)


def query_values(schema: dict[str, Any]) -> tuple[str, ...]:
    """Bad (percent-encoded) values of one query parameter."""
    schema = resolve(schema)
    own = kinds(schema)
    values = QUERY_ANY
    if own & {"integer", "number"}:
        values += QUERY_NUMBER
    if "array" in own:
        values += QUERY_LIST
    if "boolean" in own:
        values += QUERY_BOOLEAN
    if schema.get("format") == "date":
        values += BAD_DATES
    return values


def query_text(value: Any) -> str:
    """A valid value in a query string (lists comma-separated), percent-encoded."""
    if isinstance(value, list):
        return ",".join(query_text(v) for v in value)
    return quote(json.dumps(value) if isinstance(value, bool) else str(value))


def bad_requests(
    operation: Operation, ids: dict[str, int], base: Any, max_length: int
) -> Iterator[Request]:
    """The corpus of one operation."""
    required = operation.required_query(ids)
    if operation.media_type == JSON:
        valid_body = dumps(base)
    elif operation.media_type:
        valid_body = operation.media.get("example", "").encode()
    else:
        valid_body = None

    def request(
        label, path=None, query=required, body=valid_body, media=operation.media_type, auth=None
    ):
        path = path or operation.url(ids)
        return Request(label, operation.method, path, query, body, media, auth)

    if operation.media_type != JSON:  # a JSON body was chosen by sending it
        yield request("control: valid input")
    if str(operation) in CREDENTIALS_SENT_TO:
        for label, authorization in CREDENTIALS.items():
            yield request(label, auth=authorization)
    yield request("unknown query parameter", query=[*required, ("corpusUnknown", "1")])
    yield request("repeated limit", query=[*required, ("limit", "1"), ("limit", "2")])
    for name, parameter in operation.query_params.items():
        others = [(n, v) for n, v in required if n != name]
        good = query_text(sample(parameter["schema"], name, ids))
        yield request(f"repeated {name}", query=[*others, (name, good), (name, good)])
        for value in query_values(parameter["schema"]):
            yield request(f"query {name}={shown(value)}", query=[*others, (name, value)])
    for name in operation.path_params:
        for value in PATH_JUNK:
            yield request(f"path {name}={shown(value)}", path=operation.url(ids, **{name: value}))
    if operation.media_type == JSON:
        bodies = json_bodies(operation.media["schema"], base, ids, max_length)
    elif operation.media_type:
        bodies = raw_bodies(operation.media_type, valid_body.decode(), max_length)
    else:
        bodies = ()
    for label, body, media_type in bodies:
        yield request(label, body=body, media=media_type)


# --- The database: a checksum of every row, and the seeded rows to go back to --------------


def all_rows(engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        return {
            table.name: [
                dict(row._mapping)
                for row in conn.execute(
                    select(table).order_by(*(table.primary_key.columns or table.columns))
                )
            ]
            for table in metadata.sorted_tables
        }


def restore(engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        for table in metadata.sorted_tables:
            # The kept totals are made again by the triggers as the records go back in.
            if rows[table.name] and table is not time_totals:
                conn.execute(table.insert(), rows[table.name])


class Checksum:
    """A digest of every row of every table, in primary-key order: one plain query per table on
    a driver connection (it runs thousands of times: no SQLAlchemy row handling)."""

    def __init__(self, engine):
        self.engine = engine
        self.queries = [
            str(
                select(table)
                .order_by(*(table.primary_key.columns or table.columns))
                .compile(dialect=engine.dialect)
            )
            for table in metadata.sorted_tables
        ]

    def __call__(self) -> str:
        digest = hashlib.sha256()
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for query in self.queries:
                cursor.execute(query)
                digest.update(repr(cursor.fetchall()).encode())
            cursor.close()
            connection.rollback()
        finally:
            connection.close()
        return digest.hexdigest()


# --- Running it ----------------------------------------------------------------------------


def shape_problem(response) -> str | None:
    """What keeps an answer from being the one error shape, or None."""
    if response.mimetype != JSON:
        return f"not JSON but {response.mimetype!r}: {response.get_data()[:80]!r}"
    body = response.get_json(silent=True)
    if not isinstance(body, dict):
        return f"not an object: {body!r:.80}"
    if not isinstance(body.get("key"), str) or not body["key"].startswith("api.error."):
        return f"no api.error key: {body!r:.200}"
    if not isinstance(body.get("message"), str) or not body["message"]:
        return f"no message: {body!r:.200}"
    members = {"key", "message", "fields", "requestId"}
    # The Teamwork face's errors also carry STATUS and MESSAGE, which its clients read.
    if response.request.path.startswith("/teamwork/"):
        if (body.get("STATUS"), body.get("MESSAGE")) != ("Error", body["message"]):
            return f"STATUS and MESSAGE are not Error and the message: {body!r:.200}"
        members |= {"STATUS", "MESSAGE"}
    if set(body) - members:
        return f"members beyond key, message, fields and requestId: {sorted(body)}"
    if not isinstance(body.get("fields", ""), str):
        return f"fields is not a string: {body!r:.200}"
    if body.get("requestId") != response.headers.get("X-Request-Id"):
        return f"requestId is not the X-Request-Id header: {body!r:.200}"
    return None


class Corpus:
    def __init__(self, app, tally: Tally):
        self.app = app
        self.admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
        self.engine = app.extensions["timetracker"]["engine"]
        self.max_length = app.config["MAX_CONTENT_LENGTH"]
        self.tally = tally
        self.ids = self.seed()
        self.seeded = all_rows(self.engine)
        self.checksum = Checksum(self.engine)
        self.seeded_checksum = self.current = self.checksum()

    def seed(self) -> dict[str, int]:
        """Objects of every kind, made through the API; then the id of an object of each
        collection the document lists."""
        admin = self.admin
        # Named as in the document's example of a user import.
        department = admin.ok("post", "/departments", {"name": "Engineering"})
        zone = admin.ok(
            "post", "/timeZoneGroups", {"name": "London", "timeZoneId": "Europe/London"}
        )
        leave = admin.ok("post", "/leaveTypes", {"name": "Holiday", "balance": "PTO"})
        admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
        admin.ok("post", "/typesOfWork", {"name": "Design", "rate": 10})
        customer = admin.ok("post", "/customers", {"name": "Acme", "description": "d"})
        project = admin.ok("post", "/projects", {"customerId": customer["id"], "name": "Web"})
        task = admin.ok("post", "/tasks", {"projectId": project["id"], "name": "Build"})
        worker = admin.ok(
            "post",
            "/users",
            {
                "username": "worker",
                "password": "worker",
                "firstName": "Wendy",
                "lastName": "Worker",
                "email": "wendy@example.com",
                "departmentId": department["id"],
                "timeZoneGroupId": zone["id"],
            },
        )
        admin.ok("put", f"/users/{worker['id']}/permissions", {"permissions": ["enterTimeTrack"]})
        admin.ok("put", f"/users/{worker['id']}/workAssignments", {"projectIds": [project["id"]]})
        for kind, obj in (("customers", customer), ("projects", project), ("tasks", task)):
            admin.ok("post", f"/{kind}/{obj['id']}/comments", {"text": f"About {obj['name']}"})
        admin.ok("patch", f"/timetrack/worker/{DAY}/{task['id']}", {"time": 60, "comment": "c"})
        timed = {"start": f"{DAY}T14:00:00+01:00", "end": f"{DAY}T15:00:00+01:00"}
        admin.ok("post", "/timeEntries", {"userId": worker["id"], "taskId": task["id"], **timed})
        admin.ok("patch", f"/leavetime/worker/{DAY}/{leave['id']}", {"leaveTime": 60})
        admin.ok(
            "put",
            f"/userRates/{worker['id']}",
            [{"dateFrom": "2026-01-01", "regularRate": 10, "overtimeRate": 15}],
        )
        ids = {"users": worker["id"]}
        for collection in COLLECTIONS:
            response = admin.get(f"/{collection}")
            items = response.get_json().get("items") if response.status_code == 200 else None
            if items and "id" in items[-1]:
                ids.setdefault(collection, items[-1]["id"])
        return ids

    def send(self, request: Request, counts: Counter, problems: list[str]) -> int:
        headers = dict(self.admin.headers)
        if request.authorization:
            headers["Authorization"] = request.authorization
        if request.content_type:
            headers["Content-Type"] = request.content_type
        response = self.app.test_client().open(
            request.path,
            method=request.method,
            query_string="&".join(f"{quote(n)}={v}" for n, v in request.query) or None,
            data=request.body,
            headers=headers,
        )
        status = response.status_code
        self.tally.requests += 1
        self.tally.statuses[status] += 1
        counts[status] += 1
        shown_query = "&".join(f"{n}={shown(v)}" for n, v in request.query)
        where = f"{status} {request.method} {shown(request.path)}?{shown_query} [{request.label}]"
        if status >= 500:
            self.tally.server_errors += 1
            problems.append(f"{where}: server error")
        if not 200 <= status < 300:
            problem = shape_problem(response)
            if problem:
                problems.append(f"{where}: {problem}")
        if request.method in WRITES:
            if 400 <= status < 500:
                self.tally.refused_writes_checked += 1
                if self.checksum() != self.current:
                    problems.append(f"{where}: the refused write changed the database")
                    self.reset()
            else:
                self.reset()
        return status

    def reset(self) -> None:
        restore(self.engine, self.seeded)
        self.current = self.checksum()
        assert self.current == self.seeded_checksum, "restoring the seeded rows failed"

    def valid_body(self, operation: Operation, counts: Counter, problems: list[str]) -> Any:
        """A JSON body the operation accepts, found by sending it: every property if that is
        accepted, else only the required ones (the last resort even when refused)."""
        if operation.media_type != JSON:
            return None
        schema = operation.media["schema"]
        candidates = [sample(schema, "", self.ids, full) for full in (True, False)]
        for candidate in candidates:
            request = Request(
                "control: valid input",
                operation.method,
                operation.url(self.ids),
                operation.required_query(self.ids),
                dumps(candidate),
                JSON,
            )
            if 200 <= self.send(request, counts, problems) < 300:
                return candidate
        return candidates[-1]

    def run(self, operation: Operation) -> list[str]:
        counts: Counter = Counter()
        problems: list[str] = []
        base = self.valid_body(operation, counts, problems)
        for request in bad_requests(operation, self.ids, base, self.max_length):
            self.send(request, counts, problems)
        self.tally.per_operation[str(operation)] = counts
        return problems


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, request):
    # The database as conftest's database_url makes it, but once for the module.
    if PG_URL:
        schema = new_schema_name()
        owner = make_engine(PG_URL)
        with owner.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    else:
        url = str(tmp_path_factory.mktemp("bad-input") / "test.db")
    settings = {
        "DATABASE_URL": url,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "RATELIMIT_STORAGE": RATELIMIT_STORAGE,
        "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex,
        # Thousands of requests in seconds: the throttle and the ban have their own tests.
        "RATELIMIT_PER_SECOND": 1_000_000,
        "RATELIMIT_PER_MINUTE": 1_000_000,
        "LOGIN_BAN_ATTEMPTS": 1_000_000,
    }
    prepare_database(settings)
    app = create_app(settings)
    app.testing = True
    corpus = Corpus(app, request.config.pluginmanager.get_plugin(SUMMARY_PLUGIN).take())
    yield corpus
    app.extensions["timetracker"]["engine"].dispose()
    if PG_URL:
        with owner.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        owner.dispose()


# One worker runs the whole corpus: its one database, and the count of operations it reached.
CORPUS = pytest.mark.xdist_group("bad-input-corpus")


@CORPUS
@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_operation_survives_bad_input(corpus, operation):
    problems = corpus.run(operation)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


@CORPUS
def test_the_corpus_reached_every_operation(corpus):
    if len(corpus.tally.per_operation) < len(OPERATIONS):
        pytest.skip("only part of the corpus was selected")
    assert set(corpus.tally.per_operation) == {str(o) for o in OPERATIONS}
    assert corpus.tally.server_errors == 0


def test_credentials_are_judged_before_any_view(app):
    """The premise of CREDENTIALS_SENT_TO: authentication is one hook of the whole app, which
    runs before every request's view (and before any hook of a blueprint)."""
    from timetracker import auth

    assert auth.authenticate in app.before_request_funcs[None]
    assert set(app.before_request_funcs) == {None}


# --- What the corpus found, one case each -------------------------------------------------------


def test_lone_surrogates_are_refused_in_every_string_field(admin):
    response = admin.post("/customers", json={"name": "\ud800"})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.invalid_argument"
    assert response.get_json()["fields"] == "name"
    # A field with no text check of its own (an e-mail) is refused before its own validation.
    response = admin.post(
        "/users",
        json={"username": "u", "firstName": "F", "lastName": "L", "email": "a\udfff@example.com"},
    )
    assert response.status_code == 400
    assert "surrogate" in response.get_json()["message"]
    assert response.get_json()["fields"] == "email"
    # So is a batch item, before it is dispatched.
    response = admin.post("/batch", json=[{"method": "GET", "relativeUrl": "customers\ud800"}])
    assert response.status_code == 400
    assert admin.ok("get", "/customers")["items"] == []


def test_a_path_segment_holding_nul_names_nothing(admin):
    for path in ("/users/a%00b", "/users/%00/team", "/timetrack/admin/2026-03-%00/1"):
        response = admin.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["key"] == "api.error.not_found"


def test_an_encoded_slash_is_not_merged_into_another_path(admin):
    response = admin.get("/users/%2f/team")
    assert response.status_code == 404
    assert response.get_json()["key"] == "api.error.not_found"


def test_a_word_longer_than_any_name_matches_nothing(admin):
    admin.ok("post", "/customers", {"name": "Acme"})
    assert admin.ok("get", "/customers?words=" + "x" * 60_000)["items"] == []
    assert admin.ok("get", "/users?name=" + "x" * 60_000)["items"] == []


def test_names_no_database_can_store_are_not_looked_up(admin):
    response = admin.client.get("/api/v1/users/me", headers=basic("a\x00b", "x"))
    assert response.status_code == 401
    assert response.get_json()["key"] == "api.error.not_authorized"
    response = admin.client.post(
        "/api/v1/users/import",
        data="username,password,firstName,lastName\nj\x00doe,secret,John,Doe\n",
        headers={**admin.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 400
    assert "NUL" in response.get_json()["message"]


# --- Malformed CSV, for every import ------------------------------------------------------------

# Each import's file: a header and a good line, then a line 3 that the cases spoil in its
# last value (``{}``); unspoilt, the file imports.
IMPORTS = {
    "users": ("username,password,firstName,lastName\nann,pw1,Ann,Archer\nbob,pw2,Bob,{}\n"),
    "tasks": "customer,project,task\nAcme,Website,Wireframes\nAcme,Website,{}\n",
    "timetrack": (
        "username,date,customer,project,task,minutes,comment\n"
        "worker,2026-03-02,Acme,Website,Design,60,\n"
        "worker,2026-03-03,Acme,Website,Design,30,{}\n"
    ),
}
MALFORMED = {
    "a bare CR in an unquoted value": (b"Ba\rker", "carriage return"),
    "a NUL byte": (b"Ba\x00ker", "NUL"),
    "bytes that are not UTF-8, mid-line": (b"Ba\xffker", "not UTF-8"),
    "a surrogate's raw bytes": (b"Ba\xed\xa0\x80ker", "not UTF-8"),
    "a quoted value never closed": (b'"Baker', "never closed"),
    "text after a closing quote": (b'"Ba"ker', "quote"),
    "a value longer than csv's field size limit": (b"x" * (FIELD_LIMIT + 1), "longer than"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=str)
@pytest.mark.parametrize("kind", IMPORTS)
def test_every_csv_import_refuses_a_malformed_file_naming_its_line(
    app, admin, worker, catalogue, kind, case
):
    from tests.test_task_import import every_row

    good = IMPORTS[kind].encode().replace(b"{}", b"Baker")
    before = every_row(app)
    spoilt_value, expected = MALFORMED[case]
    body = IMPORTS[kind].encode().replace(b"{}", spoilt_value)
    response = admin.client.post(
        f"/api/v1/{kind}/import", data=body, headers={**admin.headers, "Content-Type": "text/csv"}
    )
    assert response.status_code == 400, response.get_json()
    answer = response.get_json()
    assert answer["key"] == "api.error.invalid_csv"
    assert "Line 3: " in answer["message"] and expected in answer["message"], answer
    assert "Line 2" not in answer["message"]
    assert every_row(app) == before
    response = admin.client.post(
        f"/api/v1/{kind}/import", data=good, headers={**admin.headers, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("ends", ["\n", "\r\n", "\r"], ids=["LF", "CR LF", "CR"])
@pytest.mark.parametrize("kind", IMPORTS)
def test_every_csv_import_takes_lines_ending_in_lf_cr_lf_or_cr_alone(
    admin, worker, catalogue, kind, ends
):
    """CR LF is what spreadsheets write; CR alone, what old Mac programs wrote (a file without
    any LF). A quoted value may hold a line break."""
    text = IMPORTS[kind].replace("{}", '"Ba\nker"' if ends == "\n" else "Baker")
    body = text.replace("\n", ends) if ends != "\n" else text
    response = admin.client.post(
        f"/api/v1/{kind}/import",
        data=body.encode(),
        headers={**admin.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.get_json()


# --- Names that show nothing ---------------------------------------------------------------------

INVISIBLE_NAMES = {
    "zero-width space": "\u200b",
    "zero-width non-joiner and joiner": "\u200c\u200d",
    "word joiner": "\u2060",
    "byte order mark and zero-width space": "\ufeff\u200b",
    "right-to-left override, between spaces": " \u202e ",
    "embeddings and isolates": "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069",
    "direction marks": "\u200e\u200f",
    "soft hyphen": "\u00ad",
    "Hangul filler": "\u3164",
    "variation selector": "\ufe0f",
    "tag characters": "\U000e0041\U000e007f",
}
VISIBLE_NAMES = {
    "an emoji sequence with a zero-width joiner": "\U0001f469\u200d\U0001f4bb",
    "Devanagari with a zero-width joiner": "\u0915\u094d\u200d\u0937",
    "a zero-width space between letters": "A\u200bB",
    "a letter after a direction mark": "\u200fA",
}


def named_objects(catalogue) -> list[tuple[str, str, dict[str, Any]]]:
    """(collection, field, the rest of a valid create body) of everything with a name."""
    customer = catalogue["customers"]["acme"]["id"]
    project = catalogue["projects"]["web"]["id"]
    user = {"password": "pw", "firstName": "Ann", "lastName": "Archer"}
    return [
        ("customers", "name", {}),
        ("projects", "name", {"customerId": customer}),
        ("tasks", "name", {"projectId": project}),
        ("departments", "name", {}),
        ("timeZoneGroups", "name", {"timeZoneId": "Europe/London"}),
        ("leaveTypes", "name", {"balance": "PTO"}),
        ("workflowStatuses", "name", {"type": "open"}),
        ("typesOfWork", "name", {}),
        ("users", "firstName", {**user, "username": "ann"}),
        ("users", "lastName", {**user, "username": "bob"}),
        ("users", "username", user),
    ]


@pytest.mark.parametrize("name", INVISIBLE_NAMES.values(), ids=INVISIBLE_NAMES)
def test_a_name_that_shows_nothing_is_refused_on_create_and_update(admin, catalogue, name):
    for collection, member, rest in named_objects(catalogue):
        before = admin.ok("get", f"/{collection}")["items"]
        response = admin.post(f"/{collection}", json={**rest, member: name})
        assert response.status_code == 400, (collection, member, response.get_json())
        answer = response.get_json()
        assert answer["key"] == "api.error.invalid_name", (collection, member, answer)
        assert answer["fields"] == member
        assert "visible" in answer["message"]
        assert admin.ok("get", f"/{collection}")["items"] == before
        created = admin.ok("post", f"/{collection}", {**rest, member: "Visible"})
        response = admin.patch(f"/{collection}/{created['id']}", json={member: name})
        assert response.status_code == 400, (collection, member, response.get_json())
        assert response.get_json()["key"] == "api.error.invalid_name"
        assert admin.ok("get", f"/{collection}/{created['id']}")[member] == "Visible"
    response = admin.post("/users/me/tokens", json={"name": name, "scope": "read"})
    assert response.get_json()["key"] == "api.error.invalid_name"


@pytest.mark.parametrize("name", VISIBLE_NAMES.values(), ids=VISIBLE_NAMES)
def test_a_visible_name_holding_invisible_characters_is_kept(admin, catalogue, name):
    for collection, member, rest in named_objects(catalogue):
        created = admin.ok("post", f"/{collection}", {**rest, member: name})
        assert created[member] == name, (collection, member)


def test_a_name_that_shows_nothing_is_refused_in_every_import(admin, worker, catalogue):
    from tests.test_task_import import every_row

    before = every_row(admin.client.application)
    for kind, spoilt in (
        ("users", IMPORTS["users"].replace("{}", "Baker").replace("Bob", "\u200b\u2060")),
        ("tasks", IMPORTS["tasks"].format("\u202e\u200d")),
    ):
        response = admin.client.post(
            f"/api/v1/{kind}/import",
            data=spoilt.encode(),
            headers={**admin.headers, "Content-Type": "text/csv"},
        )
        answer = response.get_json()
        assert response.status_code == 400, answer
        assert answer["key"] == "api.error.invalid_csv"
        assert "Line 3: " in answer["message"] and "visible" in answer["message"], answer
    assert every_row(admin.client.application) == before

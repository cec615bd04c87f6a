"""JSON read within limits, and answers encoded by orjson.

Every JSON body the server reads goes through :func:`read_json` (the argument parser's
``load_json``, and the provider's ``loads`` for ``request.get_json``): the standard library's
parser, with limits on what a body may hold beyond its size (``MAX_CONTENT_LENGTH``). Arrays and
objects nest at most :data:`MAX_DEPTH` levels (the parser recurses once per level: ten thousand
would exhaust Python's stack), an integer has at most :data:`MAX_DIGITS` digits (Python refuses
to convert more than 4,300, and no column stores more than 19), and every number is finite (JSON
has no NaN or Infinity; the standard library would read them, and ``1e400`` as infinity).
Checking costs almost nothing on an ordinary body: the nesting is measured only when the body
holds more than ``MAX_DEPTH`` brackets, and only numbers' own text is looked at.

Encoding is a visible share of every request and most of a large answer (4,000 groups of totals,
a page of 1,000 records): orjson does it several times faster than the standard library, and
writes UTF-8 bytes straight into the response. What it is given is already the API's shape
(schemas have turned dates into strings); anything else falls back to what Flask's own provider
does with it (a Decimal as its text, an object with ``__html__`` as that). Keys keep their order.
With ``debug`` on, answers are indented for reading. What orjson refuses (a lone surrogate that
an error message quotes back, an integer beyond 64 bits) goes to the standard library's encoder,
which writes it as an escape or a number.

A response made here keeps the value it encodes (``json_value``): a batch hands its items'
answers on without parsing them back.
"""

from __future__ import annotations

import decimal
import json
import math
import operator
from itertools import accumulate, count
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS

MAX_DEPTH = 64  # levels of arrays and objects in a body
MAX_DIGITS = 100  # digits of an integer


class JsonLimitError(ValueError):
    """JSON text beyond what the server reads (a ValueError, as a syntax error is)."""


def _integer(text: str) -> int:
    if len(text) > MAX_DIGITS and len(text.lstrip("-")) > MAX_DIGITS:
        raise JsonLimitError(f"the JSON body holds an integer of more than {MAX_DIGITS} digits")
    return int(text)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonLimitError(f"the JSON body holds a number that is not finite ({text:.40})")
    return value


def _no_constant(text: str) -> Any:
    raise JsonLimitError(f"the JSON body holds a number that is not finite ({text})")


# Made once: json.loads with hooks would build a decoder for every body.
_DECODER = json.JSONDecoder(parse_int=_integer, parse_float=_finite, parse_constant=_no_constant)
# Quotes and brackets kept, every other byte dropped; then arrays and objects alike as [ and ].
_NOT_MARKS = bytes(byte for byte in range(256) if byte not in b'"[]{}')
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def nesting(data: bytes) -> int:
    """How deep the arrays and objects of JSON text nest (of text that is not JSON: at least as
    deep as a parser gets before it stops), in a few passes of C over the bytes.

    Brackets inside strings are no structure: once escaped backslashes and quotes are dropped,
    every other stretch between quotes is a string. Of the quotes and brackets left, a pair of
    quotes with nothing between is a string without brackets; when no quote is left after
    removing those, no string held one (the usual case), else the stretches between quotes go.
    Before the i-th closing bracket (from 0) the depth is the opening brackets so far less i."""
    if b'\\"' in data or b"\\\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = data.translate(None, _NOT_MARKS)
    brackets = marks.replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(marks.split(b'"')[::2])
    opened = accumulate(map(len, brackets.translate(_ONE_KIND).split(b"]")))
    return max(map(operator.sub, opened, count()))


def read_json(data: bytes | str, depth_above_bodies: int = 0) -> Any:
    """JSON text (UTF-8 bytes, or text) as Python values, within the limits: a ValueError
    (JsonLimitError beyond them, JSONDecodeError or UnicodeDecodeError for what is not JSON).

    ``depth_above_bodies``: the text holds request bodies of their own that many levels down
    (a batch's items), each of which may nest as deep as a request's body."""
    if isinstance(data, str):
        text, data = data, data.encode("utf-8", "surrogatepass")
    else:
        text = data.decode("utf-8")
    limit = MAX_DEPTH + depth_above_bodies
    # Nesting needs a bracket per level: a body with few brackets cannot be too deep.
    if data.count(b"[") + data.count(b"{") > limit and nesting(data) > limit:
        below = f", not counting the {depth_above_bodies} levels that hold request bodies"
        raise JsonLimitError(
            f"the JSON body nests arrays and objects more than {MAX_DEPTH} levels deep"
            + (below if depth_above_bodies else "")
        )
    return _DECODER.decode(text)


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class OrjsonProvider(DefaultJSONProvider):
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:  # options of the standard library's: its own parser
            return super().loads(s, **kwargs)
        return read_json(s)

    def _options(self) -> int:
        pretty = self.compact is False or (self.compact is None and self._app.debug)
        return _OPTIONS | orjson.OPT_INDENT_2 if pretty else _OPTIONS

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # options of the standard library's (indent=..., ...): its own encoder
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=_default, option=_OPTIONS).decode()
        except orjson.JSONEncodeError:
            return super().dumps(obj)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=_default, option=self._options())
        except orjson.JSONEncodeError:
            return super().response(obj)
        response = self._app.response_class(body, mimetype=self.mimetype)
        # What the body says, for a caller in process that would only parse it back (a batch's
        # item): encoded again by orjson with these options, it reads as the body does.
        response.json_value = obj
        return response

"""JSON answers encoded by orjson.

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
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class OrjsonProvider(DefaultJSONProvider):
    sort_keys = False

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

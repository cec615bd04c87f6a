"""Optional text fields: what an empty one answers, and how a client clears one.

actiTIME answers an empty optional text field either as null (a customer's description) or as
an empty string (where its typed clients read a string, such as a user's middle name); each
response field says which. On the way in, null and ``""`` both clear such a field, so an empty
field is stored one way (null) whichever a client sends.
"""

from __future__ import annotations

from marshmallow import fields

from timetracker.schemas.common import Text


class ClearedByBlank:
    """Mixed into a text field declared with ``allow_none=True``: ``""`` is read as null."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return super().deserialize(None if value == "" else value, attr, data, **kwargs)


class OptionalText(ClearedByBlank, Text):
    """Optional text in a body: null or ``""`` clears it."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)


class OptionalEmail(ClearedByBlank, fields.Email):
    """An optional e-mail address in a body: null or ``""`` clears it."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)


class BlankText(fields.String):
    """Optional text answered as ``""`` when empty, never null: actiTIME answers an empty
    optional text field so where its clients read a string (a typed client fails on null)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return "" if value is None else super()._serialize(value, attr, obj, **kwargs)

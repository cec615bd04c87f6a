"""The kinds of settings: how a setting's text in the environment is read, and which values it
takes (see :mod:`timetracker.config`, whose table gives each setting its kind)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


class Unfit(ValueError):
    """A value a kind does not take; the message names the value and what is accepted."""


class Kind:
    """What a setting holds: how its text in the environment is read, and which values it takes.

    ``read`` turns the environment's text into a value; ``take`` checks a value given as such (the
    test dict's), reading it as the environment's text when it is a string. Both raise
    :class:`Unfit` with what is wrong, in words that name the value and what is accepted.
    """

    accepts = "a value"

    def read(self, text: str) -> Any:
        return self.take(text)

    def take(self, value: Any) -> Any:
        return value

    def unfit(self, value: Any) -> Unfit:
        return Unfit(f"{value!r} is not {self.accepts}")


class Text(Kind):
    accepts = "text"

    def take(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise self.unfit(value)
        return value


class WholeNumber(Kind):
    """A whole number from ``low`` to ``high``; ``why`` explains the bounds."""

    def __init__(self, low: int, high: int, why: str) -> None:
        self.low, self.high = low, high
        self.accepts = f"a whole number from {low} to {high} ({why})"

    def read(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise self.unfit(text) from None
        return self.take(value)

    def take(self, value: Any) -> int:
        if isinstance(value, str):
            return self.read(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.unfit(value)
        if not self.low <= value <= self.high:
            raise self.unfit(value)
        return value


YES = ("1", "true", "yes", "on")
NO = ("0", "false", "no", "off")


class YesNo(Kind):
    accepts = f"yes or no: {', '.join(YES)} or {', '.join(NO)} (in any case)"

    def read(self, text: str) -> bool:
        word = text.strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise self.unfit(text)

    def take(self, value: Any) -> bool:
        if isinstance(value, str):
            return self.read(value)
        if not isinstance(value, bool):
            raise self.unfit(value)
        return value


class OneOf(Kind):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        self.accepts = f"one of {', '.join(choices)} (in any case)"

    def take(self, value: Any) -> str:
        word = value.strip().lower() if isinstance(value, str) else value
        if word not in self.choices:
            raise self.unfit(value)
        return word


class PathPrefix(Kind):
    """Where a part of the API is mounted: a path such as ``/teamwork`` (segments of letters,
    digits, ``-``, ``_`` and ``.``, no trailing slash, not under ``/api``), or one of ``off``
    and ``disabled`` (in any case) to serve nothing there, held as the empty string."""

    accepts = (
        "a path such as /teamwork (letters, digits, -, _ and . between single slashes, not "
        "under /api), or off or disabled"
    )
    _PATH = re.compile(r"(/[A-Za-z0-9._-]+)+")

    def take(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self.unfit(value)
        text = value.strip()
        if text == "" or text.lower() in ("off", "disabled"):
            return ""
        if not self._PATH.fullmatch(text) or text == "/api" or text.startswith("/api/"):
            raise self.unfit(value)
        if any(part in (".", "..") for part in text.split("/")):
            raise self.unfit(value)
        return text


def _either(choices: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join([", ".join(choices[:-1]), choices[-1]] if len(choices) > 1 else choices)


def _without_password(url: str) -> str:
    """``url`` with the password of its user part, if any, written as ``***``: a message about
    a URL must not show it."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


class Url(Kind):
    """A URL of one of ``schemes``; with ``host``, naming a host (and perhaps a port and a path),
    without a query or a fragment."""

    def __init__(self, *schemes: str, host: bool = False) -> None:
        self.schemes, self.host = schemes, host
        starts = _either([f"{scheme}://" for scheme in schemes])
        self.accepts = (
            f"a URL starting with {starts} and naming a host (a port and a path may follow), "
            "without a query or a fragment"
            if host
            else f"a URL starting with {starts}"
        )

    def unfit(self, value: Any) -> Unfit:
        return super().unfit(_without_password(value) if isinstance(value, str) else value)

    def take(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self.unfit(value)
        scheme, colon_slashes, _ = value.partition("://")
        if not colon_slashes or scheme.lower() not in self.schemes:
            raise self.unfit(value)
        if self.host:
            parts = urlsplit(value)
            try:
                parts.port  # noqa: B018 (a port that is not one raises)
            except ValueError:
                raise self.unfit(value) from None
            if not parts.hostname or parts.query or parts.fragment or "?" in value:
                raise self.unfit(value)
        return value


class Database(Kind):
    accepts = "a SQLite file path, or a URL starting with sqlite://, postgresql:// or postgres://"
    BACKENDS = ("sqlite", "postgresql")

    def unfit(self, value: Any) -> Unfit:
        return super().unfit(_without_password(value) if isinstance(value, str) else value)

    def take(self, value: Any) -> str:
        from timetracker.store.db import backend

        if not isinstance(value, str) or not value.strip():
            raise self.unfit(value)
        if backend(value) not in self.BACKENDS:
            raise self.unfit(value)
        return value


class HashMethod(Kind):
    """A werkzeug password hash method: ``scrypt`` or ``scrypt:N:r:p`` (N a power of 2),
    ``pbkdf2``, ``pbkdf2:HASH`` or ``pbkdf2:HASH:ITERATIONS``."""

    accepts = (
        "a password hash method: scrypt, scrypt:N:r:p (N a power of 2 above 1), pbkdf2, "
        "pbkdf2:HASH or pbkdf2:HASH:ITERATIONS (HASH e.g. sha256)"
    )

    def take(self, value: Any) -> str:
        if not isinstance(value, str) or not self._fits(value):
            raise self.unfit(value)
        return value

    @staticmethod
    def _fits(method: str) -> bool:
        name, *args = method.split(":")
        if name == "scrypt":
            if not args:
                return True
            numbers = [int(a) for a in args if re.fullmatch(r"[0-9]{1,10}", a)]
            if len(args) != 3 or len(numbers) != 3:
                return False
            n, r, p = numbers
            return n > 1 and n & (n - 1) == 0 and r >= 1 and p >= 1
        if name == "pbkdf2" and len(args) <= 2:
            if args and not _pbkdf2_hashes(args[0]):
                return False
            return len(args) < 2 or (re.fullmatch(r"[0-9]{1,10}", args[1]) and int(args[1]) >= 1)
        return False


def _pbkdf2_hashes(name: str) -> bool:
    """Whether PBKDF2 can use the hash ``name`` (one round: no time to speak of)."""
    try:
        hashlib.pbkdf2_hmac(name, b"", b"", 1)
    except (ValueError, TypeError):
        return False
    return True


class ListOf(Kind):
    """Entries separated by commas in the environment (spaces around them and empty ones are
    dropped), as a list; ``check`` tells what is wrong with a list, or None."""

    def __init__(self, what: str, check: Callable[[list[str]], str | None]) -> None:
        self.check = check
        self.accepts = f"a comma-separated list of {what}"

    def read(self, text: str) -> list[str]:
        entries = [part.strip() for part in text.split(",") if part.strip()]
        if not entries:
            raise Unfit(f"{text!r} names nothing: give {self.accepts}")
        return self.take(entries)

    def take(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return self.read(value)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.unfit(value)
        if not value:
            raise Unfit(f"names nothing: give {self.accepts}")
        problem = self.check(list(value))
        if problem:
            raise Unfit(problem)
        return list(value)

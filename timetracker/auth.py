"""HTTP Basic authentication, with a cache of verified credentials and a ban on repeated failures.

Basic auth re-sends the password with every request, and a deliberately slow hash (scrypt) on
each one would cap the server at a few dozen requests per second. A successful verification is
therefore remembered under ``HMAC(process secret, username, password, stored hash)``:

- the key says nothing about the password without the secret, which lives only in memory;
- a changed password changes the stored hash, so the old key can never match again;
- a disabled (or not yet hired, or released) user is refused before the cache is consulted.

An ``Authorization: Bearer <token>`` header authenticates with a personal API token instead
(``services/tokens.py``): one lookup of the token's hash, no password check. On the Teamwork
face, a Basic user name written like a token (``tt_...``) is tried as one first, whatever the
password, as Teamwork's clients send their key.

In a batch's group of items on SQLite, which runs in one transaction holding the write lock,
a Basic login verified for one item stands for the next ones until a statement of the group
may have changed a login (``caller.LoginMemo``).

Three failed logins from one IP within ten seconds ban that IP for a minute (403). The counters
live in the rate limiter's storage, so with Redis every server process shares them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict

from flask import Flask, current_app, g, request
from flask_httpauth import HTTPBasicAuth
from werkzeug.security import check_password_hash, generate_password_hash

from timetracker.access import Caller
from timetracker.api.common import is_public
from timetracker.errors import ApiError, error_response, on_teamwork_face
from timetracker.permissions import LOGINS, LoginMemo, can_log_in
from timetracker.permissions import caller_of as _caller
from timetracker.schemas.base import unstorable
from timetracker.services import tokens
from timetracker.store import users as user_store
from timetracker.store.db import WRITE_METHODS, get_db
from timetracker.store.util import name_key


class VerifiedCredentials:
    """A bounded, thread-safe LRU set of keyed hashes of verified credentials."""

    def __init__(self, size: int):
        self.size = size
        self._secret = secrets.token_bytes(32)
        self._keys: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, username: str, password: str, stored_hash: str) -> bytes:
        message = "\0".join((name_key(username), password, stored_hash)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def contains(self, username: str, password: str, stored_hash: str) -> bool:
        if self.size <= 0:
            return False
        key = self._key(username, password, stored_hash)
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return True
        return False

    def add(self, username: str, password: str, stored_hash: str) -> None:
        if self.size <= 0:
            return
        key = self._key(username, password, stored_hash)
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)


auth = HTTPBasicAuth(realm="timetracker")


@auth.verify_password
def verify_password(username: str, password: str) -> Caller | None:
    if not username:
        return None
    # A read: checking a (wrong) password is slow and must never hold the write lock. A name no
    # database can store (NUL) is nobody's, and PostgreSQL would refuse to look it up.
    storable = not unstorable(username)
    decoy = decoy_hash()  # before the lookup: the first login of all pays for it, whoever it is
    user = user_store.find_for_login(get_db(write=False), username) if storable else None
    cache: VerifiedCredentials = current_app.extensions["timetracker"]["credentials"]
    if user is None:
        # Spend the same time as for a real user, so timing does not reveal which names exist.
        check_password_hash(decoy, password)
        g.auth_failure = "invalid"
        return None
    verified = cache.contains(username, password, user["password_hash"])
    if not verified:
        verified = check_password_hash(user["password_hash"], password)
        if verified:
            cache.add(username, password, user["password_hash"])
    if not verified:
        g.auth_failure = "invalid"
        return None
    if not can_log_in(user):
        g.auth_failure = "inactive"
        return None
    return _caller(user)


@auth.error_handler
def auth_error(status: int):
    if g.get("auth_failure") == "inactive":
        error = ApiError(
            401,
            "user_cannot_be_authorized",
            "The account exists but cannot be authorized (disabled, not hired yet or released)",
        )
    elif g.get("auth_failure") == "invalid":
        error = ApiError(401, "not_authorized", "Invalid credentials")
    else:
        error = ApiError(
            401,
            "not_authorized",
            "Authentication required: send HTTP Basic credentials or an API token",
        )
    response = error_response(error)
    response.headers["WWW-Authenticate"] = 'Basic realm="timetracker"'
    return response


def client_ip() -> str:
    return request.remote_addr or "unknown"


def scheme() -> str | None:
    """The Authorization header's scheme (lower case), or None without one; 400 for a scheme
    other than Basic and Bearer."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    name = header.split(" ", 1)[0].lower()
    if name not in ("basic", "bearer"):
        raise ApiError(
            400,
            "invalid_auth_scheme",
            "Invalid authentication scheme: use Basic (username and password) or Bearer (an "
            "API token)",
        )
    return name


def _writes_through_items() -> bool:
    """Whether the request's view writes only through items judged as requests of their own
    (a batch)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(getattr(view, "view_class", None), "writes_only_through_items", False)


def verify_token(token: str | None = None) -> Caller | None:
    """The caller of ``Authorization: Bearer <token>`` (or of ``token``, sent otherwise), or
    None (``g.auth_failure`` says why). A read token is refused any write (403)."""
    if token is None:
        token = request.headers["Authorization"].partition(" ")[2].strip()
    found = tokens.login(get_db(write=False), token) if token and not unstorable(token) else None
    if found is None:
        g.auth_failure = "invalid"
        return None
    if not can_log_in(found):
        g.auth_failure = "inactive"
        return None
    if (
        found["scope"] == tokens.READ
        and request.method in WRITE_METHODS
        and not _writes_through_items()
    ):
        raise ApiError(403, "token_read_only", "This API token may only read (GET)")
    g.token_id = found["token_id"]
    return _caller(found)


def basic_token() -> str | None:
    """On the Teamwork face, whose clients send an API token as the Basic user name with any
    password (or none): that user name, when it is written like a token."""
    if not on_teamwork_face():
        return None
    credentials = auth.get_auth()
    username = credentials.get("username") if credentials else None
    if username and username.startswith(tokens.PREFIX):
        return username
    return None


def authenticate():
    """Before every non-public request: ban check, Basic auth, then ``g.caller``.

    Returns an error response to stop the request, or None to let it through. An ``OPTIONS``
    request (a browser's CORS preflight) carries no credentials and does nothing: it is let
    through without any check, so it never counts as a failed login.
    """
    if request.method == "OPTIONS":
        return None
    endpoint = request.endpoint or ""
    app = current_app._get_current_object()
    view = app.view_functions.get(endpoint)
    extensions = app.extensions["timetracker"]
    if view is None or endpoint in extensions["public_endpoints"] or is_public(view):
        return None
    by_token = scheme() == "bearer"
    limiter = extensions["limiter"]
    ip = client_ip()
    if limiter.is_banned(ip):
        raise ApiError(
            403,
            "ip_banned",
            "Too many failed logins from this address; try again later",
            headers={"Retry-After": str(limiter.ban_seconds_left(ip))},
        )
    token_as_name = None if by_token else basic_token()
    caller = None
    if by_token:
        caller = verify_token()
    elif token_as_name is not None:
        caller = verify_token(token_as_name)
    if caller is None and not by_token:
        memo: LoginMemo | None = request.environ.get(LOGINS)
        header = request.headers.get("Authorization", "")
        caller = memo.get(header) if memo is not None else None
        if caller is None:
            credentials = auth.get_auth()  # flask-httpauth's parsing of the Basic header
            caller = auth.authenticate(credentials, None)
            if caller is not None and memo is not None:
                memo.add(header, caller)
    if caller is None:
        if g.get("auth_failure") == "invalid":
            limiter.register_failed_login(ip)
        return auth_error(401)
    g.caller = caller
    return None


def init_app(app: Flask) -> None:
    app.extensions["timetracker"]["credentials"] = VerifiedCredentials(
        app.config["AUTH_CACHE_SIZE"]
    )
    app.extensions["timetracker"]["decoy_hash"] = None
    app.extensions["timetracker"]["decoy_lock"] = threading.Lock()


def decoy_hash() -> str:
    """The hash a name that is nobody's is checked against: a random password's, made with the
    configured method by the first login (a slow hash is some 70 ms the start need not wait
    for), before that login looks its name up, so no login's timing tells whether it exists."""
    extension = current_app.extensions["timetracker"]
    decoy = extension["decoy_hash"]
    if decoy is None:
        with extension["decoy_lock"]:
            decoy = extension["decoy_hash"]
            if decoy is None:
                decoy = extension["decoy_hash"] = generate_password_hash(
                    secrets.token_urlsafe(16), method=current_app.config["PASSWORD_HASH_METHOD"]
                )
    return decoy

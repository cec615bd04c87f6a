"""Settings: defaults, then ``TIMETRACKER_*`` environment variables, then the test dict.

Every setting is listed once in ``SETTINGS`` with its type and meaning; the README's configuration
table is this table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class SettingError(ValueError):
    """A setting whose value cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    kind: type  # ``list``: comma-separated in the environment
    help: str
    check: Callable[[Any], str | None] | None = None  # what is wrong with a value, or None


_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?", re.I)
_HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*", re.I)


def _check_origins(origins: list[str]) -> str | None:
    if "*" in origins:
        return None if origins == ["*"] else "'*' stands alone, without other origins"
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            return (
                f"{origin!r} is not an origin: scheme://host[:port], without a path or a "
                "trailing slash, e.g. https://tools.example.com"
            )
    return None


def _check_hosts(hosts: list[str]) -> str | None:
    for host in hosts:
        try:  # a leading dot stands for every subdomain
            ascii_host = host.removeprefix(".").encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = ""
        if not _HOST.fullmatch(ascii_host):
            return (
                f"{host!r} is not a host name: give names without scheme or port, e.g. "
                "time.example.com, or .example.com for every subdomain"
            )
    return None


def _between(low: int, high: int, why: str) -> Callable[[int], str | None]:
    """A check that a whole number lies in ``low``..``high``; ``why`` explains the bounds."""

    def check(value: int) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"{value!r} is not a whole number from {low} to {high} ({why})"
        return None

    return check


def _check_hook_hosts(entries: list[str]) -> str | None:
    from timetracker.services.hook_targets import check_allowed_hosts

    return check_allowed_hosts(entries)


def _check_hook_networks(entries: list[str]) -> str | None:
    from timetracker.services.hook_targets import check_allowed_networks

    return check_allowed_networks(entries)


# Under waitress every connection is a file descriptor in one select() call, which takes
# descriptors below 1024 only (the usual per-process limit too), and the server keeps a few
# (its database files, its logs) beside them.
CONNECTION_LIMIT_MAX = 1000
HEADER_TIMEOUT_MAX = 300
HOOK_TIMEOUT_MAX = 20  # a stop waits for deliveries under way: below the 30 s of grace


METRICS_MODES = ("disabled", "token")
METRICS_TOKEN_MIN = 16  # too long to guess, so failed tries need no ban


def _check_metrics(config: dict[str, Any]) -> None:
    """The metrics settings agree: token mode has a long enough token, and a token is not set
    for an endpoint that stays off (its owner would believe it on)."""
    mode, token = config["METRICS"], config["METRICS_TOKEN"]
    if mode not in METRICS_MODES:
        raise SettingError(f"{ENV_PREFIX}METRICS: {mode!r} is not one of disabled, token")
    if mode == "token" and (not token or len(token) < METRICS_TOKEN_MIN):
        raise SettingError(
            f"{ENV_PREFIX}METRICS_TOKEN: TIMETRACKER_METRICS=token needs a token of at least "
            f"{METRICS_TOKEN_MIN} characters (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')"
        )
    if mode == "disabled" and token:
        raise SettingError(
            f"{ENV_PREFIX}METRICS_TOKEN is set but the metrics are disabled: set "
            f"{ENV_PREFIX}METRICS=token to serve them, or unset the token"
        )


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "data/timetracker.db",
        str,
        "SQLite file path or SQLAlchemy URL (sqlite:///..., postgresql://...).",
    ),
    Setting(
        "ADMIN_PASSWORD",
        None,
        str,
        "Password of the 'admin' account created on first start; random and printed if unset.",
    ),
    # One row per setting: the rows look alike by design (this table is the README's too).
    Setting(
        "RATELIMIT_STORAGE",
        "memory://",
        str,
        "limits storage URI for throttling and login bans, e.g. redis://127.0.0.1:6379.",
    ),
    Setting("RATELIMIT_PER_SECOND", 100, int, "Requests per second allowed for one user."),
    Setting("RATELIMIT_PER_MINUTE", 1000, int, "Requests per minute allowed for one user."),
    Setting(
        "RATELIMIT_KEY_PREFIX",
        "timetracker",
        str,
        "Prefix of the limiter keys, so several deployments can share one Redis.",
    ),
    Setting("LOGIN_BAN_ATTEMPTS", 3, int, "Failed logins from one IP that trigger a ban."),
    Setting("LOGIN_BAN_WINDOW", 10, int, "Seconds within which those failed logins count."),
    Setting("LOGIN_BAN_SECONDS", 60, int, "How long a banned IP gets 403."),
    Setting(
        "AUTH_CACHE_SIZE",
        10000,
        int,
        "Successful password checks remembered in memory (0 disables the cache).",
    ),
    Setting("PASSWORD_HASH_METHOD", "scrypt", str, "werkzeug password hash method."),
    Setting("MAX_CONTENT_LENGTH", 1024 * 1024, int, "Largest accepted request body in bytes."),
    Setting(
        "IMPORT_MAX_CONTENT_LENGTH",
        32 * 1024 * 1024,
        int,
        "Largest accepted CSV body of POST /users/import, /tasks/import and /timetrack/import, "
        "in bytes.",
    ),
    Setting(
        "TIMETRACK_IMPORT_MAX_ROWS",
        100_000,
        int,
        "Most lines one time-track import (POST /timetrack/import) may hold.",
    ),
    Setting(
        "BATCH_MAX_SIZE",
        1000,
        int,
        "Most requests one POST /batch may hold (each started 100 count as one request).",
    ),
    Setting(
        "PUBLIC_URL",
        None,
        str,
        "Base URL used in the 'url' deep links; defaults to the URL of the request.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        int,
        "Number of reverse proxies in front of the server whose X-Forwarded-* to trust.",
    ),
    Setting(
        "TRUSTED_HOSTS",
        None,
        list,
        "Host names the server answers to (comma-separated; .example.com covers its subdomains); "
        "a request naming another host gets 400. Any host if unset.",
        _check_hosts,
    ),
    Setting(
        "CORS_ORIGINS",
        None,
        list,
        "Origins whose browser scripts may call the API (comma-separated, or *); none if unset.",
        _check_origins,
    ),
    Setting(
        "HOOK_ALLOWED_HOSTS",
        None,
        list,
        "Host names (and ports) REST hooks may send events to (comma-separated; .example.com "
        "covers its subdomains; name:8443 a port, name:* any, a name alone 80/443). Any host if "
        "unset.",
        _check_hook_hosts,
    ),
    Setting(
        "HOOK_ALLOWED_NETWORKS",
        None,
        list,
        "Non-public networks or addresses (and ports) REST hooks may reach all the same "
        "(comma-separated: 10.0.0.0/8:*, 127.0.0.1:8099, [fd00::/8]:443; without a port 80/443). "
        "None if unset.",
        _check_hook_networks,
    ),
    Setting(
        "HOOK_TIMEOUT",
        10,
        int,
        "Seconds one REST hook delivery may take in all: connecting, sending and the whole "
        f"answer (1 to {HOOK_TIMEOUT_MAX}).",
        _between(1, HOOK_TIMEOUT_MAX, "seconds, below the 30 s a stop grants"),
    ),
    Setting(
        "HOOK_MAX_PER_USER",
        20,
        int,
        "Most REST hooks one user may have (1 to 10000).",
        _between(1, 10_000, "hooks of one user"),
    ),
    Setting(
        "CONNECTION_LIMIT",
        100,
        int,
        "Most client connections one server process keeps open at once; more wait to be accepted.",
        _between(1, CONNECTION_LIMIT_MAX, "connections of one process"),
    ),
    Setting(
        "HEADER_TIMEOUT",
        5,
        int,
        "Seconds a connection has, from its opening or its previous answer, to send a whole "
        "request head (request line and headers); it is closed otherwise.",
        _between(1, HEADER_TIMEOUT_MAX, "seconds"),
    ),
    Setting("AUTO_MIGRATE", True, bool, "Upgrade the database schema when the app starts."),
    Setting("ACCESS_LOG", True, bool, "Log a line per request (logger timetracker.access)."),
    Setting(
        "LOG_FORMAT",
        "text",
        str,
        "text, or json: the access log as one JSON object per line.",
    ),
    Setting(
        "METRICS",
        "disabled",
        str,
        "disabled: GET /api/v1/metrics is 404; token: it answers Prometheus text to "
        "Authorization: Bearer <TIMETRACKER_METRICS_TOKEN>.",
    ),
    Setting(
        "METRICS_TOKEN",
        None,
        str,
        f"The bearer token of GET /api/v1/metrics (at least {METRICS_TOKEN_MIN} characters).",
    ),
)

ENV_PREFIX = "TIMETRACKER_"


def _convert(setting: Setting, raw: str) -> Any:
    if setting.kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if setting.kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    try:
        return setting.kind(raw)
    except ValueError:
        raise SettingError(f"{ENV_PREFIX}{setting.name}: {raw!r} is not a whole number") from None


def _checked(setting: Setting, value: Any) -> Any:
    """The value as its kind (a list setting's as a list), or SettingError naming the
    variable."""
    if value is None:
        return value
    if setting.kind is list:
        value = _convert(setting, value) if isinstance(value, str) else list(value)
        problem = "names nothing" if not value else setting.check and setting.check(value)
    else:
        problem = setting.check and setting.check(value)
    if problem:
        raise SettingError(f"{ENV_PREFIX}{setting.name}: {problem}")
    return value


def load_config(test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the effective settings: defaults < environment < ``test_config``."""
    config = {s.name: s.default for s in SETTINGS}
    for setting in SETTINGS:
        raw = os.environ.get(ENV_PREFIX + setting.name)
        if raw is not None and raw != "":
            config[setting.name] = _convert(setting, raw)
    if test_config:
        config.update(test_config)
    for setting in SETTINGS:
        config[setting.name] = _checked(setting, config[setting.name])
    _check_metrics(config)
    return config

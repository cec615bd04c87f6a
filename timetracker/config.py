"""Settings: defaults, then ``TIMETRACKER_*`` environment variables, then the test dict.

Every setting is listed once in ``SETTINGS`` with its kind and meaning; the README's configuration
table is this table. The kind reads the environment's text and says which values it takes (a whole
number within bounds, yes or no, one of some words, a URL of some schemes, a list of hosts,
networks or origins, a database, a password hash method, text); a value it does not take stops
the start with one line naming the variable, the value and what is accepted. The test dict goes
through the same kinds: a string there is read as the environment's text would be.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from timetracker.config_kinds import (
    Database,
    HashMethod,
    Kind,
    ListOf,
    OneOf,
    PathPrefix,
    Text,
    Unfit,
    Url,
    WholeNumber,
    YesNo,
)


class SettingError(ValueError):
    """A setting whose value cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any  # None: unset (then only None or a value of its kind)
    kind: Kind
    help: str


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


def _check_hook_hosts(entries: list[str]) -> str | None:
    from timetracker.services.hook_targets import check_allowed_hosts

    return check_allowed_hosts(entries)


def _check_hook_networks(entries: list[str]) -> str | None:
    from timetracker.services.hook_targets import check_allowed_networks

    return check_allowed_networks(entries)


# Every connection is a file descriptor of its worker, and the usual per-process limit is 1024;
# the worker keeps a few (its database files, its logs) beside them.
CONNECTION_LIMIT_MAX = 1000
HEADER_TIMEOUT_MAX = 300
HOOK_TIMEOUT_MAX = 20  # a stop waits for deliveries under way: below the 30 s of grace


METRICS_MODES = ("disabled", "token")
METRICS_TOKEN_MIN = 16  # too long to guess, so failed tries need no ban


def _check_metrics(config: dict[str, Any]) -> None:
    """The metrics settings agree: token mode has a long enough token, and a token is not set
    for an endpoint that stays off (its owner would believe it on)."""
    mode, token = config["METRICS"], config["METRICS_TOKEN"]
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


# What limits can count in with this package's dependencies (redis-py): memory, or Redis.
RATELIMIT_SCHEMES = (
    "memory",
    "redis",
    "rediss",
    "redis+unix",
    "redis+cluster",
    "redis+sentinel",
)
A_WEEK = 7 * 24 * 3600
A_GIB = 1024 * 1024 * 1024

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "data/timetracker.db",
        Database(),
        "SQLite file path or SQLAlchemy URL (sqlite:///..., postgresql://...).",
    ),
    Setting(
        "ADMIN_PASSWORD",
        None,
        Text(),
        "Password of the 'admin' account created on first start; random and printed if unset.",
    ),
    # One row per setting: the rows look alike by design (this table is the README's too).
    Setting(
        "RATELIMIT_STORAGE",
        "memory://",
        Url(*RATELIMIT_SCHEMES),
        "limits storage URI for throttling and login bans, e.g. redis://127.0.0.1:6379.",
    ),
    Setting(
        "RATELIMIT_PER_SECOND",
        100,
        WholeNumber(1, 1_000_000_000, "requests"),
        "Requests per second allowed for one user.",
    ),
    Setting(
        "RATELIMIT_PER_MINUTE",
        1000,
        WholeNumber(1, 1_000_000_000, "requests"),
        "Requests per minute allowed for one user.",
    ),
    Setting(
        "RATELIMIT_KEY_PREFIX",
        "timetracker",
        Text(),
        "Prefix of the limiter keys, so several deployments can share one Redis.",
    ),
    Setting(
        "LOGIN_BAN_ATTEMPTS",
        3,
        WholeNumber(1, 1_000_000, "failed logins"),
        "Failed logins from one IP that trigger a ban.",
    ),
    Setting(
        "LOGIN_BAN_WINDOW",
        10,
        WholeNumber(1, A_WEEK, "seconds, at most a week"),
        "Seconds within which those failed logins count.",
    ),
    Setting(
        "LOGIN_BAN_SECONDS",
        60,
        WholeNumber(1, A_WEEK, "seconds, at most a week"),
        "How long a banned IP gets 403.",
    ),
    Setting(
        "AUTH_CACHE_SIZE",
        10000,
        WholeNumber(0, 1_000_000, "credentials; 0 turns the cache off"),
        "Successful password checks remembered in memory (0 disables the cache).",
    ),
    Setting("PASSWORD_HASH_METHOD", "scrypt", HashMethod(), "werkzeug password hash method."),
    Setting(
        "MAX_CONTENT_LENGTH",
        1024 * 1024,
        WholeNumber(1, A_GIB, "bytes, at most 1 GiB"),
        "Largest accepted request body in bytes.",
    ),
    Setting(
        "IMPORT_MAX_CONTENT_LENGTH",
        32 * 1024 * 1024,
        WholeNumber(1, A_GIB, "bytes, at most 1 GiB"),
        "Largest accepted CSV body of POST /users/import, /tasks/import and /timetrack/import, "
        "in bytes.",
    ),
    Setting(
        "TIMETRACK_IMPORT_MAX_ROWS",
        100_000,
        WholeNumber(1, 10_000_000, "lines"),
        "Most lines one time-track import (POST /timetrack/import) may hold.",
    ),
    Setting(
        "BATCH_MAX_SIZE",
        1000,
        WholeNumber(1, 100_000, "requests"),
        "Most requests one POST /batch may hold (each started 100 count as one request).",
    ),
    Setting(
        "PUBLIC_URL",
        None,
        Url("http", "https", host=True),
        "Base URL used in the 'url' deep links; defaults to the URL of the request.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        WholeNumber(0, 20, "proxies in a row"),
        "Number of reverse proxies in front of the server whose X-Forwarded-* to trust.",
    ),
    Setting(
        "TRUSTED_HOSTS",
        None,
        ListOf("host names", _check_hosts),
        "Host names the server answers to (comma-separated; .example.com covers its subdomains); "
        "a request naming another host gets 400. Any host if unset.",
    ),
    Setting(
        "CORS_ORIGINS",
        None,
        ListOf("origins (scheme://host[:port]), or *", _check_origins),
        "Origins whose browser scripts may call the API (comma-separated, or *); none if unset.",
    ),
    Setting(
        "HOOK_ALLOWED_HOSTS",
        None,
        ListOf("host names, each with an optional :port or :*", _check_hook_hosts),
        "Host names (and ports) REST hooks may send events to (comma-separated; .example.com "
        "covers its subdomains; name:8443 a port, name:* any, a name alone 80/443). Any host if "
        "unset.",
    ),
    Setting(
        "HOOK_ALLOWED_NETWORKS",
        None,
        ListOf("networks or addresses, each with an optional :port or :*", _check_hook_networks),
        "Non-public networks or addresses (and ports) REST hooks may reach all the same "
        "(comma-separated: 10.0.0.0/8:*, 127.0.0.1:8099, [fd00::/8]:443; without a port 80/443). "
        "None if unset.",
    ),
    Setting(
        "HOOK_TIMEOUT",
        10,
        WholeNumber(1, HOOK_TIMEOUT_MAX, "seconds, below the 30 s a stop grants"),
        "Seconds one REST hook delivery may take in all: connecting, sending and the whole "
        f"answer (1 to {HOOK_TIMEOUT_MAX}).",
    ),
    Setting(
        "HOOK_MAX_PER_USER",
        20,
        WholeNumber(1, 10_000, "hooks of one user"),
        "Most REST hooks one user may have (1 to 10000).",
    ),
    Setting(
        "CONNECTION_LIMIT",
        100,
        WholeNumber(1, CONNECTION_LIMIT_MAX, "connections of one process"),
        "Most client connections one server process keeps open at once; more wait to be accepted.",
    ),
    Setting(
        "HEADER_TIMEOUT",
        5,
        WholeNumber(1, HEADER_TIMEOUT_MAX, "seconds"),
        "Seconds a connection has, from its opening or its previous answer, to send a whole "
        "request head (request line and headers); it is closed otherwise.",
    ),
    Setting(
        "AUTO_MIGRATE",
        True,
        YesNo(),
        "Upgrade the database schema when the server starts or a command opens the database.",
    ),
    Setting("ACCESS_LOG", True, YesNo(), "Log a line per request (logger timetracker.access)."),
    Setting(
        "LOG_FORMAT",
        "text",
        OneOf("text", "json"),
        "text, or json: the access log as one JSON object per line.",
    ),
    Setting(
        "METRICS",
        "disabled",
        OneOf(*METRICS_MODES),
        "disabled: GET /api/v1/metrics is 404; token: it answers Prometheus text to "
        "Authorization: Bearer <TIMETRACKER_METRICS_TOKEN>.",
    ),
    Setting(
        "METRICS_TOKEN",
        None,
        Text(),
        f"The bearer token of GET /api/v1/metrics (at least {METRICS_TOKEN_MIN} characters).",
    ),
    Setting(
        "TEAMWORK_PREFIX",
        "/teamwork",
        PathPrefix(),
        "Where the Teamwork time API is served (/teamwork/time_entries.json, ...); off or "
        "disabled: not at all.",
    ),
)

ENV_PREFIX = "TIMETRACKER_"


def _value(setting: Setting, value: Any, read: bool) -> Any:
    """The value of ``setting``, read from the environment's text (``read``) or taken as
    given; SettingError naming the variable if it does not fit."""
    if value is None and setting.default is None:
        return None
    try:
        return setting.kind.read(value) if read else setting.kind.take(value)
    except Unfit as exc:
        raise SettingError(f"{ENV_PREFIX}{setting.name}: {exc}") from None


def load_config(test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the effective settings: defaults < environment < ``test_config``, each read and
    checked by its kind (SettingError, naming the variable, for the first that does not fit)."""
    config = {s.name: s.default for s in SETTINGS}
    for setting in SETTINGS:
        raw = os.environ.get(ENV_PREFIX + setting.name)
        if raw is not None and raw != "":
            config[setting.name] = _value(setting, raw, read=True)
    if test_config:
        config.update(test_config)
        for setting in SETTINGS:
            if setting.name in test_config:
                config[setting.name] = _value(setting, test_config[setting.name], read=False)
    _check_metrics(config)
    return config

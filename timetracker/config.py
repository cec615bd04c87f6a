"""Settings: defaults, then ``TIMETRACKER_*`` environment variables, then the test dict.

Every setting is listed once in ``SETTINGS`` with its type and meaning; the README's configuration
table is this table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    kind: type
    help: str


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
    Setting("AUTO_MIGRATE", True, bool, "Upgrade the database schema when the app starts."),
)

ENV_PREFIX = "TIMETRACKER_"


def _convert(setting: Setting, raw: str) -> Any:
    if setting.kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return setting.kind(raw)


def load_config(test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the effective settings: defaults < environment < ``test_config``."""
    config = {s.name: s.default for s in SETTINGS}
    for setting in SETTINGS:
        raw = os.environ.get(ENV_PREFIX + setting.name)
        if raw is not None and raw != "":
            config[setting.name] = _convert(setting, raw)
    if test_config:
        config.update(test_config)
    return config

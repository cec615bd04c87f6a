"""Settings: every one read and checked by its kind, from the environment and from the test dict;
a value that does not fit stops the start with one line naming the variable, the value and what
is accepted."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, ApiClient
from timetracker import create_app
from timetracker.config import SETTINGS, SettingError, load_config
from timetracker.config_kinds import OneOf, WholeNumber

ROOT = Path(__file__).resolve().parent.parent
BY_NAME = {setting.name: setting for setting in SETTINGS}
TOKEN = "metrics-token-0123456789"

# (setting, the environment's text, the value it gives). Every setting has at least one.
GOOD = [
    ("DATABASE_URL", "data/other.db", "data/other.db"),
    ("DATABASE_URL", "sqlite:///data/x.db", "sqlite:///data/x.db"),
    ("DATABASE_URL", "postgresql://u@db.example/t", "postgresql://u@db.example/t"),
    ("DATABASE_URL", "postgres://u@db.example/t", "postgres://u@db.example/t"),
    ("ADMIN_PASSWORD", " pass word ", " pass word "),
    ("RATELIMIT_STORAGE", "redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
    ("RATELIMIT_STORAGE", "memory://", "memory://"),
    ("RATELIMIT_STORAGE", "redis+sentinel://h:26379/m", "redis+sentinel://h:26379/m"),
    ("RATELIMIT_PER_SECOND", "1", 1),
    ("RATELIMIT_PER_SECOND", " 250 ", 250),
    ("RATELIMIT_PER_MINUTE", "1000000000", 1_000_000_000),
    ("RATELIMIT_KEY_PREFIX", "site-b", "site-b"),
    ("LOGIN_BAN_ATTEMPTS", "5", 5),
    ("LOGIN_BAN_WINDOW", "604800", 604_800),
    ("LOGIN_BAN_SECONDS", "3600", 3600),
    ("AUTH_CACHE_SIZE", "0", 0),
    ("PASSWORD_HASH_METHOD", "pbkdf2:sha256:600000", "pbkdf2:sha256:600000"),
    ("PASSWORD_HASH_METHOD", "scrypt:16384:8:1", "scrypt:16384:8:1"),
    ("PASSWORD_HASH_METHOD", "pbkdf2", "pbkdf2"),
    ("MAX_CONTENT_LENGTH", "2048", 2048),
    ("IMPORT_MAX_CONTENT_LENGTH", "1073741824", 1_073_741_824),
    ("TIMETRACK_IMPORT_MAX_ROWS", "10", 10),
    ("BATCH_MAX_SIZE", "100000", 100_000),
    ("PUBLIC_URL", "https://time.example.com", "https://time.example.com"),
    ("PUBLIC_URL", "http://10.0.0.5:8080/tt/", "http://10.0.0.5:8080/tt/"),
    ("TRUSTED_PROXIES", "2", 2),
    ("TRUSTED_HOSTS", "time.example.com, .corp.example", ["time.example.com", ".corp.example"]),
    ("CORS_ORIGINS", "*", ["*"]),
    ("HOOK_ALLOWED_HOSTS", "hooks.example.com:8443,", ["hooks.example.com:8443"]),
    ("HOOK_ALLOWED_NETWORKS", "10.0.0.0/8:*", ["10.0.0.0/8:*"]),
    ("HOOK_TIMEOUT", "20", 20),
    ("HOOK_MAX_PER_USER", "1", 1),
    ("CONNECTION_LIMIT", "1000", 1000),
    ("HEADER_TIMEOUT", "300", 300),
    ("AUTO_MIGRATE", "false", False),
    ("AUTO_MIGRATE", "Off", False),
    ("AUTO_MIGRATE", "0", False),
    ("AUTO_MIGRATE", "NO", False),
    ("AUTO_MIGRATE", "yes", True),
    ("ACCESS_LOG", " TRUE ", True),
    ("ACCESS_LOG", "on", True),
    ("ACCESS_LOG", "1", True),
    ("LOG_FORMAT", "json", "json"),
    ("LOG_FORMAT", " JSON ", "json"),
    ("METRICS", "disabled", "disabled"),
    ("METRICS_TOKEN", None, None),  # (unset: any token is text; METRICS below needs one)
    ("TEAMWORK_PREFIX", "/tw/v1", "/tw/v1"),
    ("TEAMWORK_PREFIX", " /teamwork ", "/teamwork"),
    ("TEAMWORK_PREFIX", "OFF", ""),
    ("TEAMWORK_PREFIX", "disabled", ""),
]

# (setting, a bad value, what the message says after "TIMETRACKER_<setting>: "). A string is
# tried both in the environment and in the test dict; anything else only in the test dict.
# Every setting has at least one.
BAD = [
    ("DATABASE_URL", "mysql://u@db.example/t", "'mysql://u@db.example/t' is not a SQLite file"),
    ("DATABASE_URL", "://x", "'://x' is not a SQLite file path, or a URL starting with sqlite://"),
    ("DATABASE_URL", None, "None is not a SQLite file path"),
    ("DATABASE_URL", "mysql://u:secret@db/t", "'mysql://u:***@db/t' is not a SQLite file path"),
    ("ADMIN_PASSWORD", 1234, "1234 is not text"),
    ("RATELIMIT_STORAGE", "memcached://h:11211", "'memcached://h:11211' is not a URL starting"),
    ("RATELIMIT_STORAGE", "rdis://:pw@r:6379", "'rdis://:***@r:6379' is not a URL starting with"),
    ("RATELIMIT_STORAGE", "memory", "'memory' is not a URL starting with memory://, redis://"),
    ("RATELIMIT_PER_SECOND", "abc", "'abc' is not a whole number from 1 to 1000000000 (requests)"),
    ("RATELIMIT_PER_SECOND", "0", "0 is not a whole number from 1 to 1000000000 (requests)"),
    ("RATELIMIT_PER_SECOND", "1e3", "'1e3' is not a whole number from 1 to 1000000000"),
    ("RATELIMIT_PER_SECOND", 2.0, "2.0 is not a whole number from 1 to 1000000000"),
    ("RATELIMIT_PER_SECOND", True, "True is not a whole number from 1 to 1000000000"),
    ("RATELIMIT_PER_MINUTE", "1000000001", "1000000001 is not a whole number from 1 to"),
    ("RATELIMIT_KEY_PREFIX", ["a"], "['a'] is not text"),
    ("LOGIN_BAN_ATTEMPTS", "-1", "-1 is not a whole number from 1 to 1000000 (failed logins)"),
    ("LOGIN_BAN_WINDOW", "604801", "604801 is not a whole number from 1 to 604800 (seconds"),
    ("LOGIN_BAN_SECONDS", "0", "0 is not a whole number from 1 to 604800 (seconds, at most"),
    ("AUTH_CACHE_SIZE", "-1", "-1 is not a whole number from 0 to 1000000"),
    ("PASSWORD_HASH_METHOD", "md5", "'md5' is not a password hash method: scrypt, scrypt:N:r:p"),
    ("PASSWORD_HASH_METHOD", "scrypt:1000:8:1", "'scrypt:1000:8:1' is not a password hash"),
    ("PASSWORD_HASH_METHOD", "pbkdf2:nohash", "'pbkdf2:nohash' is not a password hash method"),
    ("PASSWORD_HASH_METHOD", "pbkdf2:sha256:0", "'pbkdf2:sha256:0' is not a password hash"),
    ("MAX_CONTENT_LENGTH", "1MB", "'1MB' is not a whole number from 1 to 1073741824 (bytes"),
    ("IMPORT_MAX_CONTENT_LENGTH", "0", "0 is not a whole number from 1 to 1073741824"),
    ("TIMETRACK_IMPORT_MAX_ROWS", "0", "0 is not a whole number from 1 to 10000000 (lines)"),
    ("BATCH_MAX_SIZE", "100001", "100001 is not a whole number from 1 to 100000 (requests)"),
    ("PUBLIC_URL", "time.example.com", "'time.example.com' is not a URL starting with http://"),
    ("PUBLIC_URL", "https://t.example/?a=1", "'https://t.example/?a=1' is not a URL starting"),
    ("PUBLIC_URL", "https://:8080/", "'https://:8080/' is not a URL starting with http://"),
    ("PUBLIC_URL", "http://t.example:99999", "'http://t.example:99999' is not a URL starting"),
    ("TRUSTED_PROXIES", "21", "21 is not a whole number from 0 to 20 (proxies in a row)"),
    ("TRUSTED_HOSTS", "time.example.com:8080", "'time.example.com:8080' is not a host name"),
    ("TRUSTED_HOSTS", " , ", "' , ' names nothing: give a comma-separated list of host names"),
    ("TRUSTED_HOSTS", [], "names nothing: give a comma-separated list of host names"),
    ("CORS_ORIGINS", "https://a.example/", "'https://a.example/' is not an origin"),
    ("CORS_ORIGINS", [1], "[1] is not a comma-separated list of origins"),
    ("HOOK_ALLOWED_HOSTS", "https://h.example", "'https://h.example': a host name and maybe a"),
    ("HOOK_ALLOWED_NETWORKS", "10.1.0.0/8", "'10.1.0.0/8': not an address or network (10.1"),
    ("HOOK_TIMEOUT", "21", "21 is not a whole number from 1 to 20 (seconds, below the 30 s"),
    ("HOOK_MAX_PER_USER", "10001", "10001 is not a whole number from 1 to 10000 (hooks of one"),
    ("CONNECTION_LIMIT", "many", "'many' is not a whole number from 1 to 1000 (connections"),
    ("HEADER_TIMEOUT", "2.5", "'2.5' is not a whole number from 1 to 300 (seconds)"),
    ("AUTO_MIGRATE", "ture", "'ture' is not yes or no: 1, true, yes, on or 0, false, no, off"),
    ("AUTO_MIGRATE", "y", "'y' is not yes or no"),
    ("AUTO_MIGRATE", 1, "1 is not yes or no"),
    ("ACCESS_LOG", "disabled", "'disabled' is not yes or no"),
    ("LOG_FORMAT", "xml", "'xml' is not one of text, json (in any case)"),
    ("LOG_FORMAT", "js", "'js' is not one of text, json (in any case)"),
    ("METRICS", "open", "'open' is not one of disabled, token (in any case)"),
    ("METRICS_TOKEN", 12345678901234567, "12345678901234567 is not text"),
    ("TEAMWORK_PREFIX", "teamwork", "'teamwork' is not a path such as /teamwork"),
    ("TEAMWORK_PREFIX", "/teamwork/", "'/teamwork/' is not a path such as /teamwork"),
    ("TEAMWORK_PREFIX", "/api/tw", "'/api/tw' is not a path such as /teamwork"),
    ("TEAMWORK_PREFIX", "/a/../b", "'/a/../b' is not a path such as /teamwork"),
    ("TEAMWORK_PREFIX", 1, "1 is not a path such as /teamwork"),
]


@pytest.fixture(autouse=True)
def no_settings_in_the_environment(monkeypatch):
    for name in BY_NAME:
        monkeypatch.delenv(f"TIMETRACKER_{name}", raising=False)


def test_every_setting_has_good_and_bad_values():
    every = set(BY_NAME)
    assert {name for name, _, _ in GOOD} == every
    assert {name for name, _, _ in BAD} == every


def test_the_defaults_are_values_of_their_kinds():
    config = load_config()
    for setting in SETTINGS:
        assert config[setting.name] == setting.default
        if setting.default is not None:
            assert setting.kind.take(setting.default) == setting.default, setting.name


@pytest.mark.parametrize(("name", "text", "value"), GOOD)
def test_good_values_are_read(monkeypatch, name, text, value):
    if text is None:
        assert load_config()[name] is value
        return
    monkeypatch.setenv(f"TIMETRACKER_{name}", text)
    assert load_config()[name] == value
    monkeypatch.delenv(f"TIMETRACKER_{name}")
    # The test dict reads a string as the environment does, and takes the value itself.
    assert load_config({name: text})[name] == value
    assert load_config({name: value})[name] == value


@pytest.mark.parametrize(("name", "value", "problem"), BAD)
def test_bad_values_stop_the_start(monkeypatch, name, value, problem):
    tries = [lambda: load_config({name: value})]
    if isinstance(value, str):
        monkeypatch.setenv(f"TIMETRACKER_{name}", value)
        tries.append(load_config)
    for attempt in tries:
        with pytest.raises(SettingError) as raised:
            attempt()
        message = str(raised.value)
        assert message.startswith(f"TIMETRACKER_{name}: {problem}"), message
        assert "\n" not in message


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("TIMETRACKER_AUTO_MIGRATE", "")
    monkeypatch.setenv("TIMETRACKER_RATELIMIT_PER_SECOND", "")
    config = load_config()
    assert (config["AUTO_MIGRATE"], config["RATELIMIT_PER_SECOND"]) == (True, 100)


def test_the_test_dict_overrides_the_environment_and_is_checked(monkeypatch):
    monkeypatch.setenv("TIMETRACKER_RATELIMIT_PER_SECOND", "abc")
    with pytest.raises(SettingError, match="TIMETRACKER_RATELIMIT_PER_SECOND: 'abc'"):
        load_config({"RATELIMIT_PER_SECOND": 5})  # the environment is read first
    monkeypatch.setenv("TIMETRACKER_RATELIMIT_PER_SECOND", "7")
    assert load_config({"RATELIMIT_PER_SECOND": 5})["RATELIMIT_PER_SECOND"] == 5
    assert load_config({"TESTING": "anything"})["TESTING"] == "anything"  # Flask's own keys
    # Settings unset by default may be given as None; the others need a value.
    assert load_config({"PUBLIC_URL": None})["PUBLIC_URL"] is None
    with pytest.raises(SettingError, match="TIMETRACKER_HOOK_TIMEOUT: None is not a whole"):
        load_config({"HOOK_TIMEOUT": None})


def test_metrics_in_token_mode_take_a_good_token():
    config = load_config({"METRICS": "token", "METRICS_TOKEN": TOKEN})
    assert (config["METRICS"], config["METRICS_TOKEN"]) == ("token", TOKEN)


def test_values_read_from_the_environment_reach_the_server(make_app, monkeypatch, caplog):
    monkeypatch.setenv("TIMETRACKER_BATCH_MAX_SIZE", " 2 ")
    monkeypatch.setenv("TIMETRACKER_ACCESS_LOG", "OFF")
    admin = ApiClient(make_app().test_client(), "admin", ADMIN_PASSWORD)
    with caplog.at_level(logging.INFO, logger="timetracker.access"):
        assert admin.ok("get", "/info")["limits"]["maxBatchSize"] == 2
    assert not [r for r in caplog.records if r.name == "timetracker.access"]
    monkeypatch.setenv("TIMETRACKER_ACCESS_LOG", "Yes")
    admin = ApiClient(make_app().test_client(), "admin", ADMIN_PASSWORD)
    with caplog.at_level(logging.INFO, logger="timetracker.access"):
        admin.ok("get", "/info")
    assert [r for r in caplog.records if r.name == "timetracker.access"]


def test_create_app_checks_the_test_dict_before_opening_the_database(tmp_path):
    db = tmp_path / "never.db"
    with pytest.raises(SettingError, match="TIMETRACKER_AUTO_MIGRATE: 'ture' is not yes or no"):
        create_app({"DATABASE_URL": str(db), "AUTO_MIGRATE": "ture"})
    with pytest.raises(SettingError, match="TIMETRACKER_HOOK_TIMEOUT: 0 is not"):
        create_app({"DATABASE_URL": str(db), "HOOK_TIMEOUT": 0})
    assert not db.exists()


def test_the_readme_gives_every_bound_and_choice():
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        [row] = re.findall(rf"^\| `TIMETRACKER_{setting.name}` \|.*$", readme, re.M)
        kind = setting.kind
        if isinstance(kind, WholeNumber):
            assert f"{kind.low} to {kind.high}" in row, setting.name
        if isinstance(kind, OneOf):
            assert all(f"`{choice}`" in row for choice in kind.choices), setting.name


# --- the command line and the WSGI entry, in processes of their own ---------------------------


def _command() -> list[str]:
    script = Path(sys.executable).with_name("timetracker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "timetracker"]


def _environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRACKER_")}
    env.update({f"TIMETRACKER_{name}": value for name, value in settings.items()})
    return env


# One of each kind, through different commands: each stops before it opens the database.
COMMAND_LINE = [
    ("RATELIMIT_PER_SECOND", "abc", ["serve"], "'abc' is not a whole number from 1 to 1000000000"),
    ("AUTO_MIGRATE", "ture", ["serve"], "'ture' is not yes or no: 1, true, yes, on or 0, false"),
    ("RATELIMIT_STORAGE", "foo://x", ["create-user", "bob", "--password", "pw"], "'foo://x' is"),
    ("TRUSTED_HOSTS", "https://t.example", ["demo"], "'https://t.example' is not a host name"),
    ("LOG_FORMAT", "xml", ["migrate"], "'xml' is not one of text, json (in any case)"),
    ("PUBLIC_URL", "t.example", ["export", "customers"], "'t.example' is not a URL starting"),
    ("PASSWORD_HASH_METHOD", "md5", ["set-password", "admin", "--password", "pw"], "'md5' is not"),
]


@pytest.mark.parametrize(("name", "value", "command", "problem"), COMMAND_LINE)
def test_a_bad_setting_stops_a_command_with_one_line(tmp_path, name, value, command, problem):
    db = tmp_path / "never.db"
    result = subprocess.run(
        [*_command(), *command, "--db", str(db)],
        env=_environment(**{name: value}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: TIMETRACKER_{name}: {problem}"), result.stderr
    assert not db.exists()


def test_a_bad_database_url_stops_a_command_with_one_line(tmp_path):
    result = subprocess.run(
        [*_command(), "backup", str(tmp_path / "copy.db")],
        env=_environment(DATABASE_URL="mysql://u@db.example/t"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: TIMETRACKER_DATABASE_URL: 'mysql://u@db.example/t' is not a SQLite file path, "
        "or a URL starting with sqlite://, postgresql:// or postgres://\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_bad_setting_fails_the_wsgi_import_naming_the_variable(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import app"],
        env=_environment(DATABASE_URL=str(tmp_path / "never.db"), ACCESS_LOG="ture"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    last = result.stderr.splitlines()[-1]
    assert "SettingError: TIMETRACKER_ACCESS_LOG: 'ture' is not yes or no" in last
    assert not (tmp_path / "never.db").exists()

"""The settings of connections: TIMETRACKER_CONNECTION_LIMIT (connections one process keeps
open) and TIMETRACKER_HEADER_TIMEOUT (seconds a connection has to send a whole request head)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from timetracker.cli import main
from timetracker.config import SettingError, load_config


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("CONNECTION_LIMIT", "0", "0 is not a whole number from 1 to 1000"),
        ("CONNECTION_LIMIT", "1001", "is not a whole number from 1 to 1000"),
        ("CONNECTION_LIMIT", "many", "'many' is not a whole number"),
        ("HEADER_TIMEOUT", "0", "is not a whole number from 1 to 300 (seconds)"),
        ("HEADER_TIMEOUT", "2.5", "'2.5' is not a whole number"),
    ],
)
def test_settings_that_do_not_fit_stop_the_start(tmp_path, monkeypatch, variable, value, problem):
    monkeypatch.setenv(f"TIMETRACKER_{variable}", value)
    with pytest.raises(SettingError, match=f"TIMETRACKER_{variable}: "):
        load_config()
    db = tmp_path / "never.db"
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: TIMETRACKER_{variable}: "), result.output
    assert problem in result.output
    assert not db.exists()


def test_the_settings_default_to_100_connections_and_5_seconds(monkeypatch):
    for variable in ("TIMETRACKER_CONNECTION_LIMIT", "TIMETRACKER_HEADER_TIMEOUT"):
        monkeypatch.delenv(variable, raising=False)
    config = load_config()
    assert (config["CONNECTION_LIMIT"], config["HEADER_TIMEOUT"]) == (100, 5)
    monkeypatch.setenv("TIMETRACKER_CONNECTION_LIMIT", "250")
    monkeypatch.setenv("TIMETRACKER_HEADER_TIMEOUT", "20")
    config = load_config()
    assert (config["CONNECTION_LIMIT"], config["HEADER_TIMEOUT"]) == (250, 20)

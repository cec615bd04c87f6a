"""Connections that send no whole request head cannot keep `timetracker serve` from answering:
each process keeps at most TIMETRACKER_CONNECTION_LIMIT connections, and closes one that has
not sent a whole head TIMETRACKER_HEADER_TIMEOUT seconds after its opening or its previous
answer, whether it sends nothing, a byte now and then, or nothing more after an answer.

The real server, with one worker process and with two (`--workers 2`, which needs the limits
in Redis), is held by more such connections than it may keep, and still answers.
"""

from __future__ import annotations

import http.client
import select
import socket

import pytest
from click.testing import CliRunner

from tests.conftest import RATELIMIT_STORAGE
from tests.server_processes import SlowClients, serve
from tests.test_server import request, server_env
from timetracker.cli import main
from timetracker.config import SettingError, load_config
from timetracker.serving import HEAD_BYTES_MAX

LIMIT = 10  # connections of one process
WAIT = 30  # seconds; without the deadline, the answer never comes


def small_server_env() -> dict[str, str]:
    return server_env(
        TIMETRACKER_ADMIN_PASSWORD="pw",
        TIMETRACKER_CONNECTION_LIMIT=str(LIMIT),
        TIMETRACKER_HEADER_TIMEOUT="1",
    )


workers_params = pytest.mark.parametrize(
    "workers",
    [
        1,
        pytest.param(
            2,
            marks=pytest.mark.skipif(
                RATELIMIT_STORAGE.startswith("memory"),
                reason="several processes need TIMETRACKER_RATELIMIT_STORAGE (Redis)",
            ),
        ),
    ],
)


@pytest.mark.long
@workers_params
def test_slow_clients_beyond_the_limit_do_not_keep_others_out(database_url, workers):
    # Two threads a process: few slow clients would be enough to hold them all, were a thread
    # given a connection before its head has arrived.
    args = ("--workers", str(workers), "--threads", "2")
    with serve(database_url, small_server_env(), *args) as server:
        with SlowClients(server.port, count=LIMIT * workers + 5) as slow:
            slow.wait_until_opened()
            # Answered within WAIT seconds (urllib's timeout), among the slow ones.
            for _ in range(3):
                assert request(server.port, "/api/v1/health")[0] == 200
                status, _, body = request(server.port, "/api/v1/customers", auth=("admin", "pw"))
                assert (status, body["items"]) == (200, [])
            # Every kind was closed by the server, and came back.
            assert set(slow.closed) == set(SlowClients.KINDS), slow.closed
        assert "Traceback" not in server.output()


def test_a_worker_keeps_at_most_the_limit_of_connections(database_url):
    """With LIMIT connections open (idle after an answer, within their header timeout), one
    more connection is accepted by the operating system but not answered; once one of them
    closes, it is."""
    env = server_env(
        TIMETRACKER_ADMIN_PASSWORD="pw",
        TIMETRACKER_CONNECTION_LIMIT=str(LIMIT),
        TIMETRACKER_HEADER_TIMEOUT="120",
    )
    with serve(database_url, env, "--workers", "1") as server:
        held = []
        for _ in range(LIMIT):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = http.client.HTTPResponse(sock)
            answer.begin()
            assert answer.status == 200
            answer.read()
            held.append(sock)
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
        with extra:
            extra.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            select_wait(extra, 1)  # no answer while the limit is reached
            held.pop().close()
            answer = http.client.HTTPResponse(extra)
            answer.begin()  # (within WAIT, the socket's timeout)
            assert answer.status == 200
        for sock in held:
            sock.close()


def big_headers(total: int) -> dict[str, str]:
    """Headers of about ``total`` bytes, in fields of 4 KB."""
    return {f"X-Big-{n}": "a" * 4000 for n in range(total // 4000)}


@workers_params
def test_a_head_larger_than_the_limit_gets_431(database_url, workers):
    """Over HEAD_BYTES_MAX: always 431. Under half of it: always answered. In between it
    depends on how the bytes arrive (``timetracker.serving``)."""
    with serve(database_url, small_server_env(), "--workers", str(workers)) as server:
        for total, status in [(HEAD_BYTES_MAX + 8000, 431), (HEAD_BYTES_MAX // 2 - 8000, 200)]:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
            try:
                conn.request("GET", "/api/v1/health", headers=big_headers(total))
                assert conn.getresponse().status == status
            finally:
                conn.close()


@workers_params
def test_keep_alive_answers_go_on_while_the_head_deadline_passes(database_url, workers):
    """The deadline starts again after every answer: a keep-alive connection that asks a
    request more often than the deadline is never closed, however long it lasts."""
    with serve(database_url, small_server_env(), "--workers", str(workers)) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
        with sock:
            for _ in range(12):  # some 3 s, three times the deadline
                sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = http.client.HTTPResponse(sock)
                answer.begin()
                assert answer.status == 200
                assert answer.getheader("Connection", "").lower() != "close"
                answer.read()
                select_wait(sock, 0.25)  # the server does not close it meanwhile


def select_wait(sock: socket.socket, seconds: float) -> None:
    """Wait ``seconds``; fail if the server closes ``sock`` or sends anything meanwhile."""
    readable, _, _ = select.select([sock], [], [], seconds)
    assert not readable, sock.recv(100)


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

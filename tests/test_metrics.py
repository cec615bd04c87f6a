"""GET /api/v1/metrics: off by default, behind its own token, counting requests by route and
status, throttled and banned requests, the database pool and the hook backlog; with several
processes, one scrape sums them all. And the request id in every error body."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ADMIN_PASSWORD, RATELIMIT_STORAGE, ApiClient, app_settings, basic
from tests.receiver import Receiver
from timetracker.config import SettingError, load_config
from timetracker.metrics import MULTIPROC_ENV, child_exit
from timetracker.services.hook_delivery import Deliverer

TOKEN = "metrics-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parent.parent


def metrics_app(make_app, **overrides):
    return make_app(METRICS="token", METRICS_TOKEN=TOKEN, **overrides)


def scrape(client) -> dict[tuple[str, frozenset], float]:
    """The scraped samples: (name, labels) -> value."""
    response = client.get("/api/v1/metrics", headers=BEARER)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def requests(samples, route: str, method: str, status: int) -> float | None:
    return value(
        samples, "timetracker_http_requests_total", route=route, method=method, status=str(status)
    )


# --- off, on, and the token ----------------------------------------------------------------


def test_disabled_by_default_as_if_there_were_no_such_path(client):
    response = client.get("/api/v1/metrics", headers=BEARER)
    assert response.status_code == 404
    body = response.get_json()
    assert body["key"] == "api.error.not_found"
    assert body == {**client.get("/api/v1/nosuch").get_json(), "requestId": body["requestId"]}
    # Nor does the document name what the server does not serve.
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/metrics" not in document["paths"]
    assert "metricsToken" not in document["components"]["securitySchemes"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token-0123456789",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        basic("admin", ADMIN_PASSWORD)["Authorization"],
    ],
)
def test_without_the_token_401(make_app, authorization):
    client = metrics_app(make_app).test_client()
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/metrics", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["key"] == "api.error.not_authorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_users_api_token_is_not_the_metrics_token(make_app):
    app = metrics_app(make_app)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    token = admin.ok("post", "/users/me/tokens", {"name": "ci", "scope": "read"})["token"]
    by_token = {"Authorization": f"Bearer {token}"}
    assert admin.client.get("/api/v1/customers", headers=by_token).status_code == 200
    response = admin.client.get("/api/v1/metrics", headers=by_token)
    assert response.status_code == 401


def test_the_token_opens_them_unthrottled_and_outside_the_ban(make_app):
    app = metrics_app(make_app, RATELIMIT_PER_MINUTE=2, LOGIN_BAN_ATTEMPTS=2)
    client = app.test_client()
    for _ in range(5):  # beyond the per-minute limit, and wrong more often than the ban allows
        assert (
            client.get("/api/v1/metrics", headers={"Authorization": "Bearer x"}).status_code == 401
        )
        response = client.get("/api/v1/metrics", headers=BEARER)
        assert response.status_code == 200
        assert "X-Ratelimit-Remaining" not in response.headers
    # The wrong tokens banned nobody: the admin still logs in.
    assert (
        client.get("/api/v1/customers", headers=basic("admin", ADMIN_PASSWORD)).status_code == 200
    )


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"METRICS": "token"}, "TIMETRACKER_METRICS_TOKEN"),
        ({"METRICS": "token", "METRICS_TOKEN": "short"}, "at least 16"),
        ({"METRICS_TOKEN": TOKEN}, "disabled"),
        ({"METRICS": "open"}, "TIMETRACKER_METRICS:"),
    ],
)
def test_settings_that_do_not_fit_stop_the_start(settings, problem):
    with pytest.raises(SettingError, match=problem):
        load_config(settings)


def test_the_document_lists_the_endpoint_with_its_own_token(make_app):
    client = metrics_app(make_app).test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/metrics"]["get"]
    assert operation["security"] == [{"metricsToken": []}]
    assert list(operation["responses"]["200"]["content"]) == ["text/plain"]
    assert {"200", "401"} <= set(operation["responses"])
    assert document["components"]["securitySchemes"]["metricsToken"]["scheme"] == "bearer"


# --- what is counted -----------------------------------------------------------------------


def test_requests_by_route_method_and_status(make_app, make_user):
    app = metrics_app(make_app, RATELIMIT_PER_MINUTE=3)
    client = app.test_client()
    admin = ApiClient(client, "admin", ADMIN_PASSWORD)
    assert admin.get("/customers").status_code == 200
    assert admin.get("/customers/").status_code == 200  # the same route
    assert admin.get("/customers/12345").status_code == 404
    assert admin.get("/customers").status_code == 429  # the fourth in the minute
    assert client.get("/api/v1/nosuch").status_code == 404
    assert client.open("/api/v1/customers", method="BREW").status_code == 405
    # The login ban: two failures, then the address is refused even with the right password.
    for _ in range(3):
        assert client.get("/api/v1/customers", headers=basic("admin", "x")).status_code == 401
    assert admin.get("/customers").status_code == 403

    samples = scrape(client)
    assert requests(samples, "/api/v1/customers", "GET", 200) == 2
    assert requests(samples, "/api/v1/customers/<int32:id>", "GET", 404) == 1
    assert requests(samples, "/api/v1/customers", "GET", 429) == 1
    assert requests(samples, "/api/v1/customers", "GET", 401) == 3
    assert requests(samples, "/api/v1/customers", "GET", 403) == 1
    assert requests(samples, "unmatched", "GET", 404) == 1
    assert requests(samples, "unmatched", "other", 405) == 1  # no series per made-up method
    assert value(samples, "timetracker_throttled_requests_total") == 1
    assert value(samples, "timetracker_banned_requests_total") == 1
    # The scrape is not counted in itself, but the one before is.
    assert requests(samples, "/api/v1/metrics", "GET", 200) is None
    assert requests(scrape(client), "/api/v1/metrics", "GET", 200) == 1


def test_the_latency_histogram_by_route(make_app):
    app = metrics_app(make_app)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    for _ in range(3):
        admin.ok("get", "/customers")
    admin.ok("post", "/customers", {"name": "Acme"})
    samples = scrape(admin.client)
    name = "timetracker_http_request_duration_seconds"
    route = "/api/v1/customers"
    assert value(samples, f"{name}_count", route=route, method="GET") == 3
    assert value(samples, f"{name}_count", route=route, method="POST") == 1
    assert value(samples, f"{name}_sum", route=route, method="GET") > 0
    buckets = sorted(
        (float(dict(labels)["le"]), v)
        for (sample, labels), v in samples.items()
        if sample == f"{name}_bucket" and dict(labels)["route"] == route
        and dict(labels)["method"] == "GET"
    )  # fmt: skip
    assert buckets[-1] == (float("inf"), 3)
    counts = [v for _, v in buckets]
    assert counts == sorted(counts)  # cumulative


def test_the_pool_gauges(make_app):
    app = metrics_app(make_app)
    client = app.test_client()
    engine = app.extensions["timetracker"]["engine"]
    samples = scrape(client)
    assert value(samples, "timetracker_db_pool_size") == engine.pool.size()
    assert value(samples, "timetracker_db_pool_checked_out") == 0
    with engine.connect(), engine.connect():
        assert value(scrape(client), "timetracker_db_pool_checked_out") == 2
    assert value(scrape(client), "timetracker_db_pool_checked_out") == 0


def test_the_hook_backlog(make_app):
    app = metrics_app(
        make_app, RATELIMIT_PER_MINUTE=1_000_000, HOOK_ALLOWED_NETWORKS=["127.0.0.1:*"]
    )
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)

    def backlog():
        samples = scrape(admin.client)
        return (
            value(samples, "timetracker_hook_backlog_events"),
            value(samples, "timetracker_hook_subscriptions_behind"),
        )

    assert backlog() == (0, 0)
    receiver = Receiver()
    try:
        admin.ok("post", "/hooks", {"target_url": receiver.url, "event": "customer.create"})
        for name in ("Acme", "Globex", "Initech"):
            admin.ok("post", "/customers", {"name": name})
        assert backlog() == (3, 1)
        Deliverer.for_app(app, timeout=5).run_once()
        assert len(receiver.events) == 3
        assert backlog() == (0, 0)
    finally:
        receiver.close()


def test_process_metrics(make_app):
    samples = scrape(metrics_app(make_app).test_client())
    assert value(samples, "process_resident_memory_bytes") > 0
    assert any(name == "python_info" for name, _ in samples)


# --- several processes -----------------------------------------------------------------------

# A master that prepares the directory and forks two workers answering requests, as
# ``serve --workers 2`` does: with "preload" the master builds the app and the workers inherit
# it (as where workers are forked), otherwise each worker builds its own (as where they are
# spawned). It prints the workers' pids.
WORKERS = """
import json, os, sys
from timetracker import create_app, metrics
directory, config, preload = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "preload"
metrics.prepare_multiprocess(directory)
app = create_app(config) if preload else None
pids = []
for n in (1, 2):
    pid = os.fork()
    if pid == 0:
        if app is None:
            app = create_app(config)
        else:  # what granian_server._worker_app does
            app.extensions["timetracker"]["engine"].dispose(close=False)
        client = app.test_client()
        for _ in range(n):
            assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/nosuch").status_code == 404
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    pids.append(pid)
print(json.dumps(pids))
"""


@pytest.mark.long
@pytest.mark.parametrize("built", ["preload", "in-each-worker"])
def test_a_scrape_sums_every_worker(make_app, migrated_database_url, tmp_path, monkeypatch, built):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")
    config = app_settings(
        migrated_database_url,
        AUTO_MIGRATE=False,
        METRICS="token",
        METRICS_TOKEN=TOKEN,
        RATELIMIT_STORAGE=RATELIMIT_STORAGE,
    )
    env = {k: v for k, v in os.environ.items() if k != MULTIPROC_ENV}
    done = subprocess.run(
        [sys.executable, "-c", WORKERS, str(directory), json.dumps(config), built],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    pids = json.loads(done.stdout.splitlines()[-1])
    assert not (directory / "counter_1.db").exists()  # the earlier run's figures were cleared

    # Any worker's scrape reads the directory: this process stands for a third one.
    monkeypatch.setenv(MULTIPROC_ENV, str(directory))
    client = metrics_app(make_app).test_client()
    samples = scrape(client)
    assert requests(samples, "/api/v1/health", "GET", 200) == 3  # 1 + 2
    assert requests(samples, "unmatched", "GET", 404) == 2
    name = "timetracker_http_request_duration_seconds_count"
    assert value(samples, name, route="/api/v1/health", method="GET") == 3
    engine = client.application.extensions["timetracker"]["engine"]
    assert value(samples, "timetracker_db_pool_size") == 2 * engine.pool.size()
    assert value(samples, "timetracker_hook_backlog_events") == 0  # asked once, not summed
    assert not any(name.startswith("process_") for name, _ in samples)  # one process's only

    child_exit(pids[0])  # the master hears that a worker has gone
    samples = scrape(client)
    assert value(samples, "timetracker_db_pool_size") == engine.pool.size()
    assert requests(samples, "/api/v1/health", "GET", 200) == 3  # what it answered still counts


# --- the request id in error bodies ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "auth", "status"),
    [
        ("get", "/api/v1/customers?nonsense=1", True, 400),
        ("get", "/api/v1/customers", False, 401),
        ("get", "/api/v1/settings/nosuch", True, 404),
        ("put", "/api/v1/customers", True, 405),
        ("post", "/api/v1/customers", True, 415),
    ],
)
def test_every_error_body_names_its_request_id(client, method, path, auth, status):
    headers = basic("admin", ADMIN_PASSWORD) if auth else {}
    response = client.open(path, method=method.upper(), headers=headers, data="x")
    assert response.status_code == status
    body = response.get_json()
    assert body["requestId"] == response.headers["X-Request-Id"]
    assert len(body["requestId"]) == 32  # made here: no proxy sent one


def test_the_proxys_request_id_is_the_one_in_the_body(make_app, make_user):
    client = make_app(RATELIMIT_PER_MINUTE=1).test_client()
    headers = {**basic("admin", ADMIN_PASSWORD), "X-Request-Id": "edge-7f3a.2_b"}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    throttled = client.get("/api/v1/customers", headers=headers)
    assert throttled.status_code == 429
    assert throttled.get_json()["requestId"] == "edge-7f3a.2_b"
    assert throttled.headers["X-Request-Id"] == "edge-7f3a.2_b"
    # One the server would not log as given is replaced, in the header and the body alike.
    odd = client.get("/api/v1/nosuch", headers={"X-Request-Id": "two words"})
    assert odd.get_json()["requestId"] == odd.headers["X-Request-Id"] != "two words"


def test_a_banned_address_gets_its_request_id(client):
    for _ in range(3):
        client.get("/api/v1/customers", headers=basic("admin", "x"))
    response = client.get(
        "/api/v1/customers", headers={**basic("admin", ADMIN_PASSWORD), "X-Request-Id": "r-1"}
    )
    assert response.status_code == 403
    assert response.get_json() == {
        "key": "api.error.ip_banned",
        "message": "Too many failed logins from this address; try again later",
        "requestId": "r-1",
    }

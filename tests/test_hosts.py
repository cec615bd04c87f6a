"""TIMETRACKER_TRUSTED_HOSTS: a request naming a host outside the list gets 400 in the one
error shape before anything else happens; unset, links follow whatever the Host header says."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, basic
from timetracker.config import SettingError, load_config

TRUSTED = "time.example.com,.corp.example,localhost"
UNTRUSTED = {
    "key": "api.error.untrusted_host",
    "message": "The Host header names a host this server does not answer to "
    "(see TIMETRACKER_TRUSTED_HOSTS)",
}


def post_customer(client, host: str, name: str = "Acme"):
    return client.post(
        "/api/v1/customers",
        json={"name": name},
        headers={"Host": host, **basic("admin", ADMIN_PASSWORD)},
    )


def test_unset_links_follow_the_host_header(client):
    response = post_customer(client, "evil.example")
    assert response.status_code == 200
    assert response.get_json()["url"].startswith("http://evil.example/api/v1/customers/")


@pytest.fixture
def trusting(make_app):
    return make_app(TRUSTED_HOSTS=TRUSTED).test_client()


@pytest.mark.parametrize("host", ["evil.example", "time.example.com.evil.example", "corp.evil"])
@pytest.mark.parametrize(
    "path", ["/api/v1/customers", "/api/v1/health", "/api/v1/nosuch", "/api/v1/swagger.json", "/"]
)
def test_other_hosts_get_400_in_the_error_shape(trusting, host, path):
    response = trusting.get(path, headers={"Host": host, **basic("admin", ADMIN_PASSWORD)})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json() == {**UNTRUSTED, "requestId": response.headers["X-Request-Id"]}
    assert "X-Ratelimit-Remaining" not in response.headers  # refused before auth and throttle


def test_a_refused_write_writes_nothing(trusting):
    assert post_customer(trusting, "evil.example").status_code == 400
    listed = trusting.get(
        "/api/v1/customers", headers={"Host": "localhost", **basic("admin", ADMIN_PASSWORD)}
    )
    assert listed.get_json()["items"] == []


@pytest.mark.parametrize("host", ["time.example.com", "time.example.com:8443", "a.corp.example"])
def test_listed_hosts_are_served_and_linked(trusting, host):
    response = post_customer(trusting, host)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["url"].startswith(f"http://{host}/api/v1/customers/")


def test_wrong_passwords_to_another_host_do_not_count_as_failed_logins(make_app):
    client = make_app(TRUSTED_HOSTS=TRUSTED, LOGIN_BAN_ATTEMPTS=1).test_client()
    for _ in range(3):
        response = client.get(
            "/api/v1/customers", headers={"Host": "evil.example", **basic("admin", "wrong")}
        )
        assert response.status_code == 400
    ok = client.get("/api/v1/customers", headers={"Host": "localhost", **basic("admin", "manager")})
    assert ok.status_code == 200


def test_batch_items_run_on_the_callers_host(trusting):
    response = trusting.post(
        "/api/v1/batch?includeResponseBody=always",
        json=[{"method": "POST", "relativeUrl": "customers", "body": {"name": "Acme"}}],
        headers={"Host": "time.example.com", **basic("admin", ADMIN_PASSWORD)},
    )
    assert response.status_code == 200
    [item] = response.get_json()
    assert item["status"] == 200, item
    assert item["body"]["url"].startswith("http://time.example.com/api/v1/customers/")


def test_hosts_are_read_from_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("TIMETRACKER_TRUSTED_HOSTS", "time.example.com, .corp.example,")
    assert load_config()["TRUSTED_HOSTS"] == ["time.example.com", ".corp.example"]
    monkeypatch.delenv("TIMETRACKER_TRUSTED_HOSTS")
    assert load_config()["TRUSTED_HOSTS"] is None


@pytest.mark.parametrize(
    "value", ["https://time.example.com", "time.example.com:8080", "time.example.com/", "*", ","]
)
def test_bad_host_names_are_refused_at_start(value):
    with pytest.raises(SettingError, match="TIMETRACKER_TRUSTED_HOSTS"):
        load_config({"TRUSTED_HOSTS": value})

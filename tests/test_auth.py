"""HTTP Basic authentication, the login ban and the verification cache."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from tests.conftest import ADMIN_PASSWORD, basic
from timetracker import auth
from timetracker.store.schema import users


def set_user(app, username, **values):
    with app.extensions["timetracker"]["engine"].begin() as conn:
        conn.execute(update(users).where(users.c.username == username).values(**values))


def test_missing_credentials(client):
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="timetracker"'
    assert response.get_json()["key"] == "api.error.not_authorized"
    assert "X-Ratelimit-Remaining" not in response.headers


@pytest.mark.parametrize(
    "credentials", [("admin", "wrong"), ("nobody", ADMIN_PASSWORD), ("", ""), ("admin", "")]
)
def test_invalid_credentials(client, credentials):
    response = client.get("/api/v1/customers", headers=basic(*credentials))
    assert response.status_code == 401
    assert response.get_json()["key"] == "api.error.not_authorized"
    assert "WWW-Authenticate" in response.headers


def test_username_is_case_insensitive(client):
    assert (
        client.get("/api/v1/customers", headers=basic("ADMIN", ADMIN_PASSWORD)).status_code == 200
    )


@pytest.mark.parametrize("header", ["Digest username=admin", "Token x", "Negotiate abc"])
def test_other_schemes_are_400(client, header):
    response = client.get("/api/v1/customers", headers={"Authorization": header})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.invalid_auth_scheme"


def test_malformed_basic_header_is_401(client):
    response = client.get("/api/v1/customers", headers={"Authorization": "Basic !!notbase64"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "values",
    [
        {"active": False},
        {"hired": dt.date.today() + dt.timedelta(days=1)},
        {"release_date": dt.date.today() - dt.timedelta(days=1)},
    ],
    ids=["disabled", "not-hired-yet", "released"],
)
def test_accounts_that_cannot_be_authorized(app, admin, make_user, values):
    user = make_user()
    assert user.get("/customers").status_code == 200  # also warms the verification cache
    set_user(app, user.username, **values)
    response = user.get("/customers")
    assert response.status_code == 401
    assert response.get_json()["key"] == "api.error.user_cannot_be_authorized"


def test_hired_today_and_released_today_may_log_in(app, make_user):
    user = make_user()
    set_user(app, user.username, hired=dt.date.today(), release_date=dt.date.today())
    assert user.get("/customers").status_code == 200


def test_public_endpoints_need_no_credentials(client):
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}
    assert client.get("/api/v1/swagger.json").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/swagger/").status_code == 200


# --- the ban on repeated failed logins ----------------------------------------------------------


def fail_logins(client, times: int) -> None:
    for _ in range(times):
        assert client.get("/api/v1/customers", headers=basic("admin", "x")).status_code == 401


def admin_status(client, **kwargs) -> int:
    """The status a correct login gets now."""
    return client.get(
        "/api/v1/customers", headers=basic("admin", ADMIN_PASSWORD), **kwargs
    ).status_code


def test_three_failures_ban_the_ip(client):
    fail_logins(client, 3)
    response = client.get("/api/v1/customers", headers=basic("admin", ADMIN_PASSWORD))
    assert response.status_code == 403
    assert response.get_json()["key"] == "api.error.ip_banned"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Another address is not affected.
    assert admin_status(client, environ_base={"REMOTE_ADDR": "10.9.8.7"}) == 200
    # Public endpoints stay reachable.
    assert client.get("/api/v1/health").status_code == 200


def test_two_failures_do_not_ban(client):
    fail_logins(client, 2)
    assert admin_status(client) == 200


def test_missing_credentials_do_not_count_as_failures(client):
    for _ in range(5):
        assert client.get("/api/v1/customers").status_code == 401
    assert admin_status(client) == 200


def test_failures_older_than_the_window_do_not_count(make_app):
    client = make_app(LOGIN_BAN_WINDOW=1).test_client()
    fail_logins(client, 2)
    time.sleep(1.2)
    fail_logins(client, 1)
    assert admin_status(client) == 200


def test_the_ban_ends(make_app):
    client = make_app(LOGIN_BAN_SECONDS=1).test_client()
    fail_logins(client, 3)
    assert admin_status(client) == 403
    time.sleep(1.2)
    assert admin_status(client) == 200


# --- the verification cache -----------------------------------------------------------------


@pytest.fixture
def hash_checks(monkeypatch):
    calls = []
    real = auth.check_password_hash

    def counting(stored, password):
        calls.append(password)
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    return calls


def test_a_verified_password_is_not_hashed_again(admin, hash_checks):
    for _ in range(5):
        assert admin.get("/customers").status_code == 200
    assert hash_checks == [ADMIN_PASSWORD]


def test_wrong_passwords_are_always_checked(client, hash_checks):
    client.get("/api/v1/customers", headers=basic("admin", "x"))
    client.get("/api/v1/customers", headers=basic("admin", "x"))
    assert hash_checks == ["x", "x"]


def test_a_changed_password_invalidates_the_cache(app, admin, hash_checks):
    assert admin.get("/customers").status_code == 200
    set_user(app, "admin", password_hash=generate_password_hash("new-secret"))
    assert admin.get("/customers").status_code == 401
    new = app.test_client().get("/api/v1/customers", headers=basic("admin", "new-secret"))
    assert new.status_code == 200


def test_cache_can_be_disabled(make_app, hash_checks):
    client = make_app(AUTH_CACHE_SIZE=0).test_client()
    for _ in range(3):
        client.get("/api/v1/customers", headers=basic("admin", ADMIN_PASSWORD))
    assert len(hash_checks) == 3


def test_cache_is_bounded_and_keeps_no_password():
    cache = auth.VerifiedCredentials(size=2)
    for name in ("a", "b", "c"):
        cache.add(name, f"pw-{name}", "hash")
    assert not cache.contains("a", "pw-a", "hash")  # evicted, least recently used
    assert cache.contains("c", "pw-c", "hash")
    assert not cache.contains("c", "pw-c", "other-hash")
    assert all(b"pw-" not in key for key in cache._keys)


def test_passwords_are_stored_with_scrypt_by_default(tmp_path, monkeypatch):
    from sqlalchemy import select

    from timetracker.startup import prepare_database
    from timetracker.store.db import make_engine

    monkeypatch.delenv("TIMETRACKER_PASSWORD_HASH_METHOD", raising=False)
    database = str(tmp_path / "s.db")
    prepare_database({"DATABASE_URL": database, "ADMIN_PASSWORD": "pw"})
    engine = make_engine(database)
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("scrypt:")
    engine.dispose()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/customers"),
        ("PATCH", "/customers/1"),
        ("PUT", "/users/1/team"),
        ("DELETE", "/customers/1"),
    ],
)
def test_checking_a_password_holds_no_write_lock(app, client, monkeypatch, method, path):
    """A wrong password costs a slow hash; a write request must not hold the database's write
    lock meanwhile, or a client with bad credentials would serialize every writer."""
    database = app.config["DATABASE_URL"]
    if "://" in database:
        pytest.skip("PostgreSQL has no database-wide write lock to hold")
    import sqlite3

    could_write: list[bool] = []
    real = auth.check_password_hash

    def probing(stored, password):
        other = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            could_write.append(True)
        except sqlite3.OperationalError:  # database is locked
            could_write.append(False)
        finally:
            other.close()
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", probing)
    body = {} if method != "DELETE" else None
    response = client.open("/api/v1" + path, method=method, json=body, headers=basic("admin", "x"))
    assert response.status_code == 401
    assert could_write == [True]

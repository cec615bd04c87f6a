"""POST /batch: sub-requests run in order, each as a request of its own."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_PASSWORD, ApiClient, basic
from timetracker.access import (
    ENTER_TIME_TRACK,
    MANAGE_ACCOUNTS,
    MANAGE_SYSTEM_SETTINGS,
)
from timetracker.store.schema import customers


def test_items_run_in_order_and_independently(admin, catalogue):
    acme = catalogue["customers"]["acme"]["id"]
    results = admin.ok(
        "post",
        "/batch",
        [
            {
                "method": "POST",
                "relativeUrl": "customers",
                "body": {"name": "Initech"},
                "id": "new",
            },
            {"method": "POST", "relativeUrl": "/customers", "body": {"name": "Initech"}},
            {"method": "PATCH", "relativeUrl": f"customers/{acme}", "body": {"archived": True}},
            {"method": "GET", "relativeUrl": "customers?archived=true&sort=name"},
            {"method": "DELETE", "relativeUrl": "customers/99999"},
            {"method": "GET", "relativeUrl": "nothing-here"},
        ],
    )
    assert [r["status"] for r in results] == [200, 400, 200, 200, 404, 404]
    assert results[0]["id"] == "new" and results[0]["body"]["name"] == "Initech"
    assert "id" not in results[1]
    assert results[1]["body"]["key"] == "api.error.customer_exists"
    # The GET saw the PATCH before it (Globex is archived from the start).
    assert [c["name"] for c in results[3]["body"]["items"]] == ["Acme", "Globex"]
    assert results[4]["body"]["key"] == "api.error.object_not_found"
    # The failures undid nothing: both writes are there.
    names = {c["name"] for c in admin.ok("get", "/customers")["items"]}
    assert {"Initech", "Acme"} <= names
    assert admin.ok("get", f"/customers/{acme}")["archived"] is True


def test_time_track_in_one_batch(admin, make_user, catalogue):
    worker = make_user(ENTER_TIME_TRACK, assign_all=True, username="worker")
    design = catalogue["tasks"]["design"]["id"]
    results = worker.ok(
        "post",
        "/batch?includeResponseBody=never",
        [
            {
                "method": "PATCH",
                "relativeUrl": f"timetrack/worker/2025-03-0{day}/{design}",
                "body": {"time": 60 * day},
            }
            for day in range(3, 8)
        ]
        + [
            {
                "method": "PATCH",
                "relativeUrl": f"timetrack/worker/2025-03-07/{design}/time",
                "body": {"delta": -1000},
            }
        ],
    )
    assert results == [{"status": 200}] * 5 + [{"status": 400}]
    body = worker.ok("get", "/timetrack?dateFrom=2025-03-01")
    assert [(d["date"], d["records"][0]["time"]) for d in body["data"]] == [
        (f"2025-03-0{day}", 60 * day) for day in range(3, 8)
    ]


def test_include_response_body(admin):
    items = [
        {"method": "GET", "relativeUrl": "users/me"},
        {"method": "POST", "relativeUrl": "customers", "body": {"name": "Hooli"}},
    ]
    results = admin.ok("post", "/batch?includeResponseBody=get", items)
    assert results[0]["body"]["username"] == "admin"
    assert results[1] == {"status": 200}
    results = admin.ok("post", "/batch?includeResponseBody=never", items)
    assert results == [{"status": 200}, {"status": 400}]
    assert admin.post("/batch?includeResponseBody=some", json=items).status_code == 400


def test_sub_requests_use_the_callers_rights(make_user):
    worker = make_user(ENTER_TIME_TRACK)
    results = worker.ok(
        "post",
        "/batch",
        [
            {"method": "POST", "relativeUrl": "customers", "body": {"name": "Mine"}},
            {"method": "GET", "relativeUrl": "users/1"},
            {"method": "GET", "relativeUrl": "users/me"},
        ],
    )
    assert [r["status"] for r in results] == [403, 403, 200]
    assert results[0]["body"]["key"] == "api.error.access_denied"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"method": "POST", "relativeUrl": "customers"}, "POST needs a body"),
        ({"method": "GET", "relativeUrl": "customers", "body": {}}, "GET takes no body"),
        ({"method": "GET", "relativeUrl": "batch"}, "another batch"),
        ({"method": "GET", "relativeUrl": "../health"}, "plain path"),
        ({"method": "GET", "relativeUrl": "customers/../users"}, "plain path"),
        ({"method": "GET", "relativeUrl": "?limit=1"}, "plain path"),
    ],
)
def test_items_that_cannot_be_sent(admin, item, message):
    """Such an item answers 400 in its place, without running; the others still run."""
    results = admin.ok("post", "/batch", [item, {"method": "GET", "relativeUrl": "users/me"}])
    assert results[0]["status"] == 400
    assert results[0]["body"]["key"] == "api.error.invalid_argument"
    assert message in results[0]["body"]["message"]
    assert results[1]["status"] == 200


@pytest.mark.parametrize(
    "body",
    [
        {"method": "GET", "relativeUrl": "users/me"},  # not an array
        [{"method": "get", "relativeUrl": "users/me"}],  # methods are upper case
        [{"method": "OPTIONS", "relativeUrl": "users/me"}],
        [{"method": "GET"}],
        [{"method": "GET", "relativeUrl": "users/me", "headers": {}}],
        [{"method": "GET", "relativeUrl": "users/me"}] * 1001,
    ],
)
def test_bad_batches_run_nothing(admin, body):
    response = admin.post("/batch", json=body)
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.invalid_argument"


def test_the_limit_is_in_info_and_configurable(admin, make_app):
    assert admin.ok("get", "/info")["limits"]["maxBatchSize"] == 1000
    app = make_app(BATCH_MAX_SIZE=3)
    small = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    assert small.ok("get", "/info")["limits"]["maxBatchSize"] == 3
    response = small.post("/batch", json=[{"method": "GET", "relativeUrl": "users/me"}] * 4)
    assert response.status_code == 400
    assert "at most 3" in response.get_json()["message"]


def test_a_full_batch_fits_the_default_limits(make_user):
    user = make_user()  # created in the database: no request spent yet
    results = user.ok("post", "/batch", [{"method": "GET", "relativeUrl": "users/me"}] * 1000)
    assert len(results) == 1000
    assert {r["status"] for r in results} == {200}


@pytest.mark.parametrize(("items", "cost"), [(1, 1), (100, 1), (101, 2), (450, 5)])
def test_a_batch_costs_one_request_per_started_hundred_items(make_app, items, cost):
    app = make_app(RATELIMIT_PER_MINUTE=6)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    results = admin.ok("post", "/batch", [{"method": "GET", "relativeUrl": "users/me"}] * items)
    assert {r["status"] for r in results} == {200}
    remaining = admin.get("/users/me").headers["X-Ratelimit-Remaining"]
    assert int(remaining) == 6 - cost - 1


def test_a_batch_that_takes_the_last_of_the_limit_runs_all_its_items(make_app):
    """The items are paid for before they run: one that finds the limit used up (by its own
    batch) still runs, and the next request is refused."""
    app = make_app(RATELIMIT_PER_MINUTE=2)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    results = admin.ok("post", "/batch", [{"method": "GET", "relativeUrl": "users/me"}] * 150)
    assert [r["status"] for r in results] == [200] * 150
    assert admin.get("/users/me").status_code == 429


def test_a_batch_over_the_limit_runs_nothing(make_app):
    app = make_app(RATELIMIT_PER_MINUTE=3)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    body = [
        {"method": "POST", "relativeUrl": "customers", "body": {"name": f"C{i}"}}
        for i in range(301)
    ]
    response = admin.post("/batch", json=body)  # costs 4
    assert response.status_code == 429
    assert response.get_json()["key"] == "api.error.too_many_requests"
    assert "Retry-After" in response.headers
    # Nothing was made. (Read from the database: the caller's limit is used up, and emptying
    # the limiter's storage would also empty the counters of tests running beside this one
    # when it is a shared Redis.)
    with app.extensions["timetracker"]["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(customers)).scalar_one() == 0


@pytest.mark.parametrize(
    "path",
    ["%62atch", "%2562atch", "./batch", "batch/", "BATCH", "b%61tch?x=1", "customers/../batch"],
)
def test_a_batch_inside_a_batch_is_refused_however_it_is_spelt(admin, path):
    inner = [{"method": "POST", "relativeUrl": "customers", "body": {"name": "Nested"}}]
    results = admin.ok("post", "/batch", [{"method": "POST", "relativeUrl": path, "body": inner}])
    assert results[0]["status"] in (400, 404), results
    assert results[0]["body"]["key"] in ("api.error.invalid_argument", "api.error.not_found")
    # Nothing ran inside: the customer was never created.
    assert admin.ok("get", "/customers")["items"] == []


def test_an_encoded_nested_batch_is_refused_by_the_mark_not_the_path(admin):
    results = admin.ok(
        "post",
        "/batch",
        [
            {
                "method": "POST",
                "relativeUrl": "%62atch",
                "body": [{"method": "GET", "relativeUrl": "users/me"}],
            }
        ],
    )
    assert results[0]["status"] == 400
    assert results[0]["body"]["message"] == "A batch cannot contain another batch"


def test_needs_authentication(client):
    response = client.post("/api/v1/batch", json=[{"method": "GET", "relativeUrl": "users/me"}])
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "customers",
        "/customers/1?x=1&y=%C3%A9",
        "users/%2f/team",
        "tasks?name=caf%C3%A9%20au%20lait",
        "customers/caf\u00e9",
        "customers/%25",
        "timetrack/1/2026-01-05/3?a=b?c",
        "customers#fragment",
        "customers/a b",
        'customers/"<x>"',
        "customers/\u00e9%41",
        "customers/a\tb",
    ],
)
def test_an_items_environ_is_the_one_werkzeug_would_build(app, url):
    """The batch builds each item's environ itself (a thousand per batch); it is what
    werkzeug's EnvironBuilder makes of the same request, path decoding included."""
    from werkzeug.test import EnvironBuilder

    from timetracker.api.batch import item_environ

    item = {"method": "PATCH", "relativeUrl": url, "body": {"time": 60}}
    sent = {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Basic eDp5"}
    with app.test_request_context(
        "/api/v1/batch", method="POST", base_url="https://h.test:81/root", environ_base=sent
    ):
        from flask import request

        built = item_environ(request.environ, item, "b1")
    assert built["REMOTE_ADDR"] == "203.0.113.9"  # the batch's caller, credentials and scheme
    assert built["HTTP_AUTHORIZATION"] == "Basic eDp5"
    assert built["wsgi.url_scheme"] == "https"
    path, _, query = url.lstrip("/").partition("?")
    builder = EnvironBuilder(
        path="/api/v1/" + path,
        base_url="https://h.test:81/root",
        query_string=query,
        method="PATCH",
        json={"time": 60},
    )
    expected = builder.get_environ()
    builder.close()
    for key in ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_HOST",
                "SERVER_NAME", "SERVER_PORT", "CONTENT_TYPE"):  # fmt: skip
        assert built[key] == expected[key], key
    body = built["wsgi.input"].read()  # the same JSON (its spacing may differ)
    assert json.loads(body) == {"time": 60} and built["CONTENT_LENGTH"] == str(len(body))


def test_items_after_a_password_change_are_refused(admin):
    """Every item is authenticated again: once an item changed the caller's password, the
    items after it are refused, as the next request would be (in a group of writes, too, where
    a verified login stands for the next items until an item may have changed one)."""
    results = admin.ok(
        "post",
        "/batch",
        [
            {"method": "PATCH", "relativeUrl": "users/admin", "body": {"password": "changed"}},
            {"method": "GET", "relativeUrl": "users/me"},
            {"method": "POST", "relativeUrl": "customers", "body": {"name": "Late"}},
        ],
    )
    assert [r["status"] for r in results] == [200, 401, 401]
    admin.headers = basic("admin", "changed")
    assert admin.ok("get", "/customers")["items"] == []


def test_items_after_their_account_is_disabled_are_refused(app, make_user):
    """The account is disabled elsewhere (another process, here a route of the test) while
    its batch runs: the items after that are refused."""
    from sqlalchemy import update

    from timetracker.store.schema import users

    worker = make_user(ENTER_TIME_TRACK)
    engine = app.extensions["timetracker"]["engine"]

    @app.get("/api/v1/test-disable")
    def disable():
        with engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == worker.id).values(active=False))
        return {}

    results = worker.ok(
        "post",
        "/batch",
        [
            {"method": "GET", "relativeUrl": "users/me"},
            {"method": "GET", "relativeUrl": "test-disable"},
            {"method": "GET", "relativeUrl": "users/me"},
        ],
    )
    assert [r["status"] for r in results] == [200, 200, 401]
    assert results[2]["body"]["key"] == "api.error.user_cannot_be_authorized"


def test_items_after_the_callers_permissions_change_use_the_new_ones(make_user):
    """A permission an item takes from the caller is gone for the items after it, in the same
    group of writes (where a verified login stands for the next items)."""
    boss = make_user(MANAGE_ACCOUNTS, MANAGE_SYSTEM_SETTINGS)
    results = boss.ok(
        "post",
        "/batch",
        [
            {"method": "POST", "relativeUrl": "typesOfWork", "body": {"name": "Before"}},
            {
                "method": "PUT",
                "relativeUrl": f"users/{boss.id}/permissions",
                "body": {"permissions": [MANAGE_ACCOUNTS]},
            },
            {"method": "POST", "relativeUrl": "typesOfWork", "body": {"name": "After"}},
        ],
    )
    assert [r["status"] for r in results] == [200, 200, 403]
    names = [t["name"] for t in boss.ok("get", "/typesOfWork")["items"]]
    assert "Before" in names and "After" not in names


def test_a_group_of_writes_verifies_the_login_once(app, admin, monkeypatch):
    """On SQLite a group of writes holds the write lock: nothing but its own items can change
    a login, and none of these does, so the login is looked up for the batch and its first
    item alone. On PostgreSQL every item commits on its own and logs in again."""
    from sqlalchemy import event

    from timetracker.api import batch

    # One group however slow the machine is today (a group also ends after GROUP_SECONDS).
    monkeypatch.setattr(batch, "GROUP_SECONDS", 60.0)

    engine = app.extensions["timetracker"]["engine"]
    logins = []

    def count(conn, cursor, statement, *_):
        if "users.password_hash" in statement:
            logins.append(statement)

    items = [
        {"method": "POST", "relativeUrl": "customers", "body": {"name": f"C{n}"}} for n in range(20)
    ]
    event.listen(engine, "before_cursor_execute", count)
    try:
        results = admin.ok("post", "/batch", items)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [r["status"] for r in results] == [200] * 20
    assert len(logins) == (2 if engine.dialect.name == "sqlite" else 21)


@pytest.mark.parametrize(
    ("statement", "changes"),
    [
        ("UPDATE users SET active=? WHERE users.id = ?", True),
        ('UPDATE "users" SET password_hash=%(p)s', True),
        ("DELETE FROM users WHERE users.id = ?", True),
        ("INSERT INTO user_permissions (user_id, permission) VALUES (?, ?)", True),
        ("DELETE FROM api_tokens WHERE api_tokens.id = ?", True),
        ("WITH gone AS (SELECT 1) DELETE FROM api_tokens", True),
        ("SELECT users.password_hash FROM users WHERE users.username_key = ?", False),
        ("  select * from api_tokens", False),
        ("INSERT INTO day_records (user_id, date, task_id, minutes) VALUES (?, ?, ?, ?)", False),
        ("UPDATE tasks SET modified = ? WHERE tasks.id = ?", False),
        ("SAVEPOINT request", False),
    ],
)
def test_which_statements_may_change_a_login(statement, changes):
    from timetracker.store.users import may_change_logins

    assert may_change_logins(statement) is changes


def _core_statements():
    from sqlalchemy import delete, insert, select, text, update

    from timetracker.store.schema import api_tokens, day_records, tasks, user_permissions, users

    renamed = update(users).values(active=False).returning(users.c.id).cte("renamed")
    return [
        (update(users).values(active=False), True),
        (update(users.alias("u")).values(active=False), True),
        (delete(users).where(users.c.id == 2), True),
        (insert(user_permissions).values(user_id=2, permission="x"), True),
        (delete(api_tokens), True),
        (select(renamed.c.id), True),  # a data-modifying CTE
        (select(tasks.c.id).add_cte(renamed), True),
        (text("UPDATE users SET active = false"), True),
        (select(users.c.password_hash).where(users.c.id == 1), False),
        (select(users.c.id).union(select(api_tokens.c.user_id)), False),
        (update(tasks).values(name="x"), False),
        (insert(day_records).values(user_id=1), False),
        (text("SELECT * FROM users"), False),
    ]


@pytest.mark.parametrize(("statement", "changes"), _core_statements())
def test_which_sqlalchemy_statements_may_change_a_login(statement, changes):
    from timetracker.store.users import may_change_logins

    assert may_change_logins(statement) is changes


@pytest.mark.parametrize(
    "body",
    [
        '{"description": NaN}',
        '{"name": null, "description": Infinity}',
        '{"description": [null, {"x": -Infinity}]}',
        '{"description": 1e400}',
        '{"description": ' + "9" * 5000 + "}",
        '{"description": ' + "[" * 10_000 + "]" * 10_000 + "}",
    ],
    ids=["NaN", "Infinity", "-Infinity", "1e400", "5000 digits", "10000 levels"],
)
def test_a_body_beyond_the_json_limits_in_an_item_refuses_the_batch(admin, body):
    """A number that is not finite or too long, or nesting beyond any request's, is refused
    with the batch that holds it, as text that is not JSON is: nothing runs."""
    customer = admin.ok("post", "/customers", {"name": "Acme", "description": "kept"})
    direct = admin.client.patch(
        f"/api/v1/customers/{customer['id']}",
        data=body,
        content_type="application/json",
        headers=admin.headers,
    )
    assert direct.status_code == 400
    path = f"customers/{customer['id']}"
    items = (
        f'[{{"method": "POST", "relativeUrl": "customers", "body": {{"name": "Initech"}}}}, '
        f'{{"method": "PATCH", "relativeUrl": "{path}", "body": {body}}}]'
    )
    response = admin.client.post(
        "/api/v1/batch", data=items, content_type="application/json", headers=admin.headers
    )
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["key"] == direct.get_json()["key"] == "api.error.invalid_argument"
    assert _names(admin) == ["Acme"]
    assert admin.ok("get", "/" + path)["description"] == "kept"


def test_an_items_body_may_nest_as_deep_as_a_request_body(admin):
    """A batch's body may nest two levels deeper than a request's (its array and the item), so
    an item's body of 64 levels is read, and answered as the same request alone (by the field
    that cannot take an array); 65 refuse the batch, as they refuse a request."""
    deep = '{"name": ' + "[" * 63 + "]" * 63 + "}"
    items = (
        f'[{{"method": "POST", "relativeUrl": "customers", "body": {deep}}}, '
        '{"method": "POST", "relativeUrl": "customers", "body": {"name": "Initech"}}]'
    )
    response = admin.client.post(
        "/api/v1/batch", data=items, content_type="application/json", headers=admin.headers
    )
    assert response.status_code == 200, response.get_json()
    deep_enough, plain = response.get_json()
    assert deep_enough["status"] == 400 and deep_enough["body"]["fields"] == "name"
    assert plain["status"] == 200
    response = admin.client.post(
        "/api/v1/batch",
        data=items.replace("[" * 63, "[" * 64, 1).replace("]" * 63, "]" * 64, 1),
        content_type="application/json",
        headers=admin.headers,
    )
    assert response.status_code == 400
    assert "more than 64 levels deep" in response.get_json()["message"]
    assert _names(admin) == ["Initech"]


@pytest.mark.parametrize(
    "value",
    [
        {"time": 60, "comment": "caf\u00e9"},
        {"a": None, "b": [1.5, None, True]},
        {"big": 2**70},
        {"lone": "\ud800"},
        [None, {"x": -(10**99)}],
    ],
)
def test_an_items_body_is_sent_as_the_standard_library_would_write_it(value):
    """orjson writes item bodies, except what it cannot write: an integer beyond 64 bits, a lone
    surrogate."""
    from timetracker.api.batch import _body_bytes

    assert json.loads(_body_bytes(value)) == value


def _names(admin) -> list[str]:
    return sorted(c["name"] for c in admin.ok("get", "/customers")["items"])


def test_writes_commit_in_groups_and_a_failed_item_undoes_only_its_own(app, admin, monkeypatch):
    """Items that write share a transaction in groups, each under a savepoint: an item that
    wrote and then failed leaves nothing behind, the items before and after it in its group
    and in the next groups stay."""
    from flask import request

    from timetracker.api import batch
    from timetracker.errors import ApiError
    from timetracker.store import entities
    from timetracker.store.catalogue import CUSTOMERS
    from timetracker.store.db import get_db

    monkeypatch.setattr(batch, "GROUP_ITEMS", 2)

    @app.post("/api/v1/test-half-done")
    def half_done():
        entities.insert_row(get_db(), CUSTOMERS, {"name": request.json["name"]})
        raise ApiError(400, "invalid_argument", "changed my mind")

    @app.post("/api/v1/test-clash")
    def clash():  # a real constraint violation, after a write of its own
        entities.insert_row(get_db(), CUSTOMERS, {"name": "Z"})
        entities.insert_row(get_db(), CUSTOMERS, {"id": request.json["id"], "name": "Z2"})
        return {}

    def create(name):
        return {"method": "POST", "relativeUrl": "customers", "body": {"name": name}}

    items = [create("A"), create("B"), create("C")]
    items.insert(1, {"method": "POST", "relativeUrl": "test-half-done", "body": {"name": "X"}})
    items.insert(3, {"method": "POST", "relativeUrl": "test-half-done", "body": {"name": "Y"}})
    items.insert(4, {"method": "POST", "relativeUrl": "test-clash", "body": {"id": 0}})
    # The first item's customer gets an id the clash can take (the batch's first answer).
    results = admin.ok("post", "/batch", items[:1])
    items[4]["body"]["id"] = results[0]["body"]["id"]
    results = admin.ok("post", "/batch", [create("D"), *items[1:]])
    assert [r["status"] for r in results] == [200, 400, 200, 400, 400, 200]
    assert results[4]["body"]["key"] == "api.error.constraint_violation"
    assert _names(admin) == ["A", "B", "C", "D"]


def test_a_group_whose_commit_fails_runs_again_item_by_item(app, admin):
    """The database refuses a group's commit: nothing of it stays, and its items run again each
    in a transaction of its own, so each change is made exactly once."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    engine = app.extensions["timetracker"]["engine"]
    refused = []

    def refuse_first_write_commit(conn):
        if conn.get_execution_options().get("write") and not refused:
            refused.append(conn)
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(engine, "commit", refuse_first_write_commit)
    try:
        results = admin.ok(
            "post",
            "/batch",
            [{"method": "POST", "relativeUrl": "customers", "body": {"name": n}} for n in "PQR"],
        )
    finally:
        event.remove(engine, "commit", refuse_first_write_commit)
    assert refused, "the group's commit was not attempted"
    statuses = [r["status"] for r in results]
    if engine.dialect.name == "sqlite":
        made = ["P", "Q", "R"]
        assert statuses == [200, 200, 200]
    else:  # each item commits on its own there: the refused commit is the first item's alone
        made = ["Q", "R"]
        assert statuses == [503, 200, 200]
        assert results[0]["body"]["key"] == "api.error.database_unavailable"
    assert _names(admin) == made
    changes = admin.ok("get", "/changes")["items"]
    created = [c["data"]["name"] for c in changes if c["name"] == "customer.create"]
    assert created == made


def test_a_group_the_database_rolled_back_runs_again_item_by_item(app, admin):
    """SQLite rolls the group's transaction back by itself in the middle (as on a full disk):
    the items before are not lost, they run again each on its own, exactly once."""
    from timetracker.store.db import get_db

    conn_of = []

    @app.post("/api/v1/test-lose-the-transaction")
    def lose():
        conn = get_db()
        conn_of.append(conn.dialect.name)
        if conn.dialect.name == "sqlite" and conn.connection.driver_connection.in_transaction:
            conn.connection.driver_connection.execute("ROLLBACK")
        return {}

    results = admin.ok(
        "post",
        "/batch",
        [
            {"method": "POST", "relativeUrl": "customers", "body": {"name": "P"}},
            {"method": "POST", "relativeUrl": "test-lose-the-transaction", "body": {}},
            {"method": "POST", "relativeUrl": "customers", "body": {"name": "Q"}},
        ],
    )
    if conn_of[0] == "sqlite":  # the first run lost its group; the second ran on its own
        assert len(conn_of) == 2
    assert [r["status"] for r in results] == [200, 200, 200]
    assert _names(admin) == ["P", "Q"]


def test_an_item_answers_as_the_same_request_on_its_own(admin, worker, catalogue):
    """Each item is answered by the application's own request handling: status and body are
    those of the same request sent alone (the request id aside), errors, a trailing slash, a
    body-less 204 and a CSV answer (no JSON body) included."""
    acme = catalogue["customers"]["acme"]["id"]
    design = catalogue["tasks"]["design"]["id"]
    token = admin.ok("post", "/users/me/tokens", {"name": "t", "scope": "read"})["id"]
    requests = [
        ("GET", f"customers/{acme}", None),
        ("GET", "customers/", None),
        ("GET", "customers?archived=true&sort=name", None),
        ("GET", "customers?format=csv", None),
        ("GET", "customers?bogus=1", None),
        ("GET", "nothing-here", None),
        ("GET", "users/me", None),
        ("PUT", f"customers/{acme}", {"name": "X"}),
        ("PATCH", f"customers/{acme}", {"name": 5}),
        ("POST", "customers", {"name": "Acme"}),
        ("DELETE", "customers/99999", None),
        ("PATCH", f"timetrack/worker/2025-03-04/{design}", {"time": 90}),
        ("PATCH", f"timetrack/worker/2025-03-04/{design}", {"time": -5}),
        ("PATCH", f"timetrack/worker/2025-03-04/{design}", {"time": 2000}),
        ("DELETE", f"users/me/tokens/{token}", None),
    ]
    alone = []
    for method, url, body in requests:
        response = admin.request(method, "/" + url, json=body)
        alone.append((response.status_code, response.get_json(silent=True)))
    token = admin.ok("post", "/users/me/tokens", {"name": "t", "scope": "read"})["id"]
    requests[-1] = ("DELETE", f"users/me/tokens/{token}", None)
    items = [
        {"method": m, "relativeUrl": u, **({"body": b} if b is not None else {})}
        for m, u, b in requests
    ]
    results = admin.ok("post", "/batch", items)

    def without_request_id(body):
        if not isinstance(body, dict):
            return body
        return {k: v for k, v in body.items() if k != "requestId"}

    assert [s for s, _ in alone] == [200, 200, 200, 200, 400, 404, 200, 405, 400, 400, 404, 200,
                                     400, 400, 204]  # fmt: skip
    for (status, body), result, item in zip(alone, results, items, strict=True):
        assert result["status"] == status, item
        assert without_request_id(result.get("body")) == without_request_id(body), item

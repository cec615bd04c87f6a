"""Personal API tokens: made once, stored as hashes, standing for their user within their scope."""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import select

from timetracker.access import ENTER_TIME_TRACK, MANAGE_ACCOUNTS
from timetracker.store.schema import api_tokens


def bearer(client, token: str):
    """An ApiClient-like client sending the token instead of a password."""

    class TokenClient:
        headers = {"Authorization": f"Bearer {token}"}

        def request(self, method, path, **kw):
            url = path if path.startswith("/api/") else "/api/v1" + path
            return client.open(url, method=method.upper(), headers=self.headers, **kw)

    return TokenClient()


def test_a_token_stands_for_its_user(app, client, admin, make_user, catalogue):
    worker = make_user(ENTER_TIME_TRACK, username="worker")
    made = worker.ok("post", "/users/me/tokens", {"name": "Sync script", "scope": "write"})
    assert made["token"].startswith("tt_") and made["userId"] == worker.id
    assert made["scope"] == "write" and made["expires"] is None
    token = bearer(client, made["token"])
    me = token.request("get", "/users/me")
    assert me.status_code == 200 and me.get_json()["id"] == worker.id
    # The user's own permissions: the worker sees no customers, creates none.
    assert token.request("get", "/customers").get_json()["items"] == []
    assert token.request("post", "/customers", json={"name": "X"}).status_code == 403
    # Only the hash is stored; the list never shows the token.
    engine = app.extensions["timetracker"]["engine"]
    with engine.connect() as conn:
        stored = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(made["token"].encode()).hexdigest()]
    listed = worker.ok("get", "/users/me/tokens")["items"]
    assert listed == [{k: v for k, v in made.items() if k != "token"}]


def test_a_read_token_reads_only(client, admin):
    made = admin.ok("post", "/users/me/tokens", {"name": "Reports", "scope": "read"})
    token = bearer(client, made["token"])
    assert token.request("get", "/customers").status_code == 200
    for method, path, body in (
        ("post", "/customers", {"name": "Acme"}),
        ("delete", f"/users/me/tokens/{made['id']}", None),
    ):
        response = token.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["key"] == "api.error.token_read_only"
    # A batch writes only through its items: each is judged as a request of its own.
    answers = token.request(
        "post",
        "/batch",
        json=[
            {"method": "GET", "relativeUrl": "customers"},
            {"method": "POST", "relativeUrl": "customers", "body": {"name": "Acme"}},
            {"method": "GET", "relativeUrl": "users/me"},
        ],
    )
    assert answers.status_code == 200, answers.get_json()
    first, refused, me = answers.get_json()
    assert (first["status"], first["body"]["items"]) == (200, [])
    assert (refused["status"], refused["body"]["key"]) == (403, "api.error.token_read_only")
    assert (me["status"], me["body"]["username"]) == (200, "admin")
    assert admin.ok("get", "/customers")["items"] == []


def test_batch_items_run_with_the_token(client, admin):
    made = admin.ok("post", "/users/me/tokens", {"name": "Batch", "scope": "write"})
    token = bearer(client, made["token"])
    answers = token.request(
        "post",
        "/batch",
        json=[{"method": "POST", "relativeUrl": "customers", "body": {"name": "A"}}],
    ).get_json()
    assert [a["status"] for a in answers] == [200]
    assert [c["name"] for c in admin.ok("get", "/customers")["items"]] == ["A"]


def test_a_token_revoked_by_its_batch_refuses_the_items_after(client, admin):
    made = admin.ok("post", "/users/me/tokens", {"name": "Batch", "scope": "write"})
    token = bearer(client, made["token"])
    answers = token.request(
        "post",
        "/batch",
        json=[
            {"method": "GET", "relativeUrl": "users/me"},
            {"method": "DELETE", "relativeUrl": f"users/me/tokens/{made['id']}"},
            {"method": "GET", "relativeUrl": "users/me"},
        ],
    ).get_json()
    assert [a["status"] for a in answers] == [200, 204, 401]


def test_revoked_expired_and_bad_tokens_are_401_and_count_toward_the_ban(make_app, make_user):
    app = make_app(LOGIN_BAN_ATTEMPTS=3)
    client = app.test_client()
    from tests.conftest import ADMIN_PASSWORD, ApiClient

    admin = ApiClient(client, "admin", ADMIN_PASSWORD)
    made = admin.ok("post", "/users/me/tokens", {"name": "Old", "scope": "write"})
    token = bearer(client, made["token"])
    assert token.request("get", "/users/me").status_code == 200
    admin.ok("delete", f"/users/me/tokens/{made['id']}", status=204)
    revoked = token.request("get", "/users/me")
    assert revoked.status_code == 401 and revoked.get_json()["key"] == "api.error.not_authorized"
    soon = admin.ok(
        "post",
        "/users/me/tokens",
        {"name": "Soon", "scope": "read", "expires": int(time.time() * 1000) + 1500},
    )
    assert bearer(client, soon["token"]).request("get", "/users/me").status_code == 200
    time.sleep(1.6)
    assert bearer(client, soon["token"]).request("get", "/users/me").status_code == 401
    # Three failures (revoked, expired, and now a made-up token) ban the address.
    assert bearer(client, "tt_nonsense").request("get", "/users/me").status_code == 401
    banned = bearer(client, "tt_nonsense").request("get", "/users/me")
    assert banned.status_code == 403 and banned.get_json()["key"] == "api.error.ip_banned"


def test_a_disabled_users_tokens_stop_at_once(client, admin, make_user):
    worker = make_user(ENTER_TIME_TRACK, username="worker")
    made = worker.ok("post", "/users/me/tokens", {"name": "Phone", "scope": "write"})
    token = bearer(client, made["token"])
    assert token.request("get", "/users/me").status_code == 200
    admin.ok("patch", f"/users/{worker.id}", {"active": False})
    refused = token.request("get", "/users/me")
    assert refused.status_code == 401
    assert refused.get_json()["key"] == "api.error.user_cannot_be_authorized"


def test_tokens_are_made_with_a_password_by_their_own_user(client, admin, make_user):
    worker = make_user(ENTER_TIME_TRACK, username="worker")
    made = admin.ok("post", "/users/me/tokens", {"name": "Admin", "scope": "write"})
    by_token = bearer(client, made["token"]).request(
        "post", "/users/me/tokens", json={"name": "Child", "scope": "write"}
    )
    assert by_token.status_code == 403
    assert by_token.get_json()["key"] == "api.error.token_cannot_create_tokens"
    for_other = admin.post(f"/users/{worker.id}/tokens", json={"name": "X", "scope": "read"})
    assert for_other.status_code == 403
    past = admin.post("/users/me/tokens", json={"name": "Past", "scope": "read", "expires": 1})
    assert past.status_code == 400 and past.get_json()["key"] == "api.error.invalid_expiry"
    for body in ({"name": "x"}, {"name": "x", "scope": "admin"}, {"scope": "read"}, {"name": ""}):
        response = admin.post("/users/me/tokens", json=body)
        assert response.status_code == 400, body
    assert len(admin.ok("get", "/users/me/tokens")["items"]) == 1


def test_who_sees_and_revokes_whose_tokens(client, admin, make_user):
    worker = make_user(ENTER_TIME_TRACK, username="worker")
    other = make_user(ENTER_TIME_TRACK, username="other")
    accounts = make_user(MANAGE_ACCOUNTS, username="accounts")
    made = worker.ok("post", "/users/me/tokens", {"name": "Mine", "scope": "read"})
    assert other.get(f"/users/{worker.id}/tokens").status_code == 403
    assert other.delete(f"/users/{worker.id}/tokens/{made['id']}").status_code == 403
    assert other.delete(f"/users/me/tokens/{made['id']}").status_code == 404
    assert [t["id"] for t in accounts.ok("get", "/users/worker/tokens")["items"]] == [made["id"]]
    accounts.ok("delete", f"/users/worker/tokens/{made['id']}", status=204)
    assert worker.ok("get", "/users/me/tokens")["items"] == []
    assert accounts.get("/users/nosuchuser/tokens").status_code == 404
    assert worker.delete("/users/me/tokens/99999").status_code == 404

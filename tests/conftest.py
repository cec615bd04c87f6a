"""Fixtures: a fresh database per test (a temporary SQLite file, or a fresh PostgreSQL schema when
TIMETRACKER_TEST_DATABASE_URL is set), the app, and HTTP clients logged in as users holding
given permissions."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from sqlalchemy import text

from timetracker import create_app
from timetracker.access import PERMISSIONS
from timetracker.services.accounts import create_user
from timetracker.store.db import make_engine

PG_URL = os.environ.get("TIMETRACKER_TEST_DATABASE_URL")
RATELIMIT_STORAGE = os.environ.get("TIMETRACKER_RATELIMIT_STORAGE", "memory://")
ADMIN_PASSWORD = "manager"
# Tests create many users; a cheap hash keeps them fast. Production uses scrypt.
FAST_HASH = "pbkdf2:sha256:1000"


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def database_url(tmp_path):
    if not PG_URL:
        yield str(tmp_path / "test.db")
        return
    schema = "t_" + uuid.uuid4().hex
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def make_app(database_url):
    """Build an app on the test database; keyword arguments override settings."""
    apps = []

    def factory(**overrides):
        config = {
            "DATABASE_URL": database_url,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "RATELIMIT_STORAGE": RATELIMIT_STORAGE,
            # Unique per test, so tests sharing one Redis never share counters.
            "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex,
            **overrides,
        }
        app = create_app(config)
        app.testing = True
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["timetracker"]["engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


class ApiClient:
    """A test client that sends Basic credentials and JSON, and prefixes /api/v1."""

    def __init__(self, client, username: str, password: str):
        self.client = client
        self.username = username
        self.headers = basic(username, password)

    def _url(self, path: str) -> str:
        return path if path.startswith("/api/") else "/api/v1" + path

    def request(self, method: str, path: str, **kw):
        return self.client.open(self._url(path), method=method.upper(), headers=self.headers, **kw)

    def get(self, path, **kw):
        return self.request("get", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("post", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("put", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("patch", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("delete", path, **kw)

    def ok(self, method: str, path: str, json=None, status: int = 200):
        """Send a request and assert its status; return the JSON body."""
        kwargs = {} if json is None else {"json": json}
        response = getattr(self, method)(path, **kwargs)
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json(silent=True)


@pytest.fixture
def admin(client):
    return ApiClient(client, "admin", ADMIN_PASSWORD)


@pytest.fixture
def make_user(app, client):
    """Create a user with the given permissions and return a client logged in as them."""
    counter = iter(range(1, 10_000))

    def factory(*permissions: str, username: str | None = None, **flags) -> ApiClient:
        """``flags``: account columns such as assign_all, scope_all, team_all, sees_all_data."""
        unknown = set(permissions) - set(PERMISSIONS)
        assert not unknown, unknown
        username = username or f"user{next(counter)}"
        user_id = create_user(
            app.extensions["timetracker"]["engine"],
            username,
            username,
            permissions,
            app.config["PASSWORD_HASH_METHOD"],
            **flags,
        )
        api = ApiClient(client, username, username)
        api.id = user_id
        return api

    return factory


@pytest.fixture
def catalogue(admin):
    """Two customers with projects and tasks, made through the API."""
    acme = admin.ok("post", "/customers", {"name": "Acme"})
    globex = admin.ok("post", "/customers", {"name": "Globex", "archived": True})
    web = admin.ok("post", "/projects", {"customerId": acme["id"], "name": "Website"})
    app = admin.ok("post", "/projects", {"customerId": acme["id"], "name": "Mobile app"})
    erp = admin.ok("post", "/projects", {"customerId": globex["id"], "name": "ERP"})
    tasks = {
        "design": admin.ok("post", "/tasks", {"projectId": web["id"], "name": "Design"}),
        "build": admin.ok("post", "/tasks", {"projectId": web["id"], "name": "Build"}),
        "release": admin.ok(
            "post", "/tasks", {"projectId": app["id"], "name": "Release", "status": "completed"}
        ),
        "migrate": admin.ok("post", "/tasks", {"projectId": erp["id"], "name": "Migrate data"}),
    }
    return {
        "customers": {"acme": acme, "globex": globex},
        "projects": {"web": web, "app": app, "erp": erp},
        "tasks": tasks,
    }

"""Fixtures: the test databases, the app, and HTTP clients logged in as users holding given
permissions.

Databases are SQLite files, or PostgreSQL schemas when TIMETRACKER_TEST_DATABASE_URL is set.

- ``template_database`` (once per session): ``prepare_database`` with the test settings migrates
  a new database and creates ``admin`` (test password, fast hash), exactly as a first start does.
- ``migrated_database_url`` (per test): that state, for this test alone. SQLite copies the
  template file; PostgreSQL returns one session schema to the template's rows (all rows deleted,
  the captured ones inserted again, sequences set back). ``make_app`` and so ``app`` and the
  clients use it, with AUTO_MIGRATE off: the schema is current and admin exists.
- ``database_url`` (per test): an EMPTY database (a new file or schema), for the tests of the
  migrations, the command line and the server's first start.
- :func:`seed`: a state that many tests of a module start from (a company of users, a month of
  time), made through the API once per session and copied for each test that uses the fixture
  it names, as the migrated template is.

Run on xdist workers (the default: ``-n auto`` in pyproject.toml), each worker is a session of
its own: its own template (a file under its own temporary directory, or a schema named with the
worker's id), its own empty databases, and rate-limit counters under keys of its own.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import os
import shutil
import sqlite3
import sys
import uuid
import zoneinfo
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, text

from tests.bad_input_summary import SUMMARY_PLUGIN, Summary
from timetracker import create_app
from timetracker.access import ENTER_TIME_TRACK, PERMISSIONS
from timetracker.services.accounts import create_user
from timetracker.startup import prepare_database
from timetracker.store.db import make_engine

# The suite starts many Python processes (xdist's workers, servers, commands): with
# PYTHONDONTWRITEBYTECODE set each of them would compile the package and the tests from source
# again. Bytecode is written for them, next to the sources as Python does by default (in
# __pycache__, which git ignores). Done here, before xdist starts its workers, which inherit it.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
    sys.dont_write_bytecode = False

PG_URL = os.environ.get("TIMETRACKER_TEST_DATABASE_URL")
RATELIMIT_STORAGE = os.environ.get("TIMETRACKER_RATELIMIT_STORAGE", "memory://")
ADMIN_PASSWORD = "manager"
# Tests create many users; a cheap hash keeps them fast. Production uses scrypt.
FAST_HASH = "pbkdf2:sha256:1000"


def pytest_configure(config):
    # The session keeps many objects alive throughout (pytest, schemathesis, the modules) and
    # creates many short-lived cycles (an app per test); with the default thresholds the
    # collector walks all of them again and again, some 14 s of a run. Collecting less often
    # costs about 100 MB at the peak.
    gc.set_threshold(5_000, 10, 100)
    config.pluginmanager.register(Summary(), SUMMARY_PLUGIN)


@pytest.hookimpl(optionalhook=True)  # xdist's hook: the suite also runs with -p no:xdist
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): half as many workers again as there are CPUs. Some tests
    spend seconds waiting, not computing (a server's deadlines and grace periods, slow clients
    and receivers): while one waits, the other workers keep the CPUs busy. xdist's own
    PYTEST_XDIST_AUTO_NUM_WORKERS, when set, decides instead."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    return cpus + max(1, cpus // 2)


def pytest_collection_modifyitems(items):
    """Tests marked ``long`` (tens of seconds each) first, the rest in their order: the xdist
    workers hand out tests in this order (after groups such as the bad-input corpus), so the
    long ones start early and the short ones fill in around them, rather than one long test
    running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def app_settings(database_url: str, **overrides) -> dict:
    return {
        "DATABASE_URL": database_url,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "RATELIMIT_STORAGE": RATELIMIT_STORAGE,
        # Unique per app, so tests sharing one Redis never share counters.
        "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex,
        **overrides,
    }


def build_first_start(database_url: str) -> None:
    """What the first start with the test settings makes of an empty database."""
    prepare_database(app_settings(database_url))


# --- PostgreSQL: schemas --------------------------------------------------------------------

# "gw0", "gw1", ... on xdist workers; "main" when pytest runs alone.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def new_schema_name() -> str:
    """Unique to this worker and this run: runs at once (other workers, other people's runs on
    the same database) never meet."""
    return f"t_{WORKER}_{uuid.uuid4().hex}"


def schema_url(schema: str) -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


def create_schema(engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))


def drop_schema(engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@dataclass
class SchemaSnapshot:
    """The rows and sequence positions of a migrated PostgreSQL schema, to return it to them."""

    schema: str
    tables: list[Table] = field(default_factory=list)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    sequences: list[tuple[str, int, bool]] = field(default_factory=list)

    @classmethod
    def capture(cls, engine, schema: str) -> SchemaSnapshot:
        snapshot = cls(schema)
        metadata = MetaData(schema=schema)
        metadata.reflect(bind=engine)
        snapshot.tables = metadata.sorted_tables  # parents before children
        with engine.connect() as conn:
            for table in snapshot.tables:
                snapshot.rows[table.name] = [dict(r._mapping) for r in conn.execute(table.select())]
            for name, last_value, start_value in conn.execute(
                text(
                    "SELECT sequencename, last_value, start_value FROM pg_sequences "
                    "WHERE schemaname = :schema"
                ),
                {"schema": schema},
            ):
                # last_value is NULL for a sequence never used: nextval() gives start_value.
                if last_value is None:
                    snapshot.sequences.append((name, start_value, False))
                else:
                    snapshot.sequences.append((name, last_value, True))
        return snapshot

    def restore(self, engine) -> None:
        # DELETE, children first: on tables this small it is many times faster than TRUNCATE,
        # which gives every table and index a new file.
        with engine.begin() as conn:
            # A connection some test left inside a transaction would block: fail instead.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            for table in reversed(self.tables):
                conn.execute(table.delete())
            for table in self.tables:
                # The kept totals are made again by the triggers as the records go back in.
                if self.rows[table.name] and table.name != "time_totals":
                    conn.execute(table.insert(), self.rows[table.name])
            for name, value, called in self.sequences:
                conn.execute(
                    text("SELECT setval(:sequence, :value, :called)"),
                    {"sequence": f'"{self.schema}"."{name}"', "value": value, "called": called},
                )


# --- the databases --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin_engine():
    """One connection to TIMETRACKER_TEST_DATABASE_URL, to create, drop and reset schemas."""
    engine = make_engine(PG_URL, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def template_database(request, tmp_path_factory):
    """Migrated once per session, with admin: a SQLite file path, or a PostgreSQL snapshot."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("template") / "template.db"
        build_first_start(str(path))
        # Fold the write-ahead log into the file, so the file alone is the whole database.
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = Path(f"{path}-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        yield path
        return
    schema = new_schema_name()
    admin = request.getfixturevalue("pg_admin_engine")
    create_schema(admin, schema)
    try:
        build_first_start(schema_url(schema))
        yield SchemaSnapshot.capture(admin, schema)
    finally:
        drop_schema(admin, schema)


@pytest.fixture
def migrated_database_url(request, tmp_path, template_database):
    """A database as the first start leaves it (migrated, with admin), for this test alone; or,
    when the test uses a fixture its module seeds (:func:`seed`), that seed's state."""
    build = next((SEEDS[name] for name in request.fixturenames if _seeds(request, name)), None)
    if not PG_URL:
        path = tmp_path / "migrated.db"
        shutil.copyfile(
            template_database if build is None else _seeded(build, template_database), path
        )
        return str(path)
    admin = request.getfixturevalue("pg_admin_engine")
    if build is None:
        template_database.restore(admin)
    else:
        _seeded(build, template_database, admin).restore(admin)
    return schema_url(template_database.schema)


# --- seeds: a state many tests start from, made once ---------------------------------------

# fixture name -> the function that builds its seed, and builder -> (the seeded database: a
# SQLite file or a PostgreSQL snapshot, and what the builder answered).
SEEDS: dict[str, Callable] = {}
_SEEDED: dict[Callable, tuple] = {}


def seed(fixture: str):
    """Register ``build(admin, make_user)`` as the state that the tests of its module that use
    ``fixture`` start from. It runs once per session (per xdist worker), through the API of an
    app of its own on a copy of the migrated template, and answers plain data (ids); each such
    test then gets a copy of that database, and ``fixture`` reads the answer with
    :func:`seeded`. Users made by ``make_user`` have their name as password, as always."""

    def register(build: Callable) -> Callable:
        assert fixture not in SEEDS, f"two seeds of a fixture named {fixture}"
        SEEDS[fixture] = build
        return build

    return register


def _seeds(request, name: str) -> bool:
    """Whether the test's fixture ``name`` is the one a seed was registered for: its module's
    own, or imported from it (other modules use the permission matrix's company)."""
    build = SEEDS.get(name)
    if build is None:
        return False
    fixture = getattr(sys.modules[build.__module__], name, None)
    return fixture is not None and getattr(request.module, name, None) is fixture


def seeded(build: Callable):
    """What ``build`` answered (the database fixture made the seed first, for this test)."""
    return _SEEDED[build][1]


def _seeded(build: Callable, template, pg_admin=None):
    """The seeded database of ``build``, made now if it has not been: a SQLite file (from the
    template file) or a PostgreSQL snapshot (from the template's snapshot)."""
    if build not in _SEEDED:
        if not PG_URL:
            path = template.with_name(f"seed-{len(_SEEDED)}.db")
            shutil.copyfile(template, path)
            value = _build_seed(str(path), build)
            with closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _SEEDED[build] = (path, value)
        else:
            template.restore(pg_admin)
            value = _build_seed(schema_url(template.schema), build)
            _SEEDED[build] = (SchemaSnapshot.capture(pg_admin, template.schema), value)
    return _SEEDED[build][0]


def _build_seed(database_url: str, build: Callable):
    app = create_app(app_settings(database_url, AUTO_MIGRATE=False))
    client = app.test_client()
    try:
        return build(ApiClient(client, "admin", ADMIN_PASSWORD), user_factory(app, client))
    finally:
        app.extensions["timetracker"]["engine"].dispose()


@pytest.fixture
def database_url(request, tmp_path):
    """An empty database: no tables, no admin."""
    if not PG_URL:
        yield str(tmp_path / "test.db")
        return
    schema = new_schema_name()
    admin = request.getfixturevalue("pg_admin_engine")
    create_schema(admin, schema)
    yield schema_url(schema)
    drop_schema(admin, schema)


# --- the app and its clients ----------------------------------------------------------------


@pytest.fixture
def make_app(migrated_database_url):
    """Build an app on the test database; keyword arguments override settings."""
    apps = []

    def factory(**overrides):
        # The database is current and has admin: migrating again would only cost time.
        config = app_settings(migrated_database_url, **{"AUTO_MIGRATE": False, **overrides})
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
    return user_factory(app, client)


def user_factory(app, client):
    """``make_user`` for ``app`` and ``client``."""
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
def catalogue(app):
    """Two customers with projects and tasks, made through the services (the API's own rules,
    without HTTP) and shown as the API shows them."""
    from flask import g

    from timetracker.demo import LOADER
    from timetracker.schemas import catalogue as schemas
    from timetracker.services import catalogue as levels
    from timetracker.store.db import finish_request_transaction, get_db

    def create(level, schema, **values):
        return schema().dump(level.create(get_db(write=True), LOADER, values))

    with app.test_request_context("/api/v1/"):
        g.caller = LOADER
        customer, project, task = schemas.CustomerSchema, schemas.ProjectSchema, schemas.TaskSchema
        acme = create(levels.customers, customer, name="Acme")
        globex = create(levels.customers, customer, name="Globex", archived=True)
        web = create(levels.projects, project, customer_id=acme["id"], name="Website")
        mobile = create(levels.projects, project, customer_id=acme["id"], name="Mobile app")
        erp = create(levels.projects, project, customer_id=globex["id"], name="ERP")
        tasks = {
            "design": create(levels.tasks, task, project_id=web["id"], name="Design"),
            "build": create(levels.tasks, task, project_id=web["id"], name="Build"),
            "release": create(
                levels.tasks, task, project_id=mobile["id"], name="Release", status="completed"
            ),
            "migrate": create(levels.tasks, task, project_id=erp["id"], name="Migrate data"),
        }
        finish_request_transaction(commit=True)
    return {
        "customers": {"acme": acme, "globex": globex},
        "projects": {"web": web, "app": mobile, "erp": erp},
        "tasks": tasks,
    }


@pytest.fixture
def worker(admin, make_user, catalogue):
    """A user ``worker`` with Enter Time-Track, assigned to the Website project (tasks Design and
    Build)."""
    worker = make_user(ENTER_TIME_TRACK, username="worker")
    admin.ok(
        "put",
        f"/users/{worker.id}/workAssignments",
        {"projectIds": [catalogue["projects"]["web"]["id"]]},
    )
    return worker


@pytest.fixture
def unthrottled(make_app):
    """An app whose throttle any number of requests fits, its admin client, and one task (of
    project Web of customer Acme): for tests that send many requests or race them."""
    app = make_app(RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    customer = admin.ok("post", "/customers", {"name": "Acme"})
    project = admin.ok("post", "/projects", {"customerId": customer["id"], "name": "Web"})
    task = admin.ok("post", "/tasks", {"projectId": project["id"], "name": "Build"})["id"]
    return app, admin, task


@pytest.fixture
def write_window(monkeypatch):
    """Hold every time-track write for 5 ms between its checks and its write: the window a race
    needs. The event is set when a write is held there."""
    import threading
    import time

    from timetracker.store import timetrack as timetrack_store

    held = threading.Event()
    save_entry = timetrack_store.save_entry

    def slow_save(*args, **kwargs):
        held.set()
        time.sleep(0.005)
        return save_entry(*args, **kwargs)

    monkeypatch.setattr(timetrack_store, "save_entry", slow_save)
    return held


# --- a clock for timers, and a worker in Tokyo ----------------------------------------------


class Clock:
    """The timers' clock, set by the test (epoch milliseconds; times given are Tokyo's)."""

    def __init__(self, monkeypatch):
        from timetracker.services import timers

        self.now = 0
        monkeypatch.setattr(timers, "now_ms", lambda: self.now)

    def at(self, year, month, day, hour, minute, second=0):
        tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=tokyo)
        self.now = int(moment.timestamp() * 1000)
        return self


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def tokyo_worker(admin, worker):
    """The worker (assigned to Website: Design, Build), in Tokyo."""
    group = admin.ok("post", "/timeZoneGroups", {"name": "Tokyo", "timeZoneId": "Asia/Tokyo"})
    admin.ok("patch", f"/users/{worker.id}", {"timeZoneGroupId": group["id"]})
    return worker

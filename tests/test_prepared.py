"""Prepared statements (``store/prepared.py``) read exactly what SQLAlchemy reads."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import pytest
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import DBAPIError

import timetracker.store
from timetracker import demo
from timetracker.cli import command_context
from timetracker.store.db import write_transaction
from timetracker.store.entities import Entity
from timetracker.store.prepared import Prepared
from timetracker.store.schema import user_permissions, users
from timetracker.store.users import find_for_login


def all_entities() -> dict[str, Entity]:
    found = {}
    for module in pkgutil.iter_modules(timetracker.store.__path__):
        loaded = importlib.import_module(f"timetracker.store.{module.name}")
        for name, value in vars(loaded).items():
            if isinstance(value, Entity):
                found[f"{module.name}.{name}"] = value
    return found


@pytest.fixture
def engine(app):
    engine = app.extensions["timetracker"]["engine"]
    with command_context(app, "demo", demo.LOADER), write_transaction(engine) as conn:
        demo.load(conn, today=dt.date(2026, 11, 2), hash_method="pbkdf2:sha256:1000")
    return engine


def test_every_entity_read_by_id_is_the_engine_read(engine):
    entities = all_entities()
    assert len(entities) >= 12, sorted(entities)
    compared = 0
    with engine.connect() as conn:
        for name, entity in sorted(entities.items()):
            ids = conn.execute(select(entity.id)).scalars().all()
            for row_id in [*ids[:20], 10**9]:
                expected = conn.execute(entity.by_id, {"id": row_id}).mappings().first()
                got = entity.by_id_prepared.first(conn, {"id": row_id})
                assert got == (None if expected is None else dict(expected)), (name, row_id)
                if got is not None:  # the same Python types, not only equal values
                    assert {k: type(v) for k, v in got.items()} == {
                        k: type(v) for k, v in expected.items()
                    }, name
                    compared += 1
    assert compared > 50


def test_login_lookup_has_dates_and_permissions(engine):
    with engine.connect() as conn:
        user = find_for_login(conn, "ADMIN")  # names match whatever their case
        assert user["username"] == "admin" and user["permissions"]
        assert find_for_login(conn, "nobody") is None
        someone = conn.execute(select(users.c.username).where(users.c.hired.is_not(None))).first()
        assert isinstance(find_for_login(conn, someone[0])["hired"], dt.date)
        granted: dict[int, set[str]] = {}
        for user_id, permission in conn.execute(select(user_permissions)):
            granted.setdefault(user_id, set()).add(permission)
        accounts = conn.execute(select(users.c.id, users.c.username)).all()
        assert any(user_id not in granted for user_id, _ in accounts)  # some have none
        for user_id, username in accounts:
            assert find_for_login(conn, username)["permissions"] == granted.get(user_id, set())


def test_statement_literals_and_conversions(engine):
    statement = select(users.c.username, (users.c.id + 1).label("next"), users.c.hired).where(
        users.c.id == bindparam("id"), users.c.hired < dt.date(2100, 1, 1)
    )
    with engine.connect() as conn:
        expected = [dict(r) for r in conn.execute(statement, {"id": 1}).mappings()]
        assert Prepared(statement).rows(conn, {"id": 1}) == expected


def test_driver_errors_come_as_sqlalchemy_errors(engine):
    broken = Prepared(select(users.c.id).where(users.c.id == bindparam("id")))
    with engine.connect() as conn:
        conn.begin()
        compiled = broken.compiled(conn.dialect)
        compiled.sql = compiled.sql.replace("users", "no_such_table")
        with pytest.raises(DBAPIError):
            broken.rows(conn, {"id": 1})


@pytest.mark.parametrize(
    "statement",
    [
        select(users.c.id).where(users.c.id.in_(bindparam("ids", expanding=True))),
        select(func.aggregate_strings(users.c.username, ",")),  # its separator
    ],
    ids=["IN list", "value rendered at execution"],
)
def test_parameters_rendered_at_execution_are_refused(engine, statement):
    with engine.connect() as conn, pytest.raises(ValueError, match="plain parameters"):
        Prepared(statement).rows(conn, {"ids": [1]})


@pytest.mark.parametrize(
    "statement",
    [
        select(users.c.id, users.c.id + 1),
        select(func.count()).select_from(users),
        select(users.c.id, user_permissions.c.user_id.label("id")),
    ],
    ids=["unlabelled expression", "unlabelled function", "name given twice"],
)
def test_columns_without_a_name_of_their_own_are_refused(engine, statement):
    """Row keys are the columns' names: a name SQLAlchemy would make up is refused."""
    with engine.connect() as conn, pytest.raises(ValueError, match="prepared statement"):
        Prepared(statement).rows(conn, {})


def test_the_engines_cursor_events_see_prepared_statements(engine):
    """Listeners on the engine's cursor events (a test counting statements) see them too."""
    from sqlalchemy import event

    seen: list[str] = []

    def listener(conn, cursor, statement, *_):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        with engine.connect() as conn:
            find_for_login(conn, "admin")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert any("username_key" in statement for statement in seen), seen

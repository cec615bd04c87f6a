"""The request's way (``timetracker/pipeline.py``) and the start that readies the database
(``timetracker/startup.py``) before ``create_app``, which only builds."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect as inspect_database

from tests.conftest import app_settings, basic
from timetracker import create_app, pipeline
from timetracker.startup import prepare_database
from timetracker.store.db import make_engine

ORIGIN = "https://app.example.com"


def names(hooks) -> list[str]:
    return [f"{hook.__module__}.{hook.__qualname__}" for hook in hooks]


def test_the_app_runs_its_hooks_in_the_declared_order(make_app):
    app = make_app(CORS_ORIGINS=ORIGIN)
    assert app.before_request_funcs[None] == list(pipeline.BEFORE_VIEW)
    # Flask runs after_request hooks last registered first.
    after = list(reversed(app.after_request_funcs[None]))
    assert after[: len(pipeline.AFTER_VIEW)] == list(pipeline.AFTER_VIEW)
    assert names(after[len(pipeline.AFTER_VIEW) :]) == [
        "flask_cors.extension.make_after_request_function.<locals>.cors_after_request"
    ]
    assert app.teardown_request_funcs[None] == list(pipeline.TEARDOWN)
    assert set(app.before_request_funcs) == set(app.after_request_funcs) == {None}


def test_without_cors_origins_there_is_no_cors_hook(app):
    assert list(reversed(app.after_request_funcs[None])) == list(pipeline.AFTER_VIEW)


@pytest.mark.parametrize("failure", ["commit", "view"])
def test_an_answer_replaced_after_the_view_still_gets_every_header(
    make_app, catalogue, monkeypatch, failure
):
    """The commit runs before the throttle's headers, the request id and CORS are added: an
    answer the failed commit replaces carries them as any other does."""
    from sqlalchemy.engine import Connection
    from sqlalchemy.exc import OperationalError

    client = make_app(CORS_ORIGINS=ORIGIN).test_client()
    acme = catalogue["customers"]["acme"]["id"]
    real_commit = Connection.commit

    def refuse(self):
        if failure == "commit" and self.get_execution_options().get("write"):
            raise OperationalError("COMMIT", {}, Exception("disk full"))
        return real_commit(self)

    monkeypatch.setattr(Connection, "commit", refuse)
    response = client.patch(
        f"/api/v1/customers/{acme}",
        json={"name": "Renamed" if failure == "commit" else ""},
        headers={**basic("admin", "manager"), "Origin": ORIGIN, "X-Request-Id": "r-1"},
    )
    monkeypatch.undo()
    assert response.status_code == (503 if failure == "commit" else 400)
    assert response.headers["X-Ratelimit-Remaining"].isdigit()
    assert response.headers["X-Ratelimit-Reset"].isdigit()
    assert response.headers["X-Request-Id"] == "r-1"
    assert response.get_json()["requestId"] == "r-1"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def tables_in(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        return inspect_database(engine).get_table_names()
    finally:
        engine.dispose()


def test_create_app_leaves_an_empty_database_as_it_is(database_url, capfd):
    app = create_app(app_settings(database_url))
    assert app.test_client().get("/api/v1/health").get_json() == {"status": "ok"}
    app.extensions["timetracker"]["engine"].dispose()
    assert tables_in(database_url) == []
    assert capfd.readouterr().err == ""


def test_the_first_start_readies_the_database_once(database_url, capfd):
    settings = app_settings(database_url, ADMIN_PASSWORD=None)
    assert prepare_database(settings) is True
    first = capfd.readouterr().err
    assert first.startswith("Database: ")
    assert "Created the administrator account 'admin' with password: " in first
    assert prepare_database(settings) is False
    assert capfd.readouterr().err == ""
    app = create_app(settings)
    try:
        password = first.split("with password: ")[1].split()[0]
        response = app.test_client().get("/api/v1/users/me", headers=basic("admin", password))
        assert response.status_code == 200
    finally:
        app.extensions["timetracker"]["engine"].dispose()


def test_without_auto_migrate_the_start_leaves_the_database_alone(database_url, capfd):
    assert prepare_database(app_settings(database_url, AUTO_MIGRATE=False)) is False
    assert tables_in(database_url) == []
    assert capfd.readouterr().err == ""

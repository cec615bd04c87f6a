"""What the code takes from libraries beyond their documented API is still there.

Each check names the release it ran against, the module of this project that needs the name and
the name itself, so that a run against newer releases (``.ci/drift``) says exactly what moved.
Each library here has an upper bound in pyproject.toml at its first release not checked yet;
whether the code still behaves with a release is for the tests of that code (test_prepared.py,
test_connections.py, test_serving.py, test_bad_input.py, test_dump.py, test_routing.py) to say.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version


def missing_names(owner, names) -> list[str]:
    return [name for name in names if not hasattr(owner, name)]


def assigned_in_source(cls, names) -> list[str]:
    """The names of ``names`` that no method of ``cls`` (or its bases) assigns to ``self``:
    instance attributes that only an instance built by the library would show."""
    source = "".join(inspect.getsource(klass) for klass in cls.__mro__ if klass is not object)
    return [name for name in names if f"self.{name} =" not in source]


def report(library: str, user: str, missing: list[str]) -> None:
    assert not missing, (
        f"{library} {version(library)} no longer has what {user} uses: {', '.join(missing)}"
    )


def test_sqlalchemy():
    from sqlalchemy import bindparam, create_engine, event, select
    from sqlalchemy.dialects import postgresql, sqlite

    from timetracker.store.schema import users

    user = "timetracker/store/prepared.py"
    statement = select(users.c.id).where(users.c.id == bindparam("id"))
    for dialect in (sqlite.dialect(), postgresql.psycopg.dialect()):
        compiled = statement.compile(dialect=dialect)
        report(
            "sqlalchemy",
            user,
            missing_names(
                compiled,
                ["binds", "positional", "positiontup", "post_compile_params"]
                + ["literal_execute_params"],
            ),
        )
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        report(
            "sqlalchemy",
            user,
            [
                f"Connection.dispatch.{name}"
                for name in ("before_cursor_execute", "after_cursor_execute")
                if not hasattr(getattr(conn, "dispatch", None), name)
            ],
        )
        assert not conn.dispatch.before_cursor_execute, "sqlalchemy: dispatch without listeners"
    event.listen(engine, "before_cursor_execute", lambda *_: None)
    with engine.connect() as conn:
        assert conn.dispatch.before_cursor_execute, "sqlalchemy: a listener not in dispatch"


def test_marshmallow():
    from marshmallow import Schema, fields, post_dump

    from timetracker.schemas.settings import TypeOfWorkSchema

    class Hooked(Schema):
        name = fields.String()

        @post_dump
        def shout(self, data, **kwargs):
            return data

    hooks = getattr(Hooked(), "_hooks", None)
    report("marshmallow", "timetracker/schemas/base.py", [] if hooks else ["Schema._hooks"])
    assert hooks.get("post_dump") and not hooks.get("pre_dump"), "marshmallow: _hooks changed"
    assert not getattr(Schema(), "_hooks", {}).get("post_dump")
    report(
        "marshmallow",
        "timetracker/schemas/common.py",
        missing_names(fields.Field, ["_bind_to_schema"]),
    )
    inner = TypeOfWorkSchema().fields["rate"].inner
    assert (inner.name, type(inner.parent)) == ("rate", TypeOfWorkSchema), (
        "marshmallow: _bind_to_schema no longer binds a field to its schema"
    )


def test_flask_smorest():
    from flask.views import MethodView
    from flask_smorest import Blueprint
    from marshmallow import Schema, fields

    class Query(Schema):
        name = fields.String()

    blp = Blueprint("things", __name__)

    class Things(MethodView):
        @blp.arguments(Query, location="query")
        def get(self, args):
            return args

        @blp.arguments(Query)
        def post(self, args):
            return args

    def declared(method):
        return getattr(method, "_apidoc", {}).get("arguments", {}).get("parameters", [])

    report(
        "flask-smorest",
        "timetracker/request_shape.py",
        [] if hasattr(Things.get, "_apidoc") else ["_apidoc on a view decorated by arguments"],
    )
    assert [p.get("in") for p in declared(Things.get)] == ["query"], (
        f"flask-smorest: _apidoc arguments changed shape: {Things.get._apidoc}"
    )
    assert [p.get("in") for p in declared(Things.post)] == ["json"]


def test_flask_smorest_describes_the_default_responses_in_one_hook():
    from flask_smorest import Api

    report("flask-smorest", "timetracker/docs.py", missing_names(Api, ["_register_responses"]))
    assert "self._register_responses()" in inspect.getsource(Api._init_spec), (
        "flask-smorest: Api._init_spec no longer describes the default responses through "
        "_register_responses"
    )


def test_werkzeug():
    from werkzeug.routing import Rule

    report("werkzeug", "timetracker/routing.py", missing_names(Rule, ["_compile_builder"]))
    parameters = inspect.signature(Rule._compile_builder).parameters
    assert list(parameters) == ["self", "append_unknown"], (
        f"werkzeug: Rule._compile_builder takes {list(parameters)}"
    )
    # Rule.compile binds what the factory returns as the rule's builders.
    source = inspect.getsource(Rule.compile)
    for append_unknown in (False, True):
        assert f"self._compile_builder({append_unknown}).__get__(self, None)" in source, (
            "werkzeug: Rule.compile no longer binds _compile_builder's builders"
        )


def test_werkzeug_parses_a_rule_in_one_method():
    """timetracker/routing.py keeps each parsed rule path: werkzeug's Rule.compile takes the
    parts from ``_parse_rule``, whose only other effects are on ``_trace``, ``_converters``
    (through ``get_converter``) and ``arguments``; and two maps' rules of one path, one parsed
    and one taken from the kept parse, match alike and hold converters of their own."""
    from werkzeug.routing import Map
    from werkzeug.routing import Rule as WerkzeugRule

    from timetracker.routing import Rule

    report("werkzeug", "timetracker/routing.py", missing_names(WerkzeugRule, ["_parse_rule"]))
    compile_source = inspect.getsource(WerkzeugRule.compile)
    assert "self._parts.extend(self._parse_rule(rule))" in compile_source
    parse_source = inspect.getsource(WerkzeugRule._parse_rule)
    for effect in (
        "self._trace.append(",
        'self._converters[data["variable"]] = convobj',
        'self.arguments.add(data["variable"])',
        "convobj = self.get_converter(",
    ):
        assert effect in parse_source, f"werkzeug: Rule._parse_rule no longer does {effect}"
    path = "/things/<int:thing_id>/parts/<path:rest>"
    first, second = Rule(path, endpoint="e"), Rule(path, endpoint="e")
    first_map, second_map = Map([first]), Map([second])
    plain = WerkzeugRule(path, endpoint="e")
    Map([plain])
    for rule in (first, second):
        assert rule._parts == plain._parts
        assert rule._trace == plain._trace
        assert rule.arguments == plain.arguments == {"thing_id", "rest"}
        assert {n: type(c) for n, c in rule._converters.items()} == {
            n: type(c) for n, c in plain._converters.items()
        }
    assert first._converters["thing_id"] is not second._converters["thing_id"]
    assert second._converters["thing_id"].map is second_map
    for url_map in (first_map, second_map):
        adapter = url_map.bind("localhost")
        assert adapter.match("/things/7/parts/a/b") == ("e", {"thing_id": 7, "rest": "a/b"})
        assert adapter.build("e", {"thing_id": 7, "rest": "a/b"}) == "/things/7/parts/a/b"

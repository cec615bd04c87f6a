"""Every route answers the same with or without a trailing slash, for every method, without a
redirect (a redirected PATCH loses its body in many clients)."""

from __future__ import annotations

import re

import flask
import pytest

PATH_VALUES = {"uid": "admin", "userId": "admin", "date": "2025-03-04", "taskId": "1"}


def operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method


def concrete(path: str, method: str) -> str:
    """The document's path with real values: ids that exist, except that deletions aim at ids
    that do not (so the first variant cannot change what the second one sees)."""
    default_id = "-1" if path.startswith(("/api/v1/departments", "/api/v1/timeZoneGroups")) else "1"
    if method == "delete":
        default_id = "99999"

    def value(match):
        name = match.group(1)
        return PATH_VALUES.get(name, "1" if name == "leaveTypeId" else default_id)

    return re.sub(r"\{(\w+)\}", value, path)


def without_request_id(response):
    """The JSON body without the error's requestId, which differs between any two requests."""
    body = response.get_json()
    if isinstance(body, dict):
        body.pop("requestId", None)
    return body


def test_every_operation_answers_the_same_with_a_trailing_slash(unthrottled):
    _app, admin, _task = unthrottled
    checked = 0
    for path, method in operations(admin.client):
        url = concrete(path, method)
        query = "?dateFrom=2025-03-01" if url in ("/api/v1/timetrack", "/api/v1/leavetime") else ""
        kwargs = {} if method in ("get", "delete") else {"json": {}}
        plain = admin.request(method, url + query, **kwargs)
        slashed = admin.request(method, url + "/" + query, **kwargs)
        assert slashed.status_code not in (301, 302, 307, 308, 405), (method, url)
        assert slashed.status_code == plain.status_code, (method, url, slashed.get_json())
        if method == "get":
            assert without_request_id(slashed) == without_request_id(plain), (method, url)
        elif plain.status_code >= 400:
            assert slashed.get_json()["key"] == plain.get_json()["key"], (method, url)
        checked += 1
    assert checked > 60


@pytest.mark.parametrize("path", ["/api/v1/info/", "/api/v1/departments/", "/api/v1/users/me/"])
def test_what_clients_were_seen_sending(admin, path):
    assert admin.get(path).status_code == 200


def test_a_patch_with_a_trailing_slash_keeps_its_body(admin, catalogue):
    acme = catalogue["customers"]["acme"]["id"]
    body = admin.ok("patch", f"/customers/{acme}/", {"description": "via slash"})
    assert body["description"] == "via slash"


def test_the_swagger_ui_keeps_its_own_slash(client):
    assert client.get("/api/v1/swagger/").status_code == 200


def test_an_asynchronous_view_or_hook_is_refused(app):
    """Views and hooks run as they are (no coroutine check per request): one that is a
    coroutine function is refused when the app is built."""
    from flask.views import MethodView

    app.check_synchronous()  # the app's own are all synchronous

    class Later(MethodView):
        async def get(self):
            return {}

    app.add_url_rule("/later", view_func=Later.as_view("later"))
    with pytest.raises(TypeError, match="synchronous"):
        app.check_synchronous()
    del app.view_functions["later"]

    async def hook():
        return None

    app.before_request(hook)
    with pytest.raises(TypeError, match="synchronous"):
        app.check_synchronous()


def test_every_route_builds_the_urls_werkzeug_builds(app):
    """The app's rules compile their URL builders when first used (timetracker.routing.Rule):
    every route builds what werkzeug's own rule builds, with and without other arguments."""
    from werkzeug.routing import Map, Rule

    from timetracker.routing import Rule as AppRule

    rules = list(app.url_map.iter_rules())
    assert {type(rule) for rule in rules} == {AppRule}
    plain = Map(
        [Rule(r.rule, endpoint=r.endpoint, methods=r.methods, defaults=r.defaults) for r in rules],
        converters=app.url_map.converters,
        merge_slashes=False,
    )
    ours, theirs = app.url_map.bind("localhost"), plain.bind("localhost")
    for rule in rules:
        values = dict.fromkeys(rule.arguments, 7)
        for extra in ({}, {"q": "a b/é", "n": 2}):
            for append_unknown in (False, True):
                built = ours.build(
                    rule.endpoint, {**values, **extra}, append_unknown=append_unknown
                )
                expected = theirs.build(
                    rule.endpoint, {**values, **extra}, append_unknown=append_unknown
                )
                assert built == expected, (rule.rule, extra, append_unknown)
    with app.test_request_context():
        assert flask.url_for("swagger_ui.show") == "/api/v1/swagger/"

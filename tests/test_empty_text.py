"""Empty optional text fields answer what actiTIME answers for them, however a client cleared
them (null or ""): ``middleName`` and /info's strings answer "", descriptions and e-mail null,
and comments are absent."""

from __future__ import annotations

import pytest

from timetracker.access import ENTER_TIME_TRACK

USER = {"username": "jdoe", "password": "pw", "firstName": "John", "lastName": "Doe"}


@pytest.mark.parametrize("cleared", ["missing", None, ""])
def test_an_empty_middle_name_answers_an_empty_string(admin, cleared):
    body = dict(USER) if cleared == "missing" else {**USER, "middleName": cleared}
    created = admin.ok("post", "/users", body)
    assert created["middleName"] == "" and created["fullName"] == "John Doe"
    assert admin.ok("get", "/users/jdoe")["middleName"] == ""
    listed = admin.ok("get", "/users?username=jdoe")["items"]
    assert [u["middleName"] for u in listed] == [""]
    named = admin.ok("patch", "/users/jdoe", {"middleName": "Quincy"})
    assert named["middleName"] == "Quincy" and named["fullName"] == "John Q. Doe"
    for clearing in (None, ""):
        admin.ok("patch", "/users/jdoe", {"middleName": "Quincy"})
        patched = admin.ok("patch", "/users/jdoe", {"middleName": clearing})
        assert patched["middleName"] == "" and patched["fullName"] == "John Doe"
        assert admin.ok("get", "/users/jdoe")["middleName"] == ""


def test_an_empty_middle_name_answers_an_empty_string_everywhere(admin, make_user, worker):
    """The caller itself, a users map of a listing, the users of a comment list."""
    task = admin.ok("get", "/tasks?name=Design")["items"][0]["id"]
    worker.ok("patch", f"/timetrack/me/2025-03-03/{task}", {"time": 60})
    worker.ok("post", f"/tasks/{task}/comments", {"text": "Started"})
    assert worker.ok("get", "/users/me")["middleName"] == ""
    listing = worker.ok("get", "/timetrack?dateFrom=2025-03-03&includeReferenced=users")
    assert listing["users"][str(worker.id)]["middleName"] == ""
    comments = worker.ok("get", f"/tasks/{task}/comments?includeReferenced=users")
    assert comments["users"][str(worker.id)]["middleName"] == ""
    clerk = make_user(ENTER_TIME_TRACK)
    assert clerk.ok("get", "/users/me")["middleName"] == ""


def test_the_document_says_middle_name_is_never_null(client):
    spec = client.get("/api/v1/swagger.json").get_json()
    middle = spec["components"]["schemas"]["User"]["properties"]["middleName"]
    assert middle["type"] == "string" and not middle.get("nullable")
    assert '""' in middle["description"]


@pytest.mark.parametrize("cleared", [None, ""])
def test_an_empty_email_answers_null(admin, cleared):
    admin.ok("post", "/users", {**USER, "email": "john@example.com"})
    assert admin.ok("patch", "/users/jdoe", {"email": cleared})["email"] is None
    assert admin.ok("get", "/users/jdoe")["email"] is None
    assert admin.patch("/users/jdoe", json={"email": "not an address"}).status_code == 400


@pytest.mark.parametrize("level", ["customers", "projects", "tasks"])
@pytest.mark.parametrize("cleared", [None, ""])
def test_an_empty_description_answers_null(admin, catalogue, level, cleared):
    parent = {
        "customers": {},
        "projects": {"customerId": catalogue["customers"]["acme"]["id"]},
        "tasks": {"projectId": catalogue["projects"]["web"]["id"]},
    }[level]
    created = admin.ok("post", f"/{level}", {**parent, "name": "New", "description": cleared})
    assert created["description"] is None
    path = f"/{level}/{created['id']}"
    assert admin.ok("patch", path, {"description": "Something"})["description"] == "Something"
    assert admin.ok("patch", path, {"description": cleared})["description"] is None
    assert admin.ok("get", path)["description"] is None


@pytest.mark.parametrize("cleared", [None, ""])
def test_a_cleared_record_comment_is_absent(worker, catalogue, cleared):
    task = catalogue["tasks"]["design"]["id"]
    path = f"/timetrack/me/2025-03-03/{task}"
    assert worker.ok("patch", path, {"time": 60, "comment": "Draft"})["comment"] == "Draft"
    assert worker.ok("patch", path, {"comment": cleared}) == {"taskId": task, "time": 60}
    assert worker.ok("get", path) == {"taskId": task, "time": 60}
    listing = worker.ok("get", "/timetrack?dateFrom=2025-03-03&includeReferenced=comments")
    assert listing["data"][0]["records"] == [{"taskId": task, "time": 60}]


@pytest.mark.parametrize("cleared", [None, ""])
def test_an_empty_timer_comment_answers_null(worker, catalogue, cleared):
    task = catalogue["tasks"]["design"]["id"]
    started = worker.ok("post", "/timers", {"taskId": task, "comment": cleared})
    assert started["comment"] is None


def test_info_answers_strings_where_actitime_documents_strings(admin):
    info = admin.ok("get", "/info")
    assert info["company"]["logoUri"] == ""
    assert all(isinstance(url, str) for url in info["urls"].values())
    assert info["urls"]["actiPlans"] == ""

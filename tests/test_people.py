"""Users, schedules, departments, time zone groups, leave types, rates and /info."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from timetracker.access import ENTER_TIME_TRACK, MANAGE_ACCOUNTS

JOHN = {
    "username": "jdoe",
    "password": "s3cret",
    "firstName": "John",
    "middleName": "Quincy",
    "lastName": "Doe",
    "email": "john@example.com",
    "hired": "2024-03-01",
}


@pytest.fixture
def john(admin):
    return admin.ok("post", "/users", JOHN)


# --- accounts ---------------------------------------------------------------------------------


def test_create_user(admin, client, john):
    assert john["fullName"] == "John Q. Doe"
    assert (john["departmentId"], john["timeZoneGroupId"], john["active"]) == (-1, -1, True)
    assert (john["username"], john["hired"], john["releaseDate"]) == ("jdoe", "2024-03-01", None)
    assert "password" not in john
    assert admin.ok("get", "/users/jdoe") == john
    assert admin.ok("get", f"/users/{john['id']}") == john
    assert ApiClient(client, "jdoe", "s3cret").get("/users/me").status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "key", "field"),
    [
        ({"username": "JDOE"}, 400, "api.error.user_exists", "username"),
        ({"departmentId": 77}, 404, "api.error.object_not_found", "departmentId"),
        ({"timeZoneGroupId": 77}, 404, "api.error.object_not_found", "timeZoneGroupId"),
        ({"releaseDate": "2024-02-01"}, 400, "api.error.invalid_date_range", "releaseDate"),
        ({"hired": "1969-12-31"}, 400, "api.error.invalid_argument", "hired"),
        ({"email": "not-an-address"}, 400, "api.error.invalid_argument", "email"),
        ({"password": ""}, 400, "api.error.invalid_argument", "password"),
        ({"firstName": " "}, 400, "api.error.invalid_argument", "firstName"),
    ],
)
def test_invalid_users_are_refused(admin, john, change, status, key, field):
    response = admin.post("/users", json={**JOHN, "username": "other", **change})
    assert response.status_code == status, response.get_json()
    assert response.get_json()["key"] == key
    assert field in response.get_json()["fields"]
    assert len(admin.ok("get", "/users")["items"]) == 2


def test_a_release_before_the_hire_date_has_one_key_on_create_and_update(admin, john):
    created = admin.post("/users", json={**JOHN, "username": "other", "releaseDate": "2024-02-01"})
    updated = admin.patch("/users/jdoe", json={"releaseDate": "2024-02-01"})
    for response in (created, updated):
        assert response.status_code == 400
        assert response.get_json()["key"] == "api.error.invalid_date_range"
        assert response.get_json()["fields"] == "releaseDate"


@pytest.mark.parametrize(
    "path",
    [
        "/users/me",
        "/users/me/schedule?dateFrom=2025-03-03&dateTo=2025-03-04",
        "/users/me/weeklySchedule",
        "/users/me/permissions",
        "/users/me/team",
        "/users/me/scope",
        "/users/me/workAssignments",
        "/userRates/me",
        "/timetrack/me/2025-03-04/{task}",
        "/leavetime/me/2025-03-04/1",
        "/timetrack?dateFrom=2025-03-01&userIds=me",
        "/leavetime?dateFrom=2025-03-01&userIds=me",
        "/userRates?userIds=me",
    ],
)
def test_me_means_the_caller_wherever_a_user_goes(make_user, catalogue, path):
    me = make_user(
        "enterTimeTrack", "manageCostBilling", username="jsmith", assign_all=True, team_all=True
    )
    task = catalogue["tasks"]["design"]["id"]
    response = me.get(path.format(task=task))
    assert response.status_code == 200, response.get_json()
    by_name = me.get(path.replace("/me", "/jsmith").replace("=me", f"={me.id}").format(task=task))
    assert response.get_json() == by_name.get_json()


def test_me_in_user_lists_is_the_caller(make_user, catalogue):
    me = make_user("enterTimeTrack", username="jsmith", assign_all=True)
    task = catalogue["tasks"]["design"]["id"]
    me.ok("patch", f"/timetrack/me/2025-03-04/{task}", {"time": 30})
    body = me.ok("get", "/timetrack?dateFrom=2025-03-01&userIds=me,me")
    assert [d["userId"] for d in body["data"]] == [me.id]
    assert me.get("/timetrack?dateFrom=2025-03-01&userIds=you").status_code == 400


def test_an_unknown_username_in_a_path_is_a_404_naming_it(admin):
    for path in (
        "/users/nobody/schedule?dateFrom=2025-03-03&dateTo=2025-03-04",
        "/timetrack/nobody/2025-03-04/1",
        "/userRates/nobody",
    ):
        response = admin.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["key"] == "api.error.object_not_found"
        assert "nobody" in response.get_json()["message"]


def test_a_username_out_of_reach_answers_as_an_unknown_one(admin, make_user, john):
    worker = make_user(username="worker")
    hidden, unknown = worker.get("/users/jdoe"), worker.get("/users/nobody-at-all")
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.get_json()["key"] == unknown.get_json()["key"] == "api.error.object_not_found"
    assert worker.get("/users/jdoe/weeklySchedule").status_code == 404
    # An id is not private: out of reach is 403, as for every other object.
    assert worker.get(f"/users/{john['id']}").status_code == 403


def test_changing_the_password_takes_effect_at_once(admin, client, john):
    old = ApiClient(client, "jdoe", "s3cret")
    assert old.get("/users/me").status_code == 200  # now in the verification cache
    admin.ok("patch", "/users/jdoe", {"password": "n3w"})
    assert old.get("/users/me").status_code == 401
    assert ApiClient(client, "jdoe", "n3w").get("/users/me").status_code == 200


def test_disabled_users_cannot_log_in_and_nobody_disables_themselves(admin, client, john):
    admin.ok("patch", "/users/jdoe", {"active": False})
    response = ApiClient(client, "jdoe", "s3cret").get("/users/me")
    assert response.get_json()["key"] == "api.error.user_cannot_be_authorized"
    response = admin.patch("/users/1", json={"active": False})
    assert response.get_json()["key"] == "api.error.cannot_disable_self"


def test_users_with_comments_cannot_be_deleted(admin, client, john, catalogue):
    admin.ok("put", "/users/jdoe/permissions", {"permissions": [ENTER_TIME_TRACK]})
    admin.ok("put", "/users/jdoe/workAssignments", {"allScope": True})
    jdoe = ApiClient(client, "jdoe", "s3cret")
    jdoe.ok("post", f"/tasks/{catalogue['tasks']['design']['id']}/comments", {"text": "Hi"})
    response = admin.delete("/users/jdoe")
    assert response.status_code == 400
    body = response.get_json()
    assert body["key"] == "api.error.user_has_data" and "active" in body["message"]
    admin.ok("patch", "/users/jdoe", {"active": False})  # the way out


def test_delete_user(admin, john):
    assert admin.delete("/users/1").get_json()["key"] == "api.error.cannot_delete_self"
    assert admin.delete("/users/jdoe").status_code == 204
    assert admin.get("/users/jdoe").status_code == 404
    assert admin.get("/users/nobody").status_code == 404


def test_user_list_filters(admin, john):
    admin.ok(
        "post",
        "/users",
        {
            **JOHN,
            "username": "asmith",
            "firstName": "Anna",
            "lastName": "Smith",
            "middleName": None,
            "email": None,
        },
    )
    sales = admin.ok("post", "/departments", {"name": "Sales"})
    admin.ok("patch", "/users/asmith", {"departmentId": sales["id"], "active": False})

    def usernames(query):
        return [u["username"] for u in admin.ok("get", f"/users?{query}")["items"]]

    assert usernames("sort=lastName") == ["admin", "jdoe", "asmith"]
    assert usernames("sort=-username") == ["jdoe", "asmith", "admin"]
    assert usernames("name=doe%20john") == ["jdoe"]
    assert usernames("name=QUINCY") == ["jdoe"]
    assert usernames("active=false") == ["asmith"]
    assert usernames(f"department={sales['id']}") == ["asmith"]
    assert usernames("departmentIds=-1") == ["admin", "jdoe"]
    assert usernames("username=JDOE") == ["jdoe"]
    assert usernames("email=JOHN@example.com") == ["jdoe"]
    body = admin.ok("get", "/users?includeReferenced=departments,timeZoneGroups")
    assert set(body["departments"]) == {"-1", str(sales["id"])}
    assert body["timeZoneGroups"]["-1"]["timeZoneId"] == "America/New_York"


def test_username_and_email_filters_match_the_users_the_caller_may_name(admin, make_user, john):
    """A client resolves ``--user jsmith`` with ``GET /users?username=jsmith&limit=1`` and then
    uses the name in paths: the filter finds exactly the users whose username the caller may use
    in a path (those it may see), and the answer still hides their private fields."""
    manager = make_user("modifyApproveTimeTrack", team_all=True, username="boss")
    worker = make_user("enterTimeTrack", username="worker")
    found = manager.ok("get", "/users?username=JDOE&limit=1")["items"]
    assert [u["id"] for u in found] == [john["id"]]
    assert not {"username", "email", "hired", "releaseDate"} & set(found[0])
    assert [u["id"] for u in manager.ok("get", "/users?email=john@example.com")["items"]] == [
        john["id"]
    ]
    assert manager.ok("get", "/users/jdoe")["id"] == john["id"]  # the same reach
    assert [u["id"] for u in manager.ok("get", "/users?username=BOSS&limit=1")["items"]] == [
        manager.id
    ]
    # Out of reach: no match, exactly as for a username nobody has, and the path answers 404.
    assert [u["id"] for u in worker.ok("get", "/users?username=worker")["items"]] == [worker.id]
    assert worker.ok("get", "/users?username=jdoe")["items"] == []
    assert worker.ok("get", "/users?email=john@example.com")["items"] == []
    assert worker.get("/users/jdoe").status_code == 404
    # Manage Accounts & Permissions matches everyone, private fields shown.
    assert [u["username"] for u in admin.ok("get", "/users?username=jdoe")["items"]] == ["jdoe"]
    # Sorting by a private field still needs Manage Accounts & Permissions.
    assert manager.get("/users?sort=hired").status_code == 403
    assert manager.get("/users?sort=lastName").status_code == 200


# --- schedules --------------------------------------------------------------------------------


def test_schedule_from_company_and_own_week(admin, john):
    # 2025-03-02 is a Sunday.
    body = admin.ok("get", "/users/jdoe/schedule?dateFrom=2025-03-02&dateTo=2025-03-09")
    assert body == {
        "dateFrom": "2025-03-02",
        "dateTo": "2025-03-09",
        "schedule": [0, 480, 480, 480, 480, 480, 0, 0],
    }
    week = admin.ok("get", "/users/jdoe/weeklySchedule")
    assert week == {"days": [0, 480, 480, 480, 480, 480, 0], "companyDefault": True}
    part_time = [0, 240, 240, 240, 240, 0, 0]
    assert admin.ok("put", "/users/jdoe/weeklySchedule", {"days": part_time}) == {
        "days": part_time,
        "companyDefault": False,
    }
    body = admin.ok("get", "/users/jdoe/schedule?dateFrom=2025-03-02&dateTo=2025-03-08")
    assert body["schedule"] == part_time
    admin.ok("put", "/users/jdoe/weeklySchedule", {"days": None})
    assert admin.ok("get", "/users/jdoe/weeklySchedule")["companyDefault"] is True


def test_schedule_is_zero_outside_employment(admin, john):
    admin.ok("patch", "/users/jdoe", {"releaseDate": "2024-03-05"})
    body = admin.ok("get", "/users/jdoe/schedule?dateFrom=2024-02-28&dateTo=2024-03-06")
    # Wed 28 Feb .. Wed 6 Mar 2024: hired on Fri 1 Mar, released after Tue 5 Mar.
    assert body["schedule"] == [0, 0, 480, 0, 0, 480, 480, 0]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("dateFrom=2025-03-09&dateTo=2025-03-02", "api.error.invalid_date_range"),
        ("dateFrom=2000-01-01&dateTo=2020-01-01", "api.error.invalid_date_range"),
        ("dateFrom=2025-02-30&dateTo=2025-03-02", "api.error.invalid_argument"),
        ("dateFrom=2025-03-02", "api.error.invalid_argument"),
    ],
)
def test_bad_schedule_ranges(admin, john, query, key):
    response = admin.get(f"/users/jdoe/schedule?{query}")
    assert response.status_code == 400 and response.get_json()["key"] == key


def test_weekly_schedule_needs_seven_days_of_at_most_a_day(admin, john):
    for days in ([480] * 6, [1441] + [0] * 6, ["8h"] + [0] * 6):
        assert admin.put("/users/jdoe/weeklySchedule", json={"days": days}).status_code == 400


# --- permissions, team, scope, assignments ------------------------------------------------------


def test_permissions_round_trip(admin, john):
    body = admin.ok(
        "put",
        "/users/jdoe/permissions",
        {"permissions": [ENTER_TIME_TRACK, "lockTimeTrack"], "seeAllUsersData": True},
    )
    assert body == {"permissions": ["enterTimeTrack", "lockTimeTrack"], "seeAllUsersData": True}
    assert admin.ok("get", "/users/jdoe/permissions") == body
    response = admin.put("/users/jdoe/permissions", json={"permissions": ["root"]})
    assert response.status_code == 400 and response.get_json()["fields"] == "permissions"
    response = admin.put("/users/1/permissions", json={"permissions": [ENTER_TIME_TRACK]})
    assert response.get_json()["key"] == "api.error.cannot_revoke_own_admin"
    assert MANAGE_ACCOUNTS in admin.ok("get", "/users/1/permissions")["permissions"]


def test_team_and_scope(admin, john, catalogue):
    team = admin.ok("put", "/users/1/team", {"allUsers": False, "userIds": [john["id"]]})
    assert team == {"allUsers": False, "userIds": [john["id"]]}
    assert admin.put("/users/1/team", json={"userIds": [999]}).status_code == 404
    acme = catalogue["customers"]["acme"]["id"]
    erp = catalogue["projects"]["erp"]["id"]
    scope = admin.ok("put", "/users/jdoe/scope", {"customerIds": [acme], "projectIds": [erp]})
    assert scope == {"allScope": False, "customerIds": [acme], "projectIds": [erp]}
    response = admin.put("/users/jdoe/scope", json={"customerIds": [999]})
    assert response.status_code == 404 and response.get_json()["fields"] == "customerIds"


def test_assigned_users_through_every_level(admin, john, catalogue):
    design = catalogue["tasks"]["design"]
    web = catalogue["projects"]["web"]
    assert admin.ok("get", f"/tasks/{design['id']}/assignedUsers") == {"userIds": [1]}
    admin.ok("put", f"/projects/{web['id']}/assignedUsers", {"userIds": [john["id"]]})
    assert admin.ok("get", f"/tasks/{design['id']}/assignedUsers")["userIds"] == [1, john["id"]]
    assert admin.ok("get", "/users/jdoe/workAssignments")["projectIds"] == [web["id"]]
    admin.ok("put", f"/projects/{web['id']}/assignedUsers", {"userIds": []})
    assert admin.ok("get", f"/tasks/{design['id']}/assignedUsers")["userIds"] == [1]
    response = admin.put(f"/tasks/{design['id']}/assignedUsers", json={"userIds": [999]})
    assert response.status_code == 404 and response.get_json()["fields"] == "userIds"


def test_work_assignments_give_sight_of_the_catalogue(admin, make_user, catalogue):
    worker = make_user(ENTER_TIME_TRACK)
    assert worker.ok("get", "/tasks")["items"] == []
    admin.ok(
        "put",
        f"/users/{worker.id}/workAssignments",
        {"taskIds": [catalogue["tasks"]["release"]["id"]]},
    )
    assert [t["name"] for t in worker.ok("get", "/tasks")["items"]] == ["Release"]
    assert [p["name"] for p in worker.ok("get", "/projects")["items"]] == ["Mobile app"]
    assert [c["name"] for c in worker.ok("get", "/customers")["items"]] == ["Acme"]


# --- departments, time zone groups, leave types ------------------------------------------------


def test_departments(admin, john):
    (builtin,) = admin.ok("get", "/departments")["items"]
    assert builtin.pop("modified") > 0
    assert builtin == {"id": -1, "name": "Users without department", "default": True}
    sales = admin.ok("post", "/departments", {"name": "Sales"})
    assert sales["id"] > 0 and sales["default"] is False
    assert (
        admin.post("/departments", json={"name": "SALES"}).get_json()["key"]
        == "api.error.department_exists"
    )
    admin.ok("patch", "/users/jdoe", {"departmentId": sales["id"]})
    assert (
        admin.ok("patch", f"/departments/{sales['id']}", {"name": "Sales EMEA"})["name"]
        == "Sales EMEA"
    )
    admin.ok("delete", f"/departments/{sales['id']}", status=204)
    assert admin.ok("get", "/users/jdoe")["departmentId"] == -1
    assert (
        admin.delete("/departments/-1").get_json()["key"] == "api.error.default_cannot_be_deleted"
    )


def test_time_zone_groups(admin, john):
    london = admin.ok("post", "/timeZoneGroups", {"name": "London", "timeZoneId": "Europe/London"})
    assert london["id"] > 0
    response = admin.post("/timeZoneGroups", json={"name": "Mars", "timeZoneId": "Mars/Olympus"})
    assert response.status_code == 400 and response.get_json()["fields"] == "timeZoneId"
    admin.ok("patch", "/users/jdoe", {"timeZoneGroupId": london["id"]})
    moved = admin.ok("patch", f"/timeZoneGroups/{london['id']}", {"timeZoneId": "Europe/Dublin"})
    assert moved["timeZoneId"] == "Europe/Dublin"
    admin.ok("delete", f"/timeZoneGroups/{london['id']}", status=204)
    assert admin.ok("get", "/users/jdoe")["timeZoneGroupId"] == -1
    assert admin.ok("get", "/timeZoneGroups/default")["id"] == -1


def test_leave_types(admin):
    body = admin.ok("get", "/leaveTypes")
    assert [(t["name"], t["balance"]) for t in body["items"]] == [
        ("Sick Leave", "Sick"),
        ("Vacation", "PTO"),
        ("Unpaid Leave", "None"),
    ]
    assert [t["name"] for t in admin.ok("get", "/leaveTypes?balance=pto")["items"]] == ["Vacation"]
    created = admin.ok(
        "post", "/leaveTypes", {"name": "Parental", "balance": "None", "rateFactor": 0.8}
    )
    assert (created["rateFactor"], created["archived"]) == (0.8, False)
    archived = admin.ok("patch", f"/leaveTypes/{created['id']}", {"archived": True})
    assert archived["archived"] is True
    assert admin.get("/leaveTypes?balance=holiday").status_code == 400


# --- rates and info -------------------------------------------------------------------------------


def test_user_rates(admin, john):
    periods = [
        {
            "dateFrom": "2025-01-01",
            "regularRate": 50,
            "overtimeRate": 75,
            "leaveRates": [{"leaveTypeId": 2, "rate": 50}],
        },
        {"dateFrom": "2024-01-01", "regularRate": 45.5, "overtimeRate": 60, "leaveRates": []},
    ]
    body = admin.ok("put", "/userRates/jdoe", periods)
    assert body["userId"] == john["id"]
    assert [r["dateFrom"] for r in body["rates"]] == ["2024-01-01", "2025-01-01"]
    assert body["rates"][0]["regularRate"] == 45.5
    assert body["rates"][1]["leaveRates"] == [{"leaveTypeId": 2, "rate": 50.0}]
    assert admin.ok("get", "/userRates/jdoe") == body
    listed = admin.ok("get", "/userRates?limit=1&offset=1")
    assert [i["userId"] for i in listed["items"]] == [john["id"]]
    assert admin.ok("get", f"/userRates?userIds={john['id']}")["items"] == [body]
    twice = [periods[0], periods[0]]
    assert admin.put("/userRates/jdoe", json=twice).status_code == 400
    unknown = [{**periods[1], "leaveRates": [{"leaveTypeId": 99, "rate": 1}]}]
    assert admin.put("/userRates/jdoe", json=unknown).status_code == 404
    assert admin.ok("get", "/userRates/jdoe") == body
    assert admin.ok("put", "/userRates/jdoe", [])["rates"] == []


def test_info(admin, client):
    info = admin.ok("get", "/info")
    assert info["limits"] == {"maxBatchSize": 1000, "maxQueryLimit": 1000}
    assert info["format"]["dayOfWeekStart"] == 1
    assert info["features"]["departments"] is True
    assert info["customNames"]["thirdLevel"] == {"singular": "Task", "plural": "Tasks"}
    assert info["urls"]["api"] == "http://localhost/api/v1"
    assert len(info["serverUUID"]) == 36
    assert admin.ok("get", "/info")["serverUUID"] == info["serverUUID"]
    assert client.get("/api/v1/info").status_code == 401


def test_user_ids_in_query_lists_are_32_bit(admin):
    assert admin.ok("get", "/userRates?userIds=2147483647")["items"] == []
    for value in ("2147483648", "9999999999", "01", "1.5", "you"):
        response = admin.get(f"/timetrack?dateFrom=2025-03-01&userIds={value}")
        assert response.status_code == 400, value
    import re

    from timetracker.schemas.common import INT32_TEXT

    for number in (0, 7, 2147483647, -2147483647, 1999999999, 2147483639):
        assert re.fullmatch(INT32_TEXT, str(number)), number
    for text in ("2147483648", "3000000000", "21474836470", "-"):
        assert not re.fullmatch(INT32_TEXT, text), text

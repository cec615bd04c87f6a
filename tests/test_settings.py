"""Workflow statuses and types of work."""

from __future__ import annotations

import pytest

from timetracker.access import (
    ENTER_TIME_TRACK,
    MANAGE_ACCOUNTS,
    MANAGE_COST_BILLING,
    MANAGE_SCOPE_OF_WORK,
    MANAGE_SYSTEM_SETTINGS,
)

# --- workflow statuses ------------------------------------------------------------------------


def test_builtin_statuses(admin):
    body = admin.ok("get", "/workflowStatuses")
    assert all(item.pop("modified") > 0 for item in body["items"])
    assert body["items"] == [
        {
            "id": 1,
            "name": "New",
            "type": "open",
            "allowedActions": {"canModify": True, "canDelete": False},
        },
        {
            "id": 2,
            "name": "Completed",
            "type": "completed",
            "allowedActions": {"canModify": True, "canDelete": False},
        },
    ]


def test_create_modify_delete_status(admin):
    status = admin.ok("post", "/workflowStatuses", {"name": "Won't Fix", "type": "completed"})
    assert status["allowedActions"] == {"canModify": True, "canDelete": True}
    assert admin.ok("get", f"/workflowStatuses/{status['id']}") == status
    renamed = admin.ok("patch", f"/workflowStatuses/{status['id']}", {"name": "Rejected"})
    assert renamed["name"] == "Rejected"
    assert admin.delete(f"/workflowStatuses/{status['id']}").status_code == 204
    assert admin.get(f"/workflowStatuses/{status['id']}").status_code == 404


def test_status_names_unique_and_types_validated(admin):
    response = admin.post("/workflowStatuses", json={"name": "new", "type": "open"})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.workflow_status_exists"
    response = admin.post("/workflowStatuses", json={"name": "Paused", "type": "paused"})
    assert response.status_code == 400 and response.get_json()["fields"] == "type"
    response = admin.post("/workflowStatuses", json={"name": "Paused"})
    assert response.status_code == 400 and response.get_json()["fields"] == "type"


def test_builtin_statuses_cannot_be_deleted_or_retyped(admin):
    response = admin.delete("/workflowStatuses/1")
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.workflow_status_builtin"
    response = admin.patch("/workflowStatuses/2", json={"type": "open"})
    assert response.get_json()["key"] == "api.error.workflow_status_builtin"
    assert admin.ok("patch", "/workflowStatuses/1", {"name": "To do"})["name"] == "To do"


def test_deleting_a_status_moves_its_tasks(admin, catalogue):
    doing = admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
    review = admin.ok("post", "/workflowStatuses", {"name": "Review", "type": "open"})
    design, build = catalogue["tasks"]["design"], catalogue["tasks"]["build"]
    admin.ok("patch", f"/tasks/{design['id']}", {"workflowStatusId": doing["id"]})
    admin.ok("patch", f"/tasks/{build['id']}", {"workflowStatusId": review["id"]})

    response = admin.delete(f"/workflowStatuses/{doing['id']}?replacementId=999")
    assert response.status_code == 404 and response.get_json()["fields"] == "replacementId"
    assert (
        admin.delete(f"/workflowStatuses/{doing['id']}?replacementId={doing['id']}").status_code
        == 400
    )
    admin.ok("delete", f"/workflowStatuses/{doing['id']}?replacementId={review['id']}", status=204)
    assert admin.ok("get", f"/tasks/{design['id']}")["workflowStatusName"] == "Review"
    admin.ok("delete", f"/workflowStatuses/{review['id']}", status=204)
    for task in (design, build):
        assert admin.ok("get", f"/tasks/{task['id']}")["workflowStatusName"] == "New"


def test_status_list_filters(admin):
    admin.ok("post", "/workflowStatuses", {"name": "Archived", "type": "completed"})
    body = admin.ok("get", "/workflowStatuses?type=completed&sort=-name")
    assert [s["name"] for s in body["items"]] == ["Completed", "Archived"]


@pytest.mark.parametrize("permission", [None, ENTER_TIME_TRACK, MANAGE_SCOPE_OF_WORK])
def test_only_system_settings_managers_change_statuses(make_user, permission):
    user = make_user(*([permission] if permission else []))
    assert user.ok("get", "/workflowStatuses/1")["allowedActions"] == {
        "canModify": False,
        "canDelete": False,
    }
    assert user.post("/workflowStatuses", json={"name": "X", "type": "open"}).status_code == 403
    assert user.patch("/workflowStatuses/1", json={"name": "X"}).status_code == 403
    manager = make_user(MANAGE_SYSTEM_SETTINGS)
    manager.ok("post", "/workflowStatuses", {"name": "X", "type": "open"})


# --- types of work ----------------------------------------------------------------------------


def test_default_type_of_work(admin):
    default = admin.ok("get", "/typesOfWork/default")
    assert default.pop("modified") > 0
    assert default == {
        "id": 1,
        "name": "General",
        "rate": None,
        "archived": False,
        "billable": True,
        "default": True,
    }


def test_create_and_switch_default_type(admin):
    design = admin.ok("post", "/typesOfWork", {"name": "Design", "rate": 95.5, "billable": True})
    assert (design["rate"], design["default"]) == (95.5, False)
    admin.ok("patch", f"/typesOfWork/{design['id']}", {"default": True})
    assert admin.ok("get", "/typesOfWork/default")["id"] == design["id"]
    assert admin.ok("get", "/typesOfWork/1")["default"] is False
    defaults = [t for t in admin.ok("get", "/typesOfWork")["items"] if t["default"]]
    assert [t["id"] for t in defaults] == [design["id"]]


def test_default_type_rules(admin):
    response = admin.patch("/typesOfWork/1", json={"archived": True})
    assert response.status_code == 400 and response.get_json()["fields"] == "archived"
    response = admin.patch("/typesOfWork/1", json={"default": False})
    assert response.status_code == 400 and response.get_json()["fields"] == "default"
    response = admin.post("/typesOfWork", json={"name": "general"})
    assert response.get_json()["key"] == "api.error.type_of_work_exists"
    for rate in (-1, -0.001, 1_000_000_000.0000001, "12", True):
        response = admin.post("/typesOfWork", json={"name": "Odd", "rate": rate})
        assert response.status_code == 400 and response.get_json()["fields"] == "rate", rate
    assert admin.get("/typesOfWork/77").status_code == 404


def test_type_of_work_filters(admin):
    admin.ok("post", "/typesOfWork", {"name": "Meetings", "billable": False})
    admin.ok("post", "/typesOfWork", {"name": "Legacy", "archived": True})
    assert [t["name"] for t in admin.ok("get", "/typesOfWork?billable=false")["items"]] == [
        "Meetings"
    ]
    assert [t["name"] for t in admin.ok("get", "/typesOfWork?archived=true")["items"]] == ["Legacy"]


@pytest.mark.parametrize(
    ("permission", "sees_rate"),
    [
        (None, False),
        (ENTER_TIME_TRACK, False),
        (MANAGE_SCOPE_OF_WORK, False),
        (MANAGE_ACCOUNTS, True),
        (MANAGE_COST_BILLING, True),
        (MANAGE_SYSTEM_SETTINGS, True),
    ],
)
def test_rate_is_visible_only_to_billing_and_admin_permissions(
    admin, make_user, catalogue, permission, sees_rate
):
    admin.ok("patch", "/typesOfWork/1", {"rate": 110})
    # Enter Time-Track with every task assigned only makes the tasks visible; it shows no rate.
    user = make_user(ENTER_TIME_TRACK, *([permission] if permission else []), assign_all=True)
    expected = 110 if sees_rate else None
    assert user.ok("get", "/typesOfWork/1")["rate"] == expected
    assert user.ok("get", "/typesOfWork/default")["rate"] == expected
    assert user.ok("get", "/typesOfWork")["items"][0]["rate"] == expected
    referenced = user.ok("get", "/tasks?includeReferenced=typesOfWork")["typesOfWork"]
    assert referenced["1"]["rate"] == expected


def test_only_system_settings_managers_change_types_of_work(make_user):
    user = make_user(MANAGE_ACCOUNTS)
    assert user.post("/typesOfWork", json={"name": "X"}).status_code == 403
    assert user.patch("/typesOfWork/1", json={"name": "X"}).status_code == 403
    make_user(MANAGE_SYSTEM_SETTINGS).ok("post", "/typesOfWork", {"name": "X"})

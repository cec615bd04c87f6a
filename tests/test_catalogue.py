"""Customers, projects and tasks through the HTTP interface."""

from __future__ import annotations

import pytest

from timetracker.access import ENTER_TIME_TRACK, MANAGE_ACCOUNTS, MANAGE_SCOPE_OF_WORK

# --- customers --------------------------------------------------------------------------------


def test_create_customer_returns_the_full_object(admin):
    body = admin.ok("post", "/customers", {"name": "  Big Bang Company ", "description": "Retail"})
    assert body["name"] == "Big Bang Company"
    assert body["description"] == "Retail"
    assert body["archived"] is False
    assert isinstance(body["created"], int) and body["created"] > 1_600_000_000_000
    assert body["url"] == f"http://localhost/api/v1/customers/{body['id']}"
    assert body["allowedActions"] == {"canModify": True, "canDelete": True}
    assert admin.ok("get", f"/customers/{body['id']}") == body


def test_customer_names_are_unique_case_insensitively(admin):
    admin.ok("post", "/customers", {"name": "Acme"})
    response = admin.post("/customers", json={"name": "ACME"})
    assert response.status_code == 400
    assert response.get_json() == {
        "key": "api.error.customer_exists",
        "message": "Customer with specified name already exists",
        "fields": "name",
        "requestId": response.headers["X-Request-Id"],
    }
    other = admin.ok("post", "/customers", {"name": "Other"})
    response = admin.patch(f"/customers/{other['id']}", json={"name": "acme"})
    assert response.get_json()["key"] == "api.error.customer_exists"
    assert admin.ok("get", f"/customers/{other['id']}")["name"] == "Other"


def test_names_compare_case_insensitively_beyond_ascii(admin):
    admin.ok("post", "/customers", {"name": "Ölwerk Straße"})
    response = admin.post("/customers", json={"name": "ÖLWERK STRASSE"})
    assert response.get_json()["key"] == "api.error.customer_exists"
    body = admin.ok("get", "/customers?name=ölwerk%20straße")
    assert [c["name"] for c in body["items"]] == ["Ölwerk Straße"]
    assert len(admin.ok("get", "/customers?words=ÖLW%20strasse")["items"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": None}, "name"),
        ({"name": 12}, "name"),
        ({"name": "A", "archived": "maybe"}, "archived"),
        ({"name": "A", "colour": "red"}, "colour"),
    ],
)
def test_invalid_customer_bodies_are_refused(admin, body, field):
    response = admin.post("/customers", json=body)
    assert response.status_code == 400
    error = response.get_json()
    assert error["key"] == "api.error.invalid_argument"
    assert field in error["fields"]
    assert admin.ok("get", "/customers")["items"] == []


def test_patch_changes_only_what_is_sent(admin):
    customer = admin.ok("post", "/customers", {"name": "Acme", "description": "d"})
    patched = admin.ok("patch", f"/customers/{customer['id']}", {"archived": True})
    assert patched["modified"] > customer["modified"] >= customer["created"]
    assert patched == {**customer, "archived": True, "modified": patched["modified"]}
    patched = admin.ok("patch", f"/customers/{customer['id']}", {"description": None})
    assert patched["description"] is None and patched["archived"] is True
    assert admin.ok("patch", f"/customers/{customer['id']}", {}) == patched


def test_unknown_ids_answer_404(admin):
    for method, body in (("get", None), ("patch", {}), ("delete", None)):
        kwargs = {} if body is None else {"json": body}
        response = getattr(admin, method)("/customers/4242", **kwargs)
        assert response.status_code == 404, method
        assert response.get_json()["key"] == "api.error.object_not_found"
    assert admin.get("/customers/99999999999").status_code == 404
    assert admin.get("/customers/abc").status_code == 404


def test_deleting_a_customer_removes_everything_under_it(admin, catalogue):
    acme = catalogue["customers"]["acme"]
    task = catalogue["tasks"]["design"]
    admin.ok("post", f"/tasks/{task['id']}/comments", {"text": "on it"})
    response = admin.delete(f"/customers/{acme['id']}?revokeApprovedWeeks=true")
    assert response.status_code == 204 and response.data == b""
    assert admin.get(f"/customers/{acme['id']}").status_code == 404
    for project in ("web", "app"):
        assert admin.get(f"/projects/{catalogue['projects'][project]['id']}").status_code == 404
    remaining = admin.ok("get", "/tasks")["items"]
    assert [t["name"] for t in remaining] == ["Migrate data"]
    assert admin.get(f"/tasks/{task['id']}/comments").status_code == 404


# --- projects ---------------------------------------------------------------------------------


def test_project_names_are_unique_per_customer(admin, catalogue):
    acme = catalogue["customers"]["acme"]
    globex = catalogue["customers"]["globex"]
    response = admin.post("/projects", json={"customerId": acme["id"], "name": "website"})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.project_exists"
    other = admin.ok("post", "/projects", {"customerId": globex["id"], "name": "Website"})
    assert other["customerName"] == "Globex"


def test_project_needs_an_existing_customer(admin):
    response = admin.post("/projects", json={"customerId": 77, "name": "P"})
    assert response.status_code == 404
    assert response.get_json()["fields"] == "customerId"
    response = admin.post("/projects", json={"name": "P"})
    assert response.status_code == 400 and response.get_json()["fields"] == "customerId"


def test_moving_a_project_checks_the_name_in_the_new_customer(admin, catalogue):
    acme = catalogue["customers"]["acme"]
    erp = catalogue["projects"]["erp"]
    admin.ok("post", "/projects", {"customerId": acme["id"], "name": "ERP"})
    response = admin.patch(f"/projects/{erp['id']}", json={"customerId": acme["id"]})
    assert response.get_json()["key"] == "api.error.project_exists"
    moved = admin.ok("patch", f"/projects/{erp['id']}", {"customerId": acme["id"], "name": "ERP 2"})
    assert (moved["customerId"], moved["customerName"]) == (acme["id"], "Acme")
    task = admin.ok("get", f"/tasks/{catalogue['tasks']['migrate']['id']}")
    assert task["customerId"] == acme["id"]


def test_projects_list_with_referenced_customers(admin, catalogue):
    acme = catalogue["customers"]["acme"]
    body = admin.ok("get", f"/projects?customerIds={acme['id']}&includeReferenced=customers")
    assert [p["name"] for p in body["items"]] == ["Website", "Mobile app"]
    assert list(body["customers"]) == [str(acme["id"])]
    assert body["customers"][str(acme["id"])]["name"] == "Acme"
    assert "customers" not in admin.ok("get", "/projects")


def test_deleting_a_project_removes_its_tasks_only(admin, catalogue):
    web = catalogue["projects"]["web"]
    assert admin.delete(f"/projects/{web['id']}").status_code == 204
    names = sorted(t["name"] for t in admin.ok("get", "/tasks")["items"])
    assert names == ["Migrate data", "Release"]
    assert admin.ok("get", f"/customers/{catalogue['customers']['acme']['id']}")["name"] == "Acme"


# --- tasks ------------------------------------------------------------------------------------


def test_task_defaults(admin, catalogue):
    web = catalogue["projects"]["web"]
    task = admin.ok("post", "/tasks", {"projectId": web["id"], "name": "Plan"})
    assert task["status"] == "open"
    assert (task["workflowStatusId"], task["workflowStatusName"]) == (1, "New")
    default_type = admin.ok("get", "/typesOfWork/default")
    assert (task["typeOfWorkId"], task["typeOfWorkName"]) == (
        default_type["id"],
        default_type["name"],
    )
    assert task["projectName"] == "Website" and task["customerName"] == "Acme"
    assert task["deadline"] is None and task["estimatedTime"] is None


def test_task_status_follows_its_workflow_status(admin, catalogue):
    review = admin.ok("post", "/workflowStatuses", {"name": "Review", "type": "open"})
    task = catalogue["tasks"]["design"]
    task = admin.ok("patch", f"/tasks/{task['id']}", {"workflowStatusId": review["id"]})
    assert (task["status"], task["workflowStatusName"]) == ("open", "Review")
    # Asking for the status the task already has keeps its workflow status.
    assert (
        admin.ok("patch", f"/tasks/{task['id']}", {"status": "open"})["workflowStatusId"]
        == review["id"]
    )
    done = admin.ok("patch", f"/tasks/{task['id']}", {"status": "completed"})
    assert (done["status"], done["workflowStatusName"]) == ("completed", "Completed")
    admin.ok("patch", f"/workflowStatuses/{review['id']}", {"type": "completed"})
    again = admin.ok("patch", f"/tasks/{task['id']}", {"workflowStatusId": review["id"]})
    assert again["status"] == "completed"


def test_task_status_and_workflow_status_are_exclusive(admin, catalogue):
    web = catalogue["projects"]["web"]
    response = admin.post(
        "/tasks",
        json={"projectId": web["id"], "name": "X", "status": "open", "workflowStatusId": 1},
    )
    assert response.status_code == 400
    assert admin.ok("get", f"/tasks?projectIds={web['id']}&words=X")["items"] == []


def test_task_fields_are_validated(admin, catalogue):
    web = catalogue["projects"]["web"]
    cases = [
        ({"projectId": web["id"], "name": "X", "deadline": "2025-02-30"}, 400, "deadline"),
        ({"projectId": web["id"], "name": "X", "estimatedTime": -5}, 400, "estimatedTime"),
        ({"projectId": web["id"], "name": "X", "estimatedTime": "ten"}, 400, "estimatedTime"),
        ({"projectId": web["id"], "name": "X", "status": "paused"}, 400, "status"),
        ({"projectId": web["id"], "name": "X", "workflowStatusId": 999}, 404, "workflowStatusId"),
        ({"projectId": web["id"], "name": "X", "typeOfWorkId": 999}, 404, "typeOfWorkId"),
        ({"projectId": 999, "name": "X"}, 404, "projectId"),
        ({"projectId": 2**40, "name": "X"}, 400, "projectId"),
    ]
    for body, status, field in cases:
        response = admin.post("/tasks", json=body)
        assert response.status_code == status, (body, response.get_json())
        assert field in response.get_json()["fields"], body


def test_task_with_all_fields_and_move(admin, catalogue):
    web = catalogue["projects"]["web"]
    erp = catalogue["projects"]["erp"]
    task = admin.ok(
        "post",
        "/tasks",
        {
            "projectId": web["id"],
            "name": "Audit",
            "description": "Yearly",
            "deadline": "2026-12-31",
            "estimatedTime": 90,
        },
    )
    assert (task["deadline"], task["estimatedTime"]) == ("2026-12-31", 90)
    moved = admin.ok("patch", f"/tasks/{task['id']}", {"projectId": erp["id"]})
    assert (moved["projectId"], moved["customerName"]) == (erp["id"], "Globex")
    response = admin.patch(f"/tasks/{task['id']}", json={"name": "migrate DATA"})
    assert response.get_json()["key"] == "api.error.task_exists"


def test_archived_type_of_work_cannot_be_given_to_a_task(admin, catalogue):
    old = admin.ok("post", "/typesOfWork", {"name": "Old", "archived": True})
    response = admin.post(
        "/tasks",
        json={
            "projectId": catalogue["projects"]["web"]["id"],
            "name": "Z",
            "typeOfWorkId": old["id"],
        },
    )
    assert response.status_code == 400 and response.get_json()["fields"] == "typeOfWorkId"


def test_task_filters_and_referenced_objects(admin, catalogue):
    web = catalogue["projects"]["web"]
    body = admin.ok("get", "/tasks?status=completed")
    assert [t["name"] for t in body["items"]] == ["Release"]
    body = admin.ok("get", f"/tasks?customerIds={catalogue['customers']['globex']['id']}")
    assert [t["name"] for t in body["items"]] == ["Migrate data"]
    body = admin.ok("get", "/tasks?workflowStatusIds=2")
    assert [t["name"] for t in body["items"]] == ["Release"]
    body = admin.ok(
        "get",
        f"/tasks?projectIds={web['id']}&includeReferenced="
        "customers%2Cprojects%2CtypesOfWork%2CworkflowStatuses",
    )
    assert [t["name"] for t in body["items"]] == ["Design", "Build"]
    assert list(body["projects"]) == [str(web["id"])]
    assert list(body["customers"]) == [str(catalogue["customers"]["acme"]["id"])]
    assert list(body["workflowStatuses"]) == ["1"]
    assert body["typesOfWork"]["1"]["default"] is True
    response = admin.get("/tasks?includeReferenced=users")
    assert response.status_code == 400 and response.get_json()["fields"] == "includeReferenced"


# --- comments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["customers", "projects", "tasks"])
def test_comments(admin, make_user, catalogue, level):
    target = {
        "customers": catalogue["customers"]["acme"],
        "projects": catalogue["projects"]["web"],
        "tasks": catalogue["tasks"]["design"],
    }[level]
    reader = make_user(ENTER_TIME_TRACK, assign_all=True)
    first = admin.ok("post", f"/{level}/{target['id']}/comments", {"text": "Kick-off done"})
    second = reader.ok("post", f"/{level}/{target['id']}/comments", {"text": "Thanks"})
    assert first["userId"] == 1 and first["updatingUserId"] == 1
    assert first["created"] == first["updated"]
    body = admin.ok("get", f"/{level}/{target['id']}/comments?includeReferenced=users")
    assert [c["text"] for c in body["items"]] == ["Kick-off done", "Thanks"]
    assert body["users"]["1"]["fullName"] == "System Administrator"
    assert set(body["users"]) == {"1", str(second["userId"])}
    # Each author as the caller's GET /users/{id} shows them; authors the caller may not see
    # keep their id on the comment but are left out of the map.
    assert body["users"]["1"] == admin.ok("get", "/users/1")
    mine = reader.ok("get", f"/{level}/{target['id']}/comments?includeReferenced=users")
    assert [c["userId"] for c in mine["items"]] == [1, second["userId"]]
    assert mine["users"] == {str(second["userId"]): reader.ok("get", "/users/me")}
    page = admin.ok("get", f"/{level}/{target['id']}/comments?offset=1&limit=1")
    assert [c["id"] for c in page["items"]] == [second["id"]]
    assert admin.post(f"/{level}/{target['id']}/comments", json={"text": ""}).status_code == 400
    assert admin.get(f"/{level}/999/comments").status_code == 404
    assert admin.post(f"/{level}/999/comments", json={"text": "x"}).status_code == 404


# --- who may change the catalogue ---------------------------------------------------------------


def test_readers_see_but_cannot_change_the_catalogue(make_user, admin, catalogue):
    reader = make_user(ENTER_TIME_TRACK, assign_all=True)
    acme = catalogue["customers"]["acme"]
    body = reader.ok("get", f"/customers/{acme['id']}")
    assert body["allowedActions"] == {"canModify": False, "canDelete": False}
    for method, path, json in [
        ("post", "/customers", {"name": "New"}),
        ("patch", f"/customers/{acme['id']}", {"name": "Renamed"}),
        ("delete", f"/customers/{acme['id']}", None),
        ("post", "/projects", {"customerId": acme["id"], "name": "New"}),
        ("delete", f"/projects/{catalogue['projects']['web']['id']}", None),
        ("post", "/tasks", {"projectId": catalogue["projects"]["web"]["id"], "name": "New"}),
        ("patch", f"/tasks/{catalogue['tasks']['design']['id']}", {"name": "New"}),
    ]:
        kwargs = {} if json is None else {"json": json}
        response = getattr(reader, method)(path, **kwargs)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["key"] == "api.error.access_denied"
    assert admin.ok("get", f"/customers/{acme['id']}")["name"] == "Acme"
    assert len(admin.ok("get", "/projects")["items"]) == 3


@pytest.mark.parametrize("permission", [MANAGE_SCOPE_OF_WORK, MANAGE_ACCOUNTS])
def test_catalogue_managers_can_change_it(make_user, permission):
    manager = make_user(permission, scope_all=True)
    customer = manager.ok("post", "/customers", {"name": "Initech"})
    assert customer["allowedActions"] == {"canModify": True, "canDelete": True}
    project = manager.ok("post", "/projects", {"customerId": customer["id"], "name": "TPS"})
    manager.ok("post", "/tasks", {"projectId": project["id"], "name": "Reports"})
    manager.ok("delete", f"/customers/{customer['id']}", status=204)


@pytest.mark.parametrize("name", ["\u001d", "\u0085x", " \u001c "])
def test_a_name_of_characters_the_document_allows_is_accepted(admin, name):
    """The document's "not blank" is ECMAScript's \\s; control characters outside it are
    characters, not white space."""
    body = admin.ok("post", "/customers", {"name": name})
    assert body["name"] == name.strip(" ")


@pytest.mark.parametrize("name", [" ", "\u3000\t", "\u2028"])
def test_a_blank_name_is_refused(admin, name):
    response = admin.post("/customers", json={"name": name})
    assert response.status_code == 400
    assert response.get_json()["fields"] == "name"

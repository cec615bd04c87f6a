"""Importing users from CSV, over HTTP and from the command line."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import ADMIN_PASSWORD, ApiClient
from timetracker.cli import main
from timetracker.services.user_import import TEMPLATE

GOOD = """username,password,firstName,lastName,email,department,timeZoneGroup,hired,permissions
ann,pw1,Ann,Archer,ann@example.com,Sales,London,2024-01-15,enterTimeTrack;manageScopeOfWork
bob,pw2,Bob,Baker,,,,,
"""

BAD = """username,password,firstName,lastName,email,department,hired,permissions
ann,pw1,Ann,Archer,not-an-email,Sales,2024-01-15,enterTimeTrack
admin,pw2,Bob,Baker,,,,
carl,,Carl,Clark,,Nowhere,2024-02-30,fly
ANN,pw4,Ann,Again,,,,
dora,pw5,Dora,Dent,,,,
"""


def import_csv(admin, text, content_type="text/csv"):
    return admin.client.post(
        "/api/v1/users/import",
        data=text.encode(),
        headers={**admin.headers, "Content-Type": content_type},
    )


def setup_groups(admin):
    admin.ok("post", "/departments", {"name": "Sales"})
    admin.ok("post", "/timeZoneGroups", {"name": "London", "timeZoneId": "Europe/London"})


def test_import_good_file(admin, client):
    setup_groups(admin)
    response = import_csv(admin, GOOD)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["imported"] == 2
    ann = admin.ok("get", f"/users/{body['userIds'][0]}")
    assert (ann["username"], ann["email"], ann["hired"]) == ("ann", "ann@example.com", "2024-01-15")
    assert ann["departmentId"] != -1 and ann["timeZoneGroupId"] != -1
    assert admin.ok("get", "/users/ann/permissions")["permissions"] == [
        "enterTimeTrack",
        "manageScopeOfWork",
    ]
    assert admin.ok("get", "/users/bob")["departmentId"] == -1
    assert ApiClient(client, "ann", "pw1").get("/users/me").status_code == 200


def test_import_reports_every_bad_row_and_imports_nothing(admin):
    setup_groups(admin)
    before = admin.ok("get", "/users")["items"]
    response = import_csv(admin, BAD)
    assert response.status_code == 400
    body = response.get_json()
    assert body["key"] == "api.error.invalid_csv"
    message = body["message"]
    assert "Line 2: email: Not a valid email address." in message
    assert "Line 3: username: 'admin' already exists" in message
    assert "Line 4:" in message
    for problem in (
        "password:",
        "department: no department named 'Nowhere'",
        "hired:",
        "permissions: unknown fly",
    ):
        assert problem in message.split("Line 4:")[1].split("|")[0], problem
    assert "Line 5: username: 'ANN' is also on line 2" in message
    assert "Line 6" not in message  # dora is fine...
    assert admin.ok("get", "/users")["items"] == before  # ...but nothing was imported


def test_import_refuses_bad_headers_and_encodings(admin):
    response = import_csv(admin, "user,pass\nx,y\n")
    assert response.status_code == 400
    assert "unknown columns user, pass" in response.get_json()["message"]
    response = admin.client.post(
        "/api/v1/users/import",
        data=b"username\n\xff\xfe",
        headers={**admin.headers, "Content-Type": "text/csv"},
    )
    assert response.get_json()["key"] == "api.error.invalid_csv"
    assert (
        import_csv(admin, "username,password,firstName,lastName\n").get_json()["key"]
        == "api.error.invalid_csv"
    )  # a header and no users
    assert import_csv(admin, "").get_json()["key"] == "api.error.invalid_csv"  # no users
    assert import_csv(admin, GOOD, "application/json").status_code == 415


def test_import_needs_account_management(make_user):
    user = make_user("manageScopeOfWork")
    assert import_csv(user, GOOD).status_code == 403


def test_template_imports(admin):
    admin.ok("post", "/departments", {"name": "Engineering"})
    admin.ok("post", "/timeZoneGroups", {"name": "London", "timeZoneId": "Europe/London"})
    assert import_csv(admin, TEMPLATE).get_json()["imported"] == 1


def test_cli_import(migrated_database_url, tmp_path, monkeypatch, app):
    monkeypatch.setenv("TIMETRACKER_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    good = tmp_path / "good.csv"
    good.write_text(GOOD.replace(",Sales,London,", ",,,"))
    result = CliRunner().invoke(main, ["import", "users", str(good), "--db", migrated_database_url])
    assert result.exit_code == 0, result.output
    assert "Imported 2 users." in result.output
    again = CliRunner().invoke(main, ["import", "users", str(good), "--db", migrated_database_url])
    assert again.exit_code == 1
    assert "Line 2: username: 'ann' already exists" in again.output
    assert "Nothing was imported" in again.output


def test_cli_import_names_the_line_of_a_malformed_file(migrated_database_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"username,password,firstName,lastName\nann,pw1,Ann,Archer\nbob,pw2,B\xffb,X\n")
    result = CliRunner().invoke(main, ["import", "users", str(bad), "--db", migrated_database_url])
    assert result.exit_code == 1
    assert "Line 3: the file is not UTF-8 text" in result.output
    assert "Nothing was imported: 1 problem(s)." in result.output


def test_a_file_may_be_larger_than_a_json_body(make_app):
    """As the other imports, up to IMPORT_MAX_CONTENT_LENGTH: 10,000 users are more than 1 MB."""
    app = make_app(MAX_CONTENT_LENGTH=1_000, IMPORT_MAX_CONTENT_LENGTH=20_000)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    lines = "".join(f"user{n:03d},pw,First,Last{n:03d}\n" for n in range(100))
    assert len(lines) > 1_000
    response = import_csv(admin, "username,password,firstName,lastName\n" + lines)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 100
    too_large = import_csv(admin, "username,password,firstName,lastName\n" + "x" * 20_000)
    assert too_large.status_code == 413

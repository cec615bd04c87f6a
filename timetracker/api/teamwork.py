"""The Teamwork time API, served as documented, at ``TIMETRACKER_TEAMWORK_PREFIX`` (default
``/teamwork``): a second face over the same entries, totals and catalogue as ``/api/v1``.

Every path is written here as Teamwork documents it, under the prefix; the views translate
through ``services/teamwork.py`` and answer in ``schemas/teamwork.py``'s shapes. Errors carry
``"STATUS": "Error"`` and ``"MESSAGE"`` beside the usual members (``errors.py``).
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, current_app
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import AUTH_ERRORS, Blueprint, doc
from timetracker.schemas import teamwork as s
from timetracker.schemas.common import base_url
from timetracker.services import teamwork
from timetracker.store.db import get_db

MAPPING = (
    "Mapping: a company is a customer, a project a project, a todo item (task) a task; each "
    "project has one task list, whose id and name are the project's. Time entries are those "
    "of /api/v1/timeEntries (every entry is on a task), with the same permissions, locks and "
    "billing rules; what you may not see answers 404."
)


class TeamworkBlueprint(Blueprint):
    def errors(self, *codes: int, public: bool = False):
        """Document the error responses of an operation, as this face answers them
        (:class:`timetracker.schemas.teamwork.TeamworkErrorSchema`); authenticated operations
        add 400, 401, 403 and 429."""
        statuses = dict.fromkeys(codes)
        if not public:
            statuses.update(dict.fromkeys(AUTH_ERRORS))

        def decorator(func):
            for code in sorted(statuses, reverse=True):
                func = self.alt_response(
                    code,
                    schema=s.TeamworkErrorSchema,
                    description=HTTPStatus(code).phrase,
                )(func)
            return func

        return decorator


blp = TeamworkBlueprint(
    "teamwork",
    __name__,
    description="The Teamwork time API (its paths under TIMETRACKER_TEAMWORK_PREFIX, default "
    "/teamwork): authenticate with HTTP Basic, an API token as the user name and any "
    "password, or a user name and password. Errors answer "
    '{"STATUS": "Error", "MESSAGE": ...} beside key and message. ' + MAPPING,
)

PAGING = {
    "X-Records": {"description": "Every matching entry", "schema": {"type": "integer"}},
    "X-Pages": {"description": "Pages of pageSize entries", "schema": {"type": "integer"}},
    "X-Page": {"description": "This page", "schema": {"type": "integer"}},
}
LOCATION = {"Location": {"description": "The new entry's URL", "schema": {"type": "string"}}}
LIST_DOC = (
    "In ascending order by date (then start, entries without a start first) unless sorted; "
    "pageSize entries a page (default 100, at most 500). fromdate/todate bound the entries' "
    "days; with fromtime/totime (your time zone), entries with a start are bound by it, those "
    "without one by their day. The date answered is in UTC: the start, or for an entry without "
    "a start the beginning of its day in its person's time zone. tags are always empty, and "
    "tagIds matches nothing: tags are not kept yet."
)
CREATE_DOC = (
    'Body {"time-entry": {...}}: date YYYYMMDD and hours and/or minutes (together 1 to 1440 '
    "minutes) are needed; time "
    "(HH:MM, also 8:5) gives a start, in the person's time zone; person-id (default: you), "
    'description, isbillable ("1", "0", 1, 0, true, false; unset: as the task\'s type of '
    "work). tags is accepted and not kept yet. 201 with Location and the new id."
)


def _paged(answer, paging) -> Response:
    """A page of entries, answered as the service shaped it (its schema documents that shape;
    a serializer pass over 500 entries would cost more than their SQL), with its paging."""
    response = current_app.json.response(answer)
    response.headers["X-Records"] = str(paging["records"])
    response.headers["X-Pages"] = str(paging["pages"])
    response.headers["X-Page"] = str(paging["page"])
    return response


def _created(entry_id: int):
    location = f"{base_url()}{current_app.config['TEAMWORK_PREFIX']}/time_entries/{entry_id}.json"
    return {"timeLogId": str(entry_id), "STATUS": "OK"}, 201, {"Location": location}


# --- time entries --------------------------------------------------------------------------------


@blp.route("/time_entries.json", endpoint="TimeEntries")
class TimeEntries(MethodView):
    @blp.arguments(s.TeamworkTimeEntryListArgs, location="query")
    @blp.response(200, s.TeamworkTimeEntryListSchema, headers=PAGING)
    @blp.errors()
    @doc("Retrieve all time entries across all projects\n\n" + LIST_DOC)
    def get(self, args):
        return _paged(*teamwork.entry_list(get_db(), current_caller(), args))


@blp.route("/projects/<int32:id>/time_entries.json", endpoint="ProjectTimeEntries")
class ProjectTimeEntries(MethodView):
    @blp.arguments(s.TeamworkTimeEntryListArgs, location="query")
    @blp.response(200, s.TeamworkTimeEntryListSchema, headers=PAGING)
    @blp.errors(404)
    @doc("Retrieve all time entries for a project\n\n" + LIST_DOC)
    def get(self, args, id):
        return _paged(*teamwork.entry_list(get_db(), current_caller(), args, project_id=id))

    @blp.arguments(s.TeamworkTimeEntryBody)
    @blp.response(201, s.TeamworkCreatedSchema, headers=LOCATION)
    @blp.errors(404, 409, 413, 415)
    @doc(
        "Create a time entry in a project\n\nOn a task of the project named by todo-item-id, "
        'or, without it (or with "" or 0), on the project itself: kept on the project\'s '
        "general task (made by the first such entry; an ordinary task of /api/v1), answered "
        "with todo-item-id empty. " + CREATE_DOC
    )
    def post(self, body, id):
        return _created(teamwork.create_entry(get_db(), current_caller(), body, project_id=id))


@blp.route("/tasks/<int32:id>/time_entries.json", endpoint="TaskTimeEntries")
class TaskTimeEntries(MethodView):
    @blp.arguments(s.TeamworkTimeEntryListArgs, location="query")
    @blp.response(200, s.TeamworkTimeEntryListSchema, headers=PAGING)
    @blp.errors(404)
    @doc("Retrieve all time entries of a task\n\n" + LIST_DOC)
    def get(self, args, id):
        return _paged(*teamwork.entry_list(get_db(), current_caller(), args, task_id=id))

    @blp.arguments(s.TeamworkTimeEntryBody)
    @blp.response(201, s.TeamworkCreatedSchema, headers=LOCATION)
    @blp.errors(404, 409, 413, 415)
    @doc("Create a time entry on a task\n\n" + CREATE_DOC)
    def post(self, body, id):
        return _created(teamwork.create_entry(get_db(), current_caller(), body, task_id=id))


@blp.route("/todo_items/<int32:id>/time_entries.json", endpoint="TodoItemTimeEntries")
class TodoItemTimeEntries(MethodView):
    @blp.arguments(s.TeamworkTimeEntryListArgs, location="query")
    @blp.response(200, s.TeamworkTimeEntryListSchema, headers=PAGING)
    @blp.errors(404)
    @doc("Retrieve all time entries of a todo item (a task)\n\n" + LIST_DOC)
    def get(self, args, id):
        return _paged(*teamwork.entry_list(get_db(), current_caller(), args, task_id=id))

    @blp.arguments(s.TeamworkTimeEntryBody)
    @blp.response(201, s.TeamworkCreatedSchema, headers=LOCATION)
    @blp.errors(404, 409, 413, 415)
    @doc("Create a time entry on a todo item (a task)\n\n" + CREATE_DOC)
    def post(self, body, id):
        return _created(teamwork.create_entry(get_db(), current_caller(), body, task_id=id))


@blp.route("/time_entries/<int32:id>.json", endpoint="TimeEntry")
class TimeEntry(MethodView):
    @blp.response(200, s.TeamworkTimeEntryOneSchema)
    @blp.errors(404)
    def get(self, id):
        """Retrieve a single time entry

        has-start-time is a boolean here, as documented (lists answer "1" or "0"). A deleted
        entry answers 404 (lists show it with showDeleted=true)."""
        return current_app.json.response(teamwork.entry(get_db(), current_caller(), id))

    @blp.arguments(s.TeamworkTimeEntryBody)
    @blp.response(200, s.TeamworkStatusSchema)
    @blp.errors(404, 409, 413, 415)
    def put(self, body, id):
        """Update a time entry

        The fields given change. project-id moves time on a project (todo-item-id empty) to
        the other project, and an entry on a task when todo-item-id names a task of that
        project (or its task is in it already); todo-item-id "" makes an entry time on its
        project. A new date without a time keeps the start's time of day."""
        teamwork.update_entry(get_db(), current_caller(), id, body)
        return {"STATUS": "OK"}

    @blp.response(200, s.TeamworkStatusSchema)
    @blp.errors(404, 409)
    def delete(self, id):
        """Delete a time entry"""
        teamwork.delete_entry(get_db(), current_caller(), id)
        return {"STATUS": "OK"}


# --- totals --------------------------------------------------------------------------------------

TOTALS_DOC = (
    "Totals count the stopped entries the lists answer for the same filters: fromDate and "
    "toDate bound them by day; with fromTime/toTime (your time zone), a timed entry counts when "
    "its start is from the first moment up to and including the last, an untimed one by its "
    "day. Without times, the same sums as GET /api/v1/timetrack/totals."
)


@blp.route("/time/total.json", endpoint="TimeTotals")
class TimeTotals(MethodView):
    @blp.arguments(s.TeamworkTotalsArgs, location="query")
    @blp.response(200, s.TeamworkTotalsSchema)
    @blp.errors()
    @doc("Total time across the account\n\n" + TOTALS_DOC)
    def get(self, args):
        return teamwork.account_totals(get_db(), current_caller(), args)


@blp.route("/projects/<int32:id>/time/total.json", endpoint="ProjectTimeTotals")
class ProjectTimeTotals(MethodView):
    @blp.arguments(s.TeamworkTotalsArgs, location="query")
    @blp.response(200, s.ProjectTotalsAnswer)
    @blp.errors(404)
    @doc("Total time on a project\n\n" + TOTALS_DOC)
    def get(self, args, id):
        return teamwork.project_totals(get_db(), current_caller(), id, args)


@blp.route("/tasklists/<int32:id>/time/total.json", endpoint="TaskListTimeTotals")
class TaskListTimeTotals(MethodView):
    @blp.arguments(s.TeamworkTotalsArgs, location="query")
    @blp.response(200, s.TaskListTotalsAnswer)
    @blp.errors(404)
    @doc("Total time on a task list (a project's one task list)\n\n" + TOTALS_DOC)
    def get(self, args, id):
        return teamwork.task_list_totals(get_db(), current_caller(), id, args)


@blp.route("/tasks/<int32:id>/time/total.json", endpoint="TaskTimeTotals")
class TaskTimeTotals(MethodView):
    @blp.arguments(s.TeamworkTotalsArgs, location="query")
    @blp.response(200, s.TaskTotalsAnswer)
    @blp.errors(404)
    @doc("Total time on a task\n\n" + TOTALS_DOC)
    def get(self, args, id):
        return teamwork.task_totals(get_db(), current_caller(), id, args)


@blp.route("/projects/time/total.json", endpoint="PerProjectTimeTotals")
class PerProjectTimeTotals(MethodView):
    @blp.arguments(s.TeamworkProjectTotalsArgs, location="query")
    @blp.response(200, s.ProjectSumsAnswer)
    @blp.errors()
    def get(self, args):
        """Time totals per project"""
        return teamwork.per_project_totals(get_db(), current_caller(), args)


# --- what clients read around the time -----------------------------------------------------------


@blp.route("/me.json", endpoint="Me")
class Me(MethodView):
    @blp.response(200, s.TeamworkMeAnswer)
    @blp.errors()
    def get(self):
        """Who you are"""
        return teamwork.me(get_db(), current_caller())


@blp.route("/authenticate.json", endpoint="Authenticate")
class Authenticate(MethodView):
    @blp.response(200, s.TeamworkAccountAnswer)
    @blp.errors()
    def get(self):
        """The account and who you are

        account.URL is this face's base URL; account.userId is your id."""
        url = base_url() + current_app.config["TEAMWORK_PREFIX"] + "/"
        return teamwork.account(get_db(), current_caller(), url)


@blp.route("/people.json", endpoint="People")
class People(MethodView):
    @blp.arguments(s.TeamworkPageArgs, location="query")
    @blp.response(200, s.TeamworkPeopleAnswer)
    @blp.errors()
    def get(self, args):
        """The people you may see, by id"""
        return teamwork.people(get_db(), current_caller(), args)


@blp.route("/companies.json", endpoint="Companies")
class Companies(MethodView):
    @blp.arguments(s.TeamworkPageArgs, location="query")
    @blp.response(200, s.TeamworkCompaniesAnswer)
    @blp.errors()
    def get(self, args):
        """The companies (customers) you may see, by id"""
        return teamwork.companies(get_db(), current_caller(), args)


@blp.route("/projects.json", endpoint="Projects")
class Projects(MethodView):
    @blp.arguments(s.TeamworkPageArgs, location="query")
    @blp.response(200, s.TeamworkProjectsAnswer)
    @blp.errors()
    def get(self, args):
        """The projects you may see, by id"""
        return teamwork.projects(get_db(), current_caller(), args)


@blp.route("/projects/<int32:id>.json", endpoint="Project")
class Project(MethodView):
    @blp.response(200, s.TeamworkProjectAnswer)
    @blp.errors(404)
    def get(self, id):
        """A project"""
        return teamwork.project(get_db(), current_caller(), id)


@blp.route("/projects/<int32:id>/tasklists.json", endpoint="ProjectTaskLists")
class ProjectTaskLists(MethodView):
    @blp.response(200, s.TeamworkTaskListsAnswer)
    @blp.errors(404)
    def get(self, id):
        """The task lists of a project: its one, with its id and name"""
        return teamwork.task_lists(get_db(), current_caller(), id)


@blp.route("/tasklists/<int32:id>.json", endpoint="TaskList")
class TaskList(MethodView):
    @blp.response(200, s.TeamworkTodoListAnswer)
    @blp.errors(404)
    def get(self, id):
        """A task list (a project's one)"""
        return teamwork.task_list(get_db(), current_caller(), id)


@blp.route("/tasklists/<int32:id>/tasks.json", endpoint="TaskListTasks")
class TaskListTasks(MethodView):
    @blp.arguments(s.TeamworkPageArgs, location="query")
    @blp.response(200, s.TeamworkTodoItemsAnswer)
    @blp.errors(404)
    def get(self, args, id):
        """The tasks of a task list (its project's tasks you may see)"""
        return teamwork.tasks(get_db(), current_caller(), args, project_id=id)


@blp.route("/projects/<int32:id>/tasks.json", endpoint="ProjectTasks")
class ProjectTasks(MethodView):
    @blp.arguments(s.TeamworkPageArgs, location="query")
    @blp.response(200, s.TeamworkTodoItemsAnswer)
    @blp.errors(404)
    def get(self, args, id):
        """The tasks of a project you may see"""
        return teamwork.tasks(get_db(), current_caller(), args, project_id=id)


@blp.route("/tasks.json", endpoint="Tasks")
class Tasks(MethodView):
    @blp.arguments(s.TeamworkPageArgs, location="query")
    @blp.response(200, s.TeamworkTodoItemsAnswer)
    @blp.errors()
    def get(self, args):
        """The tasks you may see, by id"""
        return teamwork.tasks(get_db(), current_caller(), args)


@blp.route("/tasks/<int32:id>.json", endpoint="Task")
class Task(MethodView):
    @blp.response(200, s.TeamworkTodoItemAnswer)
    @blp.errors(404)
    def get(self, id):
        """A task (a todo item)"""
        return teamwork.task(get_db(), current_caller(), id)


blueprints = [blp]

"""The OpenAPI document (built by flask-smorest from the schemas and views) and the Swagger UI,
served from the installed package so it works on a machine without internet."""

from __future__ import annotations

import threading

from apispec import APISpec
from flask import Flask, jsonify, redirect, url_for
from flask_smorest import Api as SmorestApi
from flask_swagger_ui import get_swaggerui_blueprint

from timetracker import __version__
from timetracker.api.common import public
from timetracker.errors import error_response, http_exception_to_api_error
from timetracker.schemas.common import ErrorSchema

DESCRIPTION = """\
Self-hosted time tracking with an actiTIME-style REST API.

* **Authentication**: HTTP Basic on every endpoint except `/health` and the documentation
  (and `/metrics`, which has a token of its own).
  Three failed logins from one IP within 10 seconds ban that IP for a minute (403).
* **Throttling**: per user, 100 requests per second and 1000 per minute by default. Every
  authenticated response carries `X-Ratelimit-Remaining` and `X-Ratelimit-Reset` (seconds until
  the window ends); beyond the limit the answer is 429 with `Retry-After`.
* **Errors**: always `{"key": "api.error.<snake_case>", "message": "...", "fields": "...",
  "requestId": "..."}` (`requestId` is the answer's `X-Request-Id`);
  400 for arguments that cannot be parsed and for duplicate names, 403 when the object exists
  but is out of your reach, 404 for unknown ids. A name of invisible characters alone
  (zero-width, direction and other format characters, with or without white space) is 400
  api.error.invalid_name.
* **Bodies**: JSON of at most `TIMETRACKER_MAX_CONTENT_LENGTH` bytes (1 MB by default; 413
  beyond), whose arrays and objects nest at most 64 levels deep and whose numbers are finite
  (no NaN or Infinity), integers of at most 100 digits; beyond, 400 api.error.invalid_argument,
  as for a body that is not JSON. A batch's body may nest two levels deeper (its array and
  items), so that each item's body may nest as deep as a request's.
* **Lists**: `{"offset", "limit", "items"}`, `limit` 1000 at most; `includeReferenced` adds
  top-level maps of referenced objects keyed by id. `created` is epoch milliseconds. Unknown
  query parameters are refused (400).
* **Permissions**: users see themselves; the manager permissions (Modify & Approve Users'
  Time-Track, Manage Scope of Work, Manage Cost & Billing Data) add their assigned team and their
  scope of work; Enter Time-Track adds the work assignments; Manage Accounts & Permissions sees
  everything. Catalogue changes need Manage Scope of Work covering the object; settings need
  Manage System Settings. Every object's `allowedActions` says what the caller may do with it.
"""


# Declared only where GET /metrics is served (TIMETRACKER_METRICS=token).
METRICS_TOKEN_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "TIMETRACKER_METRICS_TOKEN, for GET /metrics alone",
}


# Each document built in this process, by the settings that change the document: whether the
# metrics are served (their operation and security scheme) and the Teamwork face's prefix (its
# paths, or none); the rest of it comes from the views, schemas and converters, which every app
# shares. A serving app only routes its views: the document of its settings is described when
# first asked for (:func:`document`), by an app made for that alone, and kept here for every
# later app. Describing the routes costs several times what routing them does (0.6 to 0.8 s
# of CPU), and a server or a command started by the tests is seldom asked for the document.
# A document is complete, and not changed, once stored here.
_documents: dict[tuple[bool, str], APISpec] = {}
_describing = threading.Lock()


class Api(SmorestApi):
    """flask-smorest's ``Api`` with the API's error shape. Its blueprints are described only
    when ``describes`` (:func:`describe`); an app's own Api serves the document of its settings
    as its ``spec`` once the app is built (:func:`init_app`)."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: Flask, metrics_on: bool, describes: bool = False):
        self.metrics_on = metrics_on
        self.document_key = (metrics_on, app.config.get("TEAMWORK_PREFIX") or "")
        # Read by timetracker.api.common.Blueprint.register_views_in_doc.
        self.describes = describes
        self.serving = False
        super().__init__(app)

    @property
    def spec(self) -> APISpec | None:
        """While the app is built, the document being described (or, in a serving app, one
        never filled); then the document of the app's settings."""
        return document(self.document_key) if self.serving else self._spec

    @spec.setter
    def spec(self, value: APISpec | None) -> None:
        self._spec = value

    def handle_http_exception(self, error):
        return error_response(http_exception_to_api_error(error))

    def _register_responses(self):
        # flask-smorest describes a response for every HTTP status in the new document (each
        # with the error schema: a fifth of building an app). A serving app never reads its
        # own document. (A private hook of flask-smorest's: checked in
        # tests/test_library_internals.py, bounded in pyproject.toml.)
        if self.describes:
            super()._register_responses()


def document(key: tuple[bool, str]) -> APISpec:
    """The document of these settings (metrics on, Teamwork prefix), described on first use in
    the process."""
    spec = _documents.get(key)
    if spec is None:
        with _describing:
            spec = _documents.get(key)
            if spec is None:
                spec = _documents[key] = describe(*key)
    return spec


def describe(metrics_on: bool, teamwork_prefix: str) -> APISpec:
    """Describe every route of an app with these settings, in an app made for that alone (the
    routes are registered as in :func:`timetracker.create_app`; nothing else of an app is read
    by the document)."""
    from timetracker import App
    from timetracker.api import register_routes

    app = App(__name__, static_folder=None)
    app.url_map.merge_slashes = False
    app.config.update(
        METRICS="token" if metrics_on else "disabled", TEAMWORK_PREFIX=teamwork_prefix
    )
    api = make_api(app, metrics_on, describes=True)
    register_routes(app, api)
    return api.spec


def make_api(app: Flask, metrics_on: bool = False, describes: bool = False) -> Api:
    """The document's settings, and the :class:`Api` that the routes are registered on (from
    :mod:`timetracker.api`): described when ``describes``, else only routed."""
    app.config.update(
        API_TITLE="timetracker",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="swagger.json",
        API_SPEC_OPTIONS={
            "info": {"description": DESCRIPTION},
            "security": [{"basicAuth": []}, {"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "basicAuth": {"type": "http", "scheme": "basic"},
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal API token (POST /users/me/tokens)",
                    },
                    **({"metricsToken": METRICS_TOKEN_SCHEME} if metrics_on else {}),
                }
            },
        },
    )
    return Api(app, metrics_on, describes)


def init_app(app: Flask, api: Api) -> None:
    """The document at ``/api/v1/openapi.json`` (and flask-smorest's ``swagger.json``), the
    Swagger UI, and the way to it from the server's root. Called once the routes are
    registered: from then on ``api.spec`` is the document of the app's settings, described
    when first read in the process."""
    api.serving = True

    @public
    def openapi_json():
        return jsonify(api.spec.to_dict())

    app.add_url_rule("/api/v1/openapi.json", "openapi_json", openapi_json)
    app.register_blueprint(
        get_swaggerui_blueprint(
            "/api/v1/swagger",
            "/api/v1/swagger.json",
            config={"app_name": "timetracker API", "validatorUrl": None},
        )
    )

    @public
    def to_swagger_ui():
        return redirect(url_for("swagger_ui.show"))

    # The server's root and the API's lead a visitor to the UI (not API operations: not in the
    # document).
    for rule in ("/", "/api/v1", "/api/v1/"):
        app.add_url_rule(rule, "to_swagger_ui", to_swagger_ui)
    # The document and the UI are public.
    app.extensions["timetracker"]["public_endpoints"].update(
        endpoint
        for endpoint in app.view_functions
        if endpoint.startswith(("api-docs.", "swagger_ui."))
    )

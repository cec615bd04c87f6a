"""The OpenAPI document (built by flask-smorest from the schemas and views) and the Swagger UI,
served from the installed package so it works on a machine without internet."""

from __future__ import annotations

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
# shares. The first app built with a setting
# describes its routes and later ones take its document: a server builds one app, but a test
# process builds hundreds, and describing the routes costs several times what routing them
# does. Filled by init_app; a document is complete, and not changed, once stored here.
_documents: dict[tuple[bool, str], APISpec] = {}


class Api(SmorestApi):
    """flask-smorest's ``Api`` with the API's error shape, which takes the document an earlier
    app of the process built with the same settings rather than describe the same routes again
    (:attr:`built_document`)."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: Flask, metrics_on: bool):
        self.metrics_on = metrics_on
        self.document_key = (metrics_on, app.config.get("TEAMWORK_PREFIX") or "")
        # When set, the blueprints registered on this Api are only routed, not described
        # (timetracker.api.common.Blueprint.register_views_in_doc), and init_app serves this.
        self.built_document = _documents.get(self.document_key)
        super().__init__(app)

    def handle_http_exception(self, error):
        return error_response(http_exception_to_api_error(error))

    def _register_responses(self):
        # flask-smorest describes a response for every HTTP status in the new document (each
        # with the error schema: a fifth of building an app). An app that takes a built
        # document serves that one, which has them, and never reads its own. (A private hook
        # of flask-smorest's: checked in tests/test_library_internals.py, bounded in
        # pyproject.toml.)
        if self.built_document is None:
            super()._register_responses()


def make_api(app: Flask, metrics_on: bool = False) -> Api:
    """The document's settings, and the :class:`Api` that the routes are registered on (from
    :mod:`timetracker.api`) to be described, unless the document for these settings is built
    already."""
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
    return Api(app, metrics_on)


def init_app(app: Flask, api: Api) -> None:
    """The document at ``/api/v1/openapi.json`` (and flask-smorest's ``swagger.json``), the
    Swagger UI, and the way to it from the server's root. Called once the routes are
    registered: the document is then complete."""
    if api.built_document is None:
        _documents[api.document_key] = api.spec
    else:
        api.spec = api.built_document

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

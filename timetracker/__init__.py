"""timetracker: a self-hosted time-tracking server with an actiTIME-style REST API."""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from timetracker.errors import ApiError
from timetracker.routing import OptionalTrailingSlash

__version__ = "0.1.0"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, database, auth, rate limit, blueprints, docs."""
    from timetracker import auth, cors, docs, errors, ratelimit
    from timetracker.api import all_blueprints
    from timetracker.config import load_config
    from timetracker.services.accounts import ADMIN_USERNAME, ensure_admin
    from timetracker.store import db, migrate

    app = Flask(__name__, static_folder=None)
    # A path is the path sent: no redirect from "a//b" to "a/b" (which would also turn an
    # encoded slash inside a segment, "users/%2f/team", into another resource).
    app.url_map.merge_slashes = False
    app.config.update(load_config(test_config))
    app.json.sort_keys = False
    app.wsgi_app = OptionalTrailingSlash(app.wsgi_app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    engine = db.make_engine(app.config["DATABASE_URL"])
    app.extensions["timetracker"] = {"engine": engine, "public_endpoints": set()}
    if app.config["AUTO_MIGRATE"]:
        migrate.upgrade(engine)
        created, generated = ensure_admin(
            engine, app.config["ADMIN_PASSWORD"], app.config["PASSWORD_HASH_METHOD"]
        )
        app.extensions["timetracker"]["admin_created"] = created
        if created:  # the first start: say where the data lives
            print(
                f"Database: {db.location(app.config['DATABASE_URL'])}", file=sys.stderr, flush=True
            )
        if generated:
            print(
                f"Created the administrator account '{ADMIN_USERNAME}' with password: "
                f"{generated}\n(shown only now; set TIMETRACKER_ADMIN_PASSWORD to choose it)",
                file=sys.stderr,
                flush=True,
            )

    errors.register_error_handlers(app)
    cors.init_app(app)
    db.init_app(app)
    auth.init_app(app)
    ratelimit.init_app(app)
    app.before_request(_require_json_body)
    docs.init_app(app, all_blueprints())
    return app


def _require_json_body():
    """Every POST, PUT and PATCH carries a body, in JSON (or what the view declares in
    ``accepts``): no body is 400, another media type 415, before any parsing."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.routing_exception is not None:
        return  # no such route or method: the 404/405 says more than a 415 would
    has_body = request.content_length or request.headers.get("Transfer-Encoding")
    view = current_app.view_functions.get(request.endpoint or "")
    # A view taking another format (CSV) names it in ``accepts`` and judges its own body.
    accepts = getattr(getattr(view, "view_class", None), "accepts", None)
    if not has_body:
        if accepts:
            return
        raise ApiError(
            400,
            "invalid_argument",
            "Mandatory field is not specified: this request needs a body",
            fields="body",
        )
    if not (request.mimetype in accepts if accepts else request.is_json):
        raise ApiError(
            415,
            "unsupported_media_type",
            "HTTP 415 Unsupported Media Type: send the body as "
            + " or ".join(accepts or ("application/json",)),
        )

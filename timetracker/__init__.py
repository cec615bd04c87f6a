"""timetracker: a self-hosted time-tracking server with an actiTIME-style REST API."""

from __future__ import annotations

import contextlib
import inspect
import weakref
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from timetracker.routing import OptionalTrailingSlash, Rule

__version__ = "0.1.0"


class App(Flask):
    """Flask, for an application whose every view and hook is synchronous.

    Flask asks of every view and hook, on every request, whether it is a coroutine function
    (twenty-odd ``inspect`` calls a request here). None is: :func:`create_app` checks them all
    once, so each is run as it is.

    Its URL rules compile their URL builders when first used (:class:`timetracker.routing.Rule`).
    """

    url_rule_class = Rule

    def ensure_sync(self, func):
        return func

    def check_synchronous(self) -> None:
        hooks = [
            *self.view_functions.values(),
            *(f for funcs in self.before_request_funcs.values() for f in funcs),
            *(f for funcs in self.after_request_funcs.values() for f in funcs),
            *(f for funcs in self.teardown_request_funcs.values() for f in funcs),
            *self.teardown_appcontext_funcs,
            *(
                f
                for handlers in self.error_handler_spec.values()
                for by_code in handlers.values()
                for f in by_code.values()
            ),
        ]
        for view in list(self.view_functions.values()):  # a MethodView's own methods
            view_class = getattr(view, "view_class", None)
            for method in getattr(view_class, "methods", None) or ():
                hooks.append(getattr(view_class, method.lower()))
        coroutines = [
            f
            for f in hooks
            if f not in _synchronous and inspect.iscoroutinefunction(inspect.unwrap(f))
        ]
        if coroutines:
            raise TypeError(f"views and hooks must be synchronous: {coroutines}")
        # Nearly every view and hook is the same function in every app of a process (the
        # resources' modules define them once): each is looked at once. Held weakly, so that
        # an app's own closures and bound methods do not keep the app alive.
        for hook in hooks:
            # One not weakly referable is looked at again next time.
            with contextlib.suppress(TypeError):
                _synchronous.add(hook)


# The views and hooks found synchronous by App.check_synchronous in this process.
_synchronous: weakref.WeakSet = weakref.WeakSet()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, database engine, auth, rate limit, the request's hooks,
    routes, docs. Nothing else: the database is readied for it by
    :func:`timetracker.startup.prepare_database`, which every start runs first."""
    from timetracker import access_log, auth, docs, errors, pipeline, ratelimit
    from timetracker.api import register_routes
    from timetracker.config import load_config
    from timetracker.json_provider import OrjsonProvider
    from timetracker.store import db

    app = App(__name__, static_folder=None)
    app.json = OrjsonProvider(app)
    # A path is the path sent: no redirect from "a//b" to "a/b" (which would also turn an
    # encoded slash inside a segment, "users/%2f/team", into another resource).
    app.url_map.merge_slashes = False
    app.config.update(load_config(test_config))
    app.wsgi_app = OptionalTrailingSlash(app.wsgi_app, app.config["TEAMWORK_PREFIX"])
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    engine = db.make_engine(app.config["DATABASE_URL"])
    app.extensions["timetracker"] = {"engine": engine, "public_endpoints": set()}
    errors.register_error_handlers(app)
    if app.config["METRICS"] != "disabled":
        # Imported only when on: a server without metrics does not load prometheus_client.
        from timetracker import metrics

        metrics.init_app(app)  # before the access log, which feeds it
    access_log.init_app(app)
    db.init_app(app)
    auth.init_app(app)
    ratelimit.init_app(app)
    pipeline.init_app(app)
    api = docs.make_api(app, metrics_on=app.config["METRICS"] != "disabled")
    register_routes(app, api)
    docs.init_app(app, api)
    app.check_synchronous()
    return app

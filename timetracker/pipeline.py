"""The way of every request, top to bottom, and the one place its hooks are registered.

1. :func:`timetracker.access_log.start_request`: the request's id and start time, first, so that
   every refusal below carries the id and is timed.
2. :func:`timetracker.auth.authenticate`: the login ban (403 from a banned address), then who
   is calling (401), into ``g.caller``. Public endpoints and CORS preflights pass.
3. :func:`timetracker.ratelimit.throttle`: the caller's quota (429); a batch item was paid for
   by its batch.
4. :func:`timetracker.request_shape.require_json_body` (400 without a body, 415 another media
   type) and :func:`timetracker.request_shape.refuse_unclear_queries` (400 for an undeclared
   query parameter).
5. The view (``api/``): arguments in, a service call, a schema out. A refusal anywhere above or
   in the view becomes the error shape (``errors.py``) and goes on below like any answer.
6. :func:`timetracker.store.db.commit_request`: commit after a success, roll back otherwise; a
   failed commit replaces the answer (409 or 503).
7. :func:`timetracker.ratelimit.add_headers`: ``X-Ratelimit-Remaining`` and ``-Reset``, on the
   final answer (a failed commit's too).
8. :func:`timetracker.access_log.finish_request`: ``X-Request-Id``, the duration into the
   metrics, the access log line.
9. CORS headers (flask-cors's own hook, only with ``TIMETRACKER_CORS_ORIGINS``), on every answer
   under ``/api/``; flask-cors also adds them to answers made from an exception.
10. :func:`timetracker.store.db.roll_back_request` at the request's teardown, whatever happened.

Flask runs ``before_request`` hooks in the order they were registered and ``after_request``
hooks in the reverse order: :func:`init_app` registers :data:`AFTER_VIEW` from its end, so both
lists here read in the order the hooks run. ``tests/test_pipeline.py`` checks that the app
runs exactly these.
"""

from __future__ import annotations

from flask import Flask

from timetracker import access_log, auth, cors, ratelimit, request_shape
from timetracker.store import db

BEFORE_VIEW = (
    access_log.start_request,
    auth.authenticate,
    ratelimit.throttle,
    request_shape.require_json_body,
    request_shape.refuse_unclear_queries,
)
AFTER_VIEW = (
    db.commit_request,
    ratelimit.add_headers,
    access_log.finish_request,
)
TEARDOWN = (db.roll_back_request,)


def init_app(app: Flask) -> None:
    """Register the request's hooks on ``app``, in the order above."""
    for hook in BEFORE_VIEW:
        app.before_request(hook)
    # Registered first, flask-cors's hook runs last: after the request id is set.
    cors.init_app(app)
    for hook in reversed(AFTER_VIEW):
        app.after_request(hook)
    for hook in TEARDOWN:
        app.teardown_request(hook)

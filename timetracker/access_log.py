"""One access log line per request, and a request id on every answer.

The id comes from the request's ``X-Request-Id`` when a proxy sent a sensible one (up to 128
letters, digits, ``.``, ``_``, ``-``), otherwise it is made here; every answer, errors included,
carries it back in ``X-Request-Id`` (error bodies as ``requestId`` too), and the log line names
it, so one failing call can be found in the logs of every process. The line holds the method,
path, status, duration in ms, user, request id and the id of the server process that answered
(several serve one port with ``--workers``), as text or (``TIMETRACKER_LOG_FORMAT=json``) one
JSON object per line.

The duration measured here also feeds the metrics (``metrics.py``), when they are on: one call
per request, in the same place.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
import uuid

from flask import Flask, current_app, g, request

log = logging.getLogger("timetracker.access")
_SENSIBLE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_pid = os.getpid()  # this process's (looked up again in a forked worker)


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _write(message: str, args: dict | None = None) -> None:
    """Log one line. ``Logger.info`` would also walk the call stack to name the calling
    function and line in the record: nothing here shows them, and a batch writes a thousand
    lines."""
    if log.isEnabledFor(logging.INFO):
        log.handle(log.makeRecord(log.name, logging.INFO, "(unknown file)", 0, message, args, None))


def start_request() -> None:
    """Before everything else: the request's id and the moment it started (so that refusals
    before the view, by auth or the throttle, get the id and are timed too)."""
    given = request.headers.get("X-Request-Id", "")
    context = g._get_current_object()
    context.request_id = given if _SENSIBLE_ID.fullmatch(given) else uuid.uuid4().hex
    context.request_started = time.perf_counter()


def request_id() -> str:
    """The current request's id (made now, and kept, if the request is refused before
    ``start_request`` ran)."""
    rid = g.get("request_id")
    if rid is None:
        rid = g.request_id = uuid.uuid4().hex
    return rid


def init_app(app: Flask) -> None:
    """The log's settings for ``app``; :mod:`timetracker.pipeline` registers the hooks."""
    app.extensions["timetracker"]["access_log"] = (
        app.config["ACCESS_LOG"],
        app.config["LOG_FORMAT"] == "json",
    )
    if app.config["ACCESS_LOG"]:
        log.setLevel(logging.INFO)


def finish_request(response):
    """Last of all: ``X-Request-Id`` on the answer, the duration into the metrics (when on),
    and the access log line (when on)."""
    extensions = current_app.extensions["timetracker"]
    enabled, json_lines = extensions["access_log"]
    metrics = extensions.get("metrics")
    rid = request_id()
    response.headers["X-Request-Id"] = rid
    context, req = g._get_current_object(), request._get_current_object()
    started = context.get("request_started")
    if metrics is not None and started is not None:
        rule = req.url_rule
        metrics.observe(
            rule.rule if rule is not None else None,
            req.method,
            response.status_code,
            time.perf_counter() - started,
            context.get("error_key"),
        )
    if enabled:
        caller = context.get("caller")
        entry = {
            "method": req.method,
            "path": req.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user": caller.username if caller is not None else None,
            "requestId": rid,
            "pid": _pid,
        }
        if json_lines:
            now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
            _write(json.dumps({"time": now, **entry}))
        else:
            _write(
                "%(method)s %(path)s %(status)s %(ms)sms user=%(user)s id=%(requestId)s "
                "pid=%(pid)s",
                entry,
            )
    return response


def log_to_stderr() -> None:
    """The server's access log on standard error, one line per request as written."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.propagate = False

"""Running the server: one waitress process (the default), or several gunicorn processes sharing
one port; both stop gracefully on SIGTERM.

The database is readied once, in the first process, before anything else
(:func:`timetracker.startup.prepare_database`: the migrations and the first administrator,
exactly once, however many processes follow), and the app is built there. Gunicorn then
forks its workers from it (``preload_app``); each worker drops the connections it inherited
(a connection shared by two processes corrupts both sides) and opens its own, and starts its
own REST hooks deliverer.

The deliverer runs in every worker on every database. PostgreSQL claims subscriptions with
``FOR UPDATE SKIP LOCKED``, so the workers share the work. On SQLite a claim is a write
transaction (``BEGIN IMMEDIATE``) that re-reads what is due under the database's single write
lock, so two workers never claim the same subscription either; an idle deliverer costs one
cheap read every 200 ms.

Connections: a process keeps at most ``TIMETRACKER_CONNECTION_LIMIT`` client connections open
(more wait in the listening socket's queue until one closes). A connection must send a whole
request head (request line and headers) within ``TIMETRACKER_HEADER_TIMEOUT`` seconds of its
opening, or of the end of its previous answer, or it is closed: a client that sends nothing, or
trickles a byte now and then, or keeps an idle keep-alive connection, cannot hold a place for
longer. Waitress reads heads in its event loop; gunicorn's threaded worker would read them on a
worker thread, so here its event loop reads them too, and a thread only gets a request whose
head has arrived. The details: :mod:`timetracker.waitress_server` (one process) and
:mod:`timetracker.gunicorn_server` (several).

SIGTERM: no new connections are accepted (the listening socket closes at once, so clients are
refused rather than queued), requests already received are answered in full (their
transactions commit or roll back as usual), idle keep-alive connections are closed, the hook
deliverers write their last outcomes, and the process exits 0. A request still running after
:data:`GRACE_SECONDS` is cut off. The hook deliverers start no new deliveries from the signal
on, and a delivery under way ends by its deadline (``TIMETRACKER_HOOK_TIMEOUT``, at most 20 s),
so a receiver that never answers does not hold the stop. Ctrl-C (SIGINT) stops at once.
"""

from __future__ import annotations

import errno
import gc
import socket
from collections.abc import Callable
from typing import Any

from flask import Flask

GRACE_SECONDS = 30  # as gunicorn's graceful_timeout
# Largest request head (request line and headers) accepted; a larger one gets 431. A head is
# held in memory while it arrives, so this also bounds what a slow client makes the server keep.
HEAD_BYTES_MAX = 64 * 1024


def serve(
    build_app: Callable[[], Flask],
    host: str,
    port: int,
    threads: int,
    workers: int,
    on_listen: Callable[[], None],
) -> None:
    """Ready the database and build the app (``build_app``, run once, here) and serve it: with
    waitress in this process for one worker, with gunicorn for several. ``on_listen()`` once
    the address is taken."""
    if workers == 1:
        from timetracker import waitress_server

        app = build_app()
        freeze_heap()
        waitress_server.run_waitress(app, host, port, threads, on_listen)
        return
    from timetracker import gunicorn_server

    check_address(host, port)
    gunicorn_server.prepare_metrics()  # before the app creates any metric
    app = build_app()
    # Nothing the workers inherit may hold a database connection: let them open their own.
    app.extensions["timetracker"]["engine"].dispose()
    freeze_heap()  # (the workers share its pages until they write to them)
    on_listen()
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    gunicorn_server.GunicornServer(app, bind=bind, workers=workers, threads=threads).run()


def freeze_heap() -> None:
    """Leave what the server holds for its whole life (modules, the app, its routes, schemas
    and statements) out of the garbage collector's rounds from now on.

    Python's collector walks every object it tracks in each full round, and a request makes
    enough short-lived objects to start rounds often: without this a batch of time-track
    PATCHes ran about 10% slower (``bench/README.md``). What is garbage now is collected
    first, so nothing is kept that would have been freed."""
    gc.collect()
    gc.freeze()


class CannotListen(Exception):
    """The address cannot be listened on; the message says why."""


def multiprocess_problem(config: dict[str, Any], workers: int) -> str | None:
    """Why ``workers`` processes cannot share this configuration, or None.

    The throttle and the login ban count in the rate limiter's storage; in memory, every process
    would keep its own counters and the limits would silently multiply by the processes."""
    if workers <= 1:
        return None
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return f"--workers {workers} needs gunicorn, which runs on Unix only (pip install gunicorn)"
    if config["RATELIMIT_STORAGE"].partition("://")[0].lower() == "memory":
        return (
            f"--workers {workers} needs the rate limits shared between processes: set "
            "TIMETRACKER_RATELIMIT_STORAGE to a Redis URL (e.g. redis://127.0.0.1:6379)"
        )
    return None


def check_address(host: str, port: int) -> None:
    """Raise CannotListen unless ``host:port`` is free, before any process is started."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise CannotListen(listen_problem(exc)) from None


def listen_problem(exc: OSError) -> str:
    """Why listening failed, in words for the command line."""
    return "the address is already in use" if exc.errno == errno.EADDRINUSE else str(exc)

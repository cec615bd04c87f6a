"""Running the server: granian's WSGI server (``timetracker.granian_server``), ``--workers``
processes of ``--threads`` threads each; it stops gracefully on SIGTERM.

The database is readied once, in the first process, before anything else
(:func:`timetracker.startup.prepare_database`: the migrations and the first administrator,
exactly once, however many processes follow), and the app is built there. Granian then starts
the workers from it, always as child processes (one included); each worker drops the
connections it inherited (a connection shared by two processes corrupts both sides) and opens
its own, and starts its own REST hooks deliverer. The first process serves nothing: it starts
the workers, stops them, and stops them too when it is told to stop. A worker whose first
process is killed (SIGKILL) stops itself, gracefully, within a fifth of a second.

The deliverer runs in every worker on every database. PostgreSQL claims subscriptions with
``FOR UPDATE SKIP LOCKED``, so the workers share the work. On SQLite a claim is a write
transaction (``BEGIN IMMEDIATE``) that re-reads what is due under the database's single write
lock, so two workers never claim the same subscription either; an idle deliverer costs one
cheap read every 200 ms.

Metrics: with several workers, every worker writes its Prometheus values to files of one
directory (``PROMETHEUS_MULTIPROC_DIR``, made by the first process before the app is built, and
removed when it exits), and a scrape on any worker sums them; with one worker they stay in its
memory. Granian's own metrics endpoint is not used.

Connections: a worker keeps at most ``TIMETRACKER_CONNECTION_LIMIT`` client connections open
(granian's ``backpressure``: a connection holds one of its places from its accept to its close;
more wait in the listening socket's queue until one closes). A connection must send a whole
request head (request line and headers) within ``TIMETRACKER_HEADER_TIMEOUT`` seconds of its
opening, or of the end of its previous answer, or it is closed (hyper's
``header_read_timeout``): a client that sends nothing, or trickles a byte now and then, or keeps
an idle keep-alive connection, cannot hold a place for longer. Heads are read by granian's Rust
threads, never by a Python thread: a thread only gets a request whose head has arrived.

The server speaks HTTP/1 only. Under granian's automatic choice between HTTP/1 and HTTP/2 the
protocol is told from the connection's first bytes, and no timer runs until they come: a
connection that sent nothing stayed open for ever (still open after 10 s with a 2 s header
timeout; closed after 2.0 s with HTTP/1 only, ``bench/README.md``). Behind a proxy that speaks
HTTP/2 to its clients nothing changes; clients speaking HTTP/2 directly to this server were
never served before either.

Heads larger than :data:`HEAD_BYTES_MAX` get 431. Granian (hyper) refuses a head once its read
buffer holds ``max_buffer_size`` bytes without the head's end, and reads more than that in one
go when more has arrived: measured, heads up to about 1.5 times the buffer went through. The
buffer is therefore half of :data:`HEAD_BYTES_MAX`: any head larger than it gets 431, any head
smaller than half of it is read; in between it depends on how the bytes arrive.

SIGTERM (and Ctrl-C, SIGINT, alike: granian treats both as the graceful stop): no new
connections are accepted (the listening socket closes at once, so clients are refused rather
than queued), requests already received are answered in full (their transactions commit or
roll back as usual), idle keep-alive connections are closed, the hook deliverers write their
last outcomes, and the process exits 0. A head already arriving when the signal comes is still
read, until its header timeout: the stop waits for it that long at most (before, it got 2 s). A
worker still running :data:`GRACE_SECONDS` after the signal writes the stacks of its threads to
standard error and ends itself (``timetracker.granian_server._WorkerWatch``: granian's own
``workers_kill_timeout`` is not used, see there why). The hook deliverers start no new
deliveries from the signal on, and a delivery under way ends by its deadline
(``TIMETRACKER_HOOK_TIMEOUT``, at most 20 s), so a receiver that never answers does not hold the
stop.
"""

from __future__ import annotations

import errno
import gc
import socket
from collections.abc import Callable
from typing import Any

from flask import Flask

GRACE_SECONDS = 30  # after a worker's stop signal (timetracker.granian_server._WorkerWatch)
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
    """Ready the database and build the app (``build_app``, run once, here) and serve it with
    granian: ``workers`` processes of ``threads`` threads. ``on_listen()`` once the address is
    known to be free. ``build_app`` must be picklable where workers are spawned rather than
    forked (it then builds each worker's app)."""
    from timetracker import granian_server

    check_address(host, port)
    granian_server.run(build_app, host, port, threads, workers, on_listen)


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

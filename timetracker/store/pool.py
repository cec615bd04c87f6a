"""The connection pool's figures, for the metrics: its size, and a call on every connection
taken from it and given back (SQLAlchemy's pool events, so nothing is asked at request time)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, event


def pool_size(engine: Engine) -> int | None:
    """The connections the pool keeps (QueuePool: ``pool_size``, beyond which it may open
    ``max_overflow`` more), or None for a pool without a size (SQLite in memory, NullPool)."""
    size = getattr(engine.pool, "size", None)  # QueuePool: a method; SingletonThreadPool: a number
    size = size() if callable(size) else size
    return size if isinstance(size, int) else None


def watch_checkouts(engine: Engine, taken: Callable[[], None], given_back: Callable[[], None]):
    """Call ``taken`` when a connection is checked out of the pool, ``given_back`` when it
    returns, or leaves the pool for good (a detached connection is never checked in)."""
    pool = engine.pool
    event.listen(pool, "checkout", lambda *_: taken())
    event.listen(pool, "checkin", lambda *_: given_back())
    event.listen(pool, "detach", lambda *_: given_back())

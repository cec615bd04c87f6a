"""Queries on REST hooks: subscriptions, the deliverer's claims on them, the events each one has
still to receive, and the record of delivery attempts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, or_, select, update

from timetracker.store.entities import Entity
from timetracker.store.schema import api_tokens, events, hook_deliveries, hooks, users
from timetracker.store.users import LOGIN_COLUMNS, login_row
from timetracker.store.util import now_ms

# Everything but the secret, which is shown once (at creation) and read only to sign.
HOOKS = Entity(
    table=hooks,
    base=select(*(c for c in hooks.c if c.name != "secret")),
    sort={"created": hooks.c.created},
    in_filters={"user_ids": hooks.c.user_id},
)
KEPT_DELIVERIES = 100  # per hook; pruned in steps so that not every delivery deletes


def last_event_id(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()


def create(conn: Connection, values: Mapping[str, Any]) -> int:
    """A new subscription, starting after the last event committed so far."""
    row = {
        **values,
        "created": now_ms(),
        "cursor": last_event_id(conn),
        "failures": 0,
        "next_attempt": 0,
    }
    return conn.execute(insert(hooks).values(**row).returning(hooks.c.id)).scalar_one()


def count_for_user(conn: Connection, user_id: int) -> int:
    """How many subscriptions a user has, counted under a lock on the user's row (on
    PostgreSQL; SQLite's writers take turns), so two requests at once cannot both pass a cap."""
    conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
    return conn.execute(
        select(func.count()).select_from(hooks).where(hooks.c.user_id == user_id)
    ).scalar_one()


def disable_for_token(conn: Connection, token_id: int, reason: str) -> None:
    """Disable the subscriptions a token made (it is being revoked)."""
    conn.execute(
        update(hooks)
        .where(hooks.c.token_id == token_id)
        .values(enabled=False, disabled_reason=reason)
    )


def token_state(conn: Connection, token_id: int, hook_created: int, now: int) -> str | None:
    """Why the token that made a subscription no longer stands for it ("revoked" or
    "expired"), or None while it does.

    A token created after the subscription is another token that took a revoked one's id
    (SQLite hands out the highest id again once its row is deleted)."""
    row = conn.execute(
        select(api_tokens.c.created, api_tokens.c.expires).where(api_tokens.c.id == token_id)
    ).first()
    if row is None or row.created > hook_created:
        return "revoked"
    if row.expires is not None and row.expires <= now:
        return "expired"
    return None


def delete_hook(conn: Connection, hook_id: int) -> None:
    conn.execute(delete(hooks).where(hooks.c.id == hook_id))


def delete_for_url(conn: Connection, user_id: int, target_url: str) -> int:
    """Delete a user's subscriptions to a URL; how many there were."""
    result = conn.execute(
        delete(hooks).where(hooks.c.user_id == user_id, hooks.c.target_url == target_url)
    )
    return result.rowcount


def set_enabled(conn: Connection, hook_id: int, enabled: bool) -> None:
    """Enable (afresh: no failures behind it) or pause a subscription."""
    values: dict[str, Any] = {"enabled": enabled, "disabled_reason": None}
    if enabled:
        values.update(failures=0, failing_since=None, next_attempt=0)
    conn.execute(update(hooks).where(hooks.c.id == hook_id).values(**values))


# --- the deliverer --------------------------------------------------------------------------


def _due(now: int):
    return (
        hooks.c.enabled,
        hooks.c.next_attempt <= now,
        or_(hooks.c.claimed_until.is_(None), hooks.c.claimed_until < now),
    )


def due(conn: Connection, now: int, limit: int) -> list[RowMapping]:
    """Subscriptions with events after their cursor that no deliverer works on and whose next
    attempt is due (id, owner and target), the furthest behind first, so that none starves. A
    cheap read, so that an idle deliverer writes nothing."""
    stmt = (
        select(hooks.c.id, hooks.c.user_id, hooks.c.target_url)
        .where(*_due(now), hooks.c.cursor < select(func.max(events.c.id)).scalar_subquery())
        .order_by(hooks.c.cursor, hooks.c.id)
        .limit(limit)
    )
    return list(conn.execute(stmt).mappings())


def backlog(conn: Connection) -> tuple[int, int]:
    """How far enabled subscriptions are behind the event log: the events after their cursors,
    summed, and how many are behind at all. One read of the hooks table (a handful of rows) and
    of the events' largest id (the primary key's last entry), so a metrics scrape can ask."""
    last = select(func.max(events.c.id)).scalar_subquery()
    row = conn.execute(
        select(func.coalesce(func.sum(last - hooks.c.cursor), 0), func.count(hooks.c.id)).where(
            hooks.c.enabled, hooks.c.cursor < last
        )
    ).one()
    return int(row[0]), int(row[1])


def claim(conn: Connection, ids: list[int], now: int, until: int, token: str) -> list[RowMapping]:
    """Claim subscriptions (in a short write transaction) for one deliverer until ``until``.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several processes claim at once without
    waiting for each other or taking the same row; rows still due are re-checked under the lock.
    SQLite has one writer at a time (and renders no ``FOR UPDATE``)."""
    if not ids:
        return []
    locked = conn.execute(
        select(hooks)
        .where(hooks.c.id.in_(ids), *_due(now))
        .with_for_update(skip_locked=True)
    ).mappings().all()  # fmt: skip
    if locked:
        conn.execute(
            update(hooks)
            .where(hooks.c.id.in_([r["id"] for r in locked]))
            .values(claimed_until=until, claimed_by=token)
        )
    return list(locked)


def name_condition(match: tuple[str, str]):
    """SQL on the event name: ("all", ""), ("exact", name), ("prefix", "task."),
    ("suffix", ".create")."""
    how, value = match
    if how == "exact":
        return events.c.name == value
    if how == "prefix":
        return events.c.name.startswith(value, autoescape=True)
    if how == "suffix":
        return events.c.name.endswith(value, autoescape=True)
    return None


def pending_events(
    conn: Connection, cursor: int, upto: int, matches: list[tuple[str, str]], visible, limit: int
) -> list[RowMapping]:
    """Events after ``cursor`` up to ``upto`` with a name one of ``matches`` selects, that
    ``visible`` lets through, oldest first."""
    stmt = (
        select(events.c.id, events.c.name, events.c.data)
        .where(events.c.id > cursor, events.c.id <= upto)
        .order_by(events.c.id)
        .limit(limit)
    )
    names = [name_condition(m) for m in matches]
    if names and all(n is not None for n in names):
        stmt = stmt.where(or_(*names))
    if visible is not None:
        stmt = stmt.where(visible)
    return list(conn.execute(stmt).mappings())


def owner_login(conn: Connection, user_id: int) -> dict[str, Any] | None:
    """The owner's account as a login sees it (flags and permissions), or None."""
    stmt = select(*LOGIN_COLUMNS).where(users.c.id == user_id)
    return login_row(conn.execute(stmt).mappings().first())


def finish(
    conn: Connection,
    hook_id: int,
    token: str,
    changes: Mapping[str, Any],
    attempt: Mapping[str, Any] | None,
) -> bool:
    """Record a claimed subscription's outcome and release the claim; False when the claim was
    lost meanwhile (the subscription was deleted, or its claim expired and was taken over)."""
    done = conn.execute(
        update(hooks)
        .where(hooks.c.id == hook_id, hooks.c.claimed_by == token)
        .values(**changes, claimed_until=None, claimed_by=None)
    ).rowcount
    if done and attempt is not None:
        new_id = conn.execute(
            insert(hook_deliveries)
            .values(hook_id=hook_id, **attempt)
            .returning(hook_deliveries.c.id)
        ).scalar_one()
        if new_id % 20 == 0:
            _prune(conn, hook_id)
    return bool(done)


def _prune(conn: Connection, hook_id: int) -> None:
    oldest_kept = (
        select(hook_deliveries.c.id)
        .where(hook_deliveries.c.hook_id == hook_id)
        .order_by(hook_deliveries.c.id.desc())
        .offset(KEPT_DELIVERIES - 1)
        .limit(1)
        .scalar_subquery()
    )
    conn.execute(
        delete(hook_deliveries).where(
            hook_deliveries.c.hook_id == hook_id, hook_deliveries.c.id < oldest_kept
        )
    )


def delete_claimed(conn: Connection, hook_id: int, token: str) -> None:
    """Delete a subscription this deliverer holds (its target answered 410 Gone)."""
    conn.execute(delete(hooks).where(hooks.c.id == hook_id, hooks.c.claimed_by == token))


def deliveries(conn: Connection, hook_id: int, offset: int, limit: int) -> list[RowMapping]:
    """Recent attempts, newest first."""
    return list(
        conn.execute(
            select(hook_deliveries)
            .where(hook_deliveries.c.hook_id == hook_id)
            .order_by(hook_deliveries.c.id.desc())
            .offset(offset)
            .limit(limit)
        ).mappings()
    )

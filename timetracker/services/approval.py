"""Approval of time-track, per user and week.

A week starts on the company's first day of the week (``/info`` ``format.dayOfWeekStart``,
0 = Sunday). Approving, rejecting or revoking a period acts on every week holding one of its
days. An approved week takes no change of work or leave time until the approval is revoked;
a rejected week stays open, and its comment tells the user what to fix.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import access_denied, invalid_date_range
from timetracker.services import events
from timetracker.services.catalogue import ensure_users_exist
from timetracker.services.periods import check_range
from timetracker.store import approval as store
from timetracker.store import settings
from timetracker.store import users as user_store
from timetracker.store.timetrack import all_user_ids, hold_users

MAX_WEEKS = 54  # a year, whichever day it starts on, plus a week either side


def first_weekday(conn: Connection) -> int:
    return int(settings.company_settings_map(conn)["day_of_week_start"])


def week_start(day: dt.date, first: int) -> dt.date:
    """The first day of the week holding ``day``; ``first`` counts from 0 = Sunday."""
    return day - dt.timedelta(days=((day.isoweekday() % 7) - first) % 7)


def weeks_between(
    date_from: dt.date, date_to: dt.date, first: int
) -> list[tuple[dt.date, dt.date]]:
    """(start, end) of every week holding a day from ``date_from`` to ``date_to``."""
    start = week_start(date_from, first)
    weeks = []
    while start <= date_to:
        weeks.append((start, start + dt.timedelta(days=6)))
        start += dt.timedelta(weeks=1)
    return weeks


def decide(
    conn: Connection, caller: Caller, values: dict[str, Any], status: str | None
) -> dict[str, Any]:
    """Approve (``store.APPROVED``), reject (``store.REJECTED``) or revoke (None) the
    weeks of the users (default: the caller's whole team) covering the period."""
    if not caller.has(access.MODIFY_APPROVE_TIME_TRACK):
        raise access_denied("Approving time-track requires Modify & Approve Users' Time-Track")
    check_range(values["dateFrom"], values["dateTo"])
    weeks = weeks_between(values["dateFrom"], values["dateTo"], first_weekday(conn))
    if len(weeks) > MAX_WEEKS:
        raise invalid_date_range(f"At most {MAX_WEEKS} weeks at once", "dateTo")
    user_ids = values.get("userIds")
    if user_ids is None:
        user_ids = all_user_ids(conn) if caller.team_all else user_store.team_of(conn, caller.id)
    else:
        user_ids = sorted(set(user_ids))
        ensure_users_exist(conn, user_ids, "userIds")
        outside = [u for u in user_ids if not access.can_approve_timetrack(conn, caller, u)]
        if outside:
            raise access_denied(
                f"Users {', '.join(map(str, outside))} are not in your team: you may not "
                "approve their time-track"
            )
    if user_ids:
        hold_users(conn, user_ids)
        store.decide(
            conn,
            user_ids,
            weeks,
            status,
            comment=values.get("comment"),
            decided_by=caller.id,
        )
        period = {"dateFrom": weeks[0][0].isoformat(), "dateTo": weeks[-1][1].isoformat()}
        shown = {"status": status or "revoked", "comment": values.get("comment"), **period}
        events.record(
            conn,
            caller,
            *(
                events.event(
                    "timetrackApprovalStatus.update",
                    f"{user_id}/{period['dateFrom']}/{period['dateTo']}",
                    {"userId": user_id, **shown},
                    user_id=user_id,
                )
                for user_id in user_ids
            ),
        )
    return {"userIds": user_ids, "dateFrom": weeks[0][0], "dateTo": weeks[-1][1]}


def approve(conn: Connection, caller: Caller, values: dict[str, Any]) -> dict[str, Any]:
    return decide(conn, caller, values, store.APPROVED)


def reject(conn: Connection, caller: Caller, values: dict[str, Any]) -> dict[str, Any]:
    return decide(conn, caller, values, store.REJECTED)


def revoke(conn: Connection, caller: Caller, values: dict[str, Any]) -> dict[str, Any]:
    return decide(conn, caller, values, None)


def approval_statuses(conn: Connection, user_ids, date_from: dt.date, date_to: dt.date):
    """A function (user_id, day) -> the day's ``approved`` flag, plus ``rejected`` and the
    comment when its week was sent back."""
    decision = store.decisions(conn, user_ids, date_from, date_to)
    return lambda user_id, day: _status(decision(user_id, day))


def _status(decision: RowMapping | None) -> dict[str, Any]:
    """A day's ``approved`` flag, plus ``rejected`` and the comment when its week was sent
    back."""
    if decision is None:
        return {"approved": False}
    if decision["status"] == store.APPROVED:
        return {"approved": True}
    status = {"approved": False, "rejected": True}
    if decision["comment"]:
        status["rejectionComment"] = decision["comment"]
    return status

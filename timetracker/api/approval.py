"""Approval of users' weeks: approve, reject and revoke (under ``/timetrack``, as the product
has them, so they share the time-track blueprint)."""

from __future__ import annotations

from timetracker.api.common import period_action
from timetracker.api.timetrack import blp
from timetracker.schemas import approval as s
from timetracker.services import approval

period_action(
    blp,
    "/timetrack/approve",
    s.ApprovalSchema,
    s.ApprovalResultSchema,
    """Approve users' weeks

    Every week (from the company's first day of the week) holding a day from `dateFrom` to
    `dateTo` is approved for the users (all of your team when `userIds` is omitted). An
    approved week refuses changes to work and leave time (403 api.error.timetrack_approved)
    until the approval is revoked. Needs Modify & Approve Users' Time-Track over the users.
    """,
    approval.approve,
)
period_action(
    blp,
    "/timetrack/reject",
    s.RejectionSchema,
    s.ApprovalResultSchema,
    """Reject users' weeks

    The weeks are sent back with an optional `comment` and stay open to changes; a rejection
    replaces an approval. Needs Modify & Approve Users' Time-Track over the users.
    """,
    approval.reject,
)
period_action(
    blp,
    "/timetrack/revoke",
    s.ApprovalSchema,
    s.ApprovalResultSchema,
    """Revoke the decision on users' weeks

    Approved or rejected weeks go back to undecided and take changes again. Needs Modify &
    Approve Users' Time-Track over the users.
    """,
    approval.revoke,
)

blueprints: list = []  # the routes live on the time-track blueprint

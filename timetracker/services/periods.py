"""What requests over a period of days share."""

from __future__ import annotations

import datetime as dt

from timetracker.errors import invalid_date_range


def check_range(date_from: dt.date, date_to: dt.date | None) -> None:
    """400 when the period ends before it starts."""
    if date_to is not None and date_to < date_from:
        raise invalid_date_range("dateTo cannot precede dateFrom", "dateTo")

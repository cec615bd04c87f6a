"""The days the product covers: 1970-01-01 to 3000-12-31, in bodies, query strings and paths."""

from __future__ import annotations

import datetime as dt

EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(3000, 12, 31)

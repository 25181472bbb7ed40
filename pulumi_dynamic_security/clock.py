"""The one source of "now" (UTC), so that expiry and rotation logic can be tested at any date,
and the one way times are written for people and machines (`timestamp`)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def utc_today() -> date:
    """Today's date in UTC (waivers are valid through their `expires` UTC day)."""
    return utc_now().date()


def timestamp(moment: datetime) -> str:
    """UTC ISO-8601 with a `Z`, to the second (`2026-12-01T13:05:09Z`: how plans, outputs and
    messages show times); a naive time is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime(TIME_FORMAT)


def parse_timestamp(value: Any) -> datetime | None:
    """A time as `timestamp` writes it; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None

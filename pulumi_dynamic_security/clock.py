"""The one source of "now" (UTC), so that expiry and rotation logic can be tested at any date."""

from __future__ import annotations

from datetime import date, datetime, timezone


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def utc_today() -> date:
    """Today's date in UTC (waivers are valid through their `expires` UTC day)."""
    return utc_now().date()

"""`{{today+N}}` in a test policy: the date N days from today (UTC), so that cases about
waiver expiry stay true on any day."""

from __future__ import annotations

import datetime as dt
import re

from pulumi_dynamic_security import clock

_TODAY = re.compile(r"\{\{today([+-]\d+)\}\}")


def day(offset: int) -> dt.date:
    """Today (UTC) plus `offset` days."""
    return clock.utc_today() + dt.timedelta(days=offset)


def fill_dates(text: str) -> str:
    """`text` with every `{{today+N}}` / `{{today-N}}` replaced by an ISO date."""
    return _TODAY.sub(lambda match: day(int(match.group(1))).isoformat(), text)

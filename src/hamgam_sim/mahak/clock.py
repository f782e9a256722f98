"""Tehran local time as Mahak writes it: ISO without offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

#: Iran has kept UTC+03:30 all year since it dropped daylight saving in 2022.
TEHRAN = timezone(timedelta(hours=3, minutes=30), "Asia/Tehran")


def tehran_now() -> str:
    """Current Tehran wall-clock time, e.g. ``2025-01-15T10:30:00``, with no offset."""
    return datetime.now(UTC).astimezone(TEHRAN).strftime("%Y-%m-%dT%H:%M:%S")

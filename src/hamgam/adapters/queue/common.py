"""What every queue adapter shares: the retry headers, their bookkeeping and the choice of a retry tier."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

#: Header carrying the attempt number of a message (1 on the first delivery, +1 per ``retry``).
ATTEMPT_HEADER = "x-attempt"
#: Header carrying the error of the last failed attempt.
ERROR_HEADER = "x-error"
#: Header carrying when the first attempt failed (ISO 8601, UTC); kept across retries.
FIRST_FAILED_AT_HEADER = "x-first-failed-at"
#: Headers the broker adds on its own; they are dropped from retried copies so they do not pile up.
BROKER_HEADERS = ("x-death", "x-first-death-", "x-last-death-", "x-delivery-count")


def new_message_id() -> str:
    return uuid.uuid4().hex


def utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def attempt_of(headers: Mapping[str, Any]) -> int:
    """The attempt number a message's headers record (1 when it was never retried)."""
    try:
        return max(1, int(headers.get(ATTEMPT_HEADER, 1)))
    except (TypeError, ValueError):
        return 1


def retry_headers(headers: Mapping[str, Any], error: str) -> dict[str, Any]:
    """Headers of the copy a ``retry`` schedules: attempt + 1, the error, the first failure time kept."""
    copy = {k: v for k, v in headers.items() if not k.startswith(BROKER_HEADERS)}
    copy[ATTEMPT_HEADER] = attempt_of(headers) + 1
    copy[ERROR_HEADER] = error
    copy.setdefault(FIRST_FAILED_AT_HEADER, utc_now_iso())
    return copy


def plain_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Headers as JSON-friendly values (AMQP may hand back bytes and datetimes): adapters look alike."""
    return {str(k): _plain(v) for k, v in (headers or {}).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def pick_tier(delays_s: Sequence[float], delay_s: float) -> float:
    """The smallest retry tier at least ``delay_s`` long; the longest tier when none is long enough."""
    if not delays_s:
        raise ValueError("at least one retry tier is needed")
    fitting = [d for d in delays_s if d >= delay_s]
    return min(fitting) if fitting else max(delays_s)


def tier_label(delay_s: float) -> str:
    """A short, stable queue-name suffix for a tier: ``200ms``, ``5s``, ``2m``, ``1h``."""
    ms = round(delay_s * 1000)
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 header value as an aware datetime, or None when absent or unreadable."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class AlreadySettledError(RuntimeError):
    """A delivery was settled twice (``ack``, ``retry`` and ``release`` are mutually exclusive)."""

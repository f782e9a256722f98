"""Rate limits, two kinds with one home each.

``RateLimiter`` counts attempts (logins, one-time codes, sign-ups) in a sliding window and answers how long the
caller must wait; the caller refuses the attempt. ``TokenBucket`` paces outgoing requests (to one Mahak database):
``take`` waits until the next request may go, so callers are slowed down rather than refused. Both come in a
PostgreSQL flavour shared by every process and an in-memory one (``hamgam.adapters.ratelimit``).
"""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    """Sliding-window counters for login and one-time-code limits (PostgreSQL: shared by replicas; memory: per
    process)."""

    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        """Count one attempt on ``key``. None when within ``limit`` for the current window, else the seconds
        until the window ends (the caller answers 429 with ``Retry-After``)."""


class TokenBucket(Protocol):
    """``burst`` tokens refilled at a steady rate; each outgoing request spends one."""

    async def take(self) -> None:
        """Wait until one request may be sent; the token is spent even if the caller then fails."""

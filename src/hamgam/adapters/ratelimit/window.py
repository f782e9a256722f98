"""The sliding-window counter both rate limiters share.

A plain fixed window lets a client spend its limit at the end of one window and again at the start of the
next (twice the limit within seconds). Here the previous window's hits still count, weighted by how much of it
the sliding window still covers, so the limit holds across the boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Where ``now`` falls: the current fixed window's start and the previous one's."""

    start: int
    previous_start: int
    #: Share of the previous window still inside the sliding window (1 at the boundary, 0 at the end).
    previous_weight: float
    #: Seconds until the current window ends.
    remaining_s: float

    @classmethod
    def at(cls, now: float, window_s: int) -> Window:
        start = int(now // window_s * window_s)
        elapsed = now - start
        return cls(start, start - window_s, 1.0 - elapsed / window_s, window_s - elapsed)


def retry_after(window: Window, *, previous_hits: int, current_hits: int, limit: int) -> int | None:
    """None when the attempt is within ``limit``; else whole seconds to wait (at least 1).

    The wait is until the weighted count drops back to the limit, or the current window ends when its own hits
    already exceed the limit.
    """
    weighted = previous_hits * window.previous_weight + current_hits
    if weighted <= limit:
        return None
    if current_hits > limit or previous_hits == 0:
        return max(math.ceil(window.remaining_s), 1)
    # previous_hits * (weight - dw) + current <= limit  =>  dw >= (weighted - limit) / previous_hits
    window_s = window.start - window.previous_start
    wait = (weighted - limit) / previous_hits * window_s
    return max(math.ceil(min(wait, window.remaining_s)), 1)

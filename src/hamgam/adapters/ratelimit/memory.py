"""Sliding-window rate limits in process memory: for a single process, tests and dev mode."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hamgam.adapters.ratelimit.window import Window, retry_after


@dataclass
class MemoryRateLimiter:
    _hits: dict[tuple[str, int], int] = field(default_factory=dict)

    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        now = time.time()
        window = Window.at(now, window_s)
        if len(self._hits) > 100_000:
            self._hits = {k: v for k, v in self._hits.items() if k[1] + 2 * window_s > now}
        current = self._hits.get((key, window.start), 0) + 1
        self._hits[(key, window.start)] = current
        previous = self._hits.get((key, window.previous_start), 0)
        return retry_after(window, previous_hits=previous, current_hits=current, limit=limit)

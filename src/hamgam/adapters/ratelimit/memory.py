"""Fixed-window rate limits in process memory: for a single process, tests and dev mode."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class MemoryRateLimiter:
    _hits: dict[tuple[str, int], int] = field(default_factory=dict)

    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        now = time.time()
        start = int(now // window_s * window_s)
        if len(self._hits) > 100_000:
            self._hits = {k: v for k, v in self._hits.items() if k[1] + window_s > now}
        count = self._hits.get((key, start), 0) + 1
        self._hits[(key, start)] = count
        if count <= limit:
            return None
        return max(int(start + window_s - now), 1)

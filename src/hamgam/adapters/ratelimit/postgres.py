"""Fixed-window rate limits in PostgreSQL (``rate_limit_hit``): one upsert per attempt, shared by replicas."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class PostgresRateLimiter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        now = time.time()
        start = int(now // window_s * window_s)
        async with self._engine.begin() as conn:
            hits = (
                await conn.execute(
                    text("""INSERT INTO rate_limit_hit (key, window_start, hits) VALUES (:k, to_timestamp(:w), 1)
                            ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hit.hits + 1
                            RETURNING hits"""),
                    {"k": key, "w": start},
                )
            ).scalar_one()
        if hits <= limit:
            return None
        return max(int(start + window_s - now), 1)

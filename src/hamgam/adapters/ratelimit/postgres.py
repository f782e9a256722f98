"""Sliding-window rate limits in PostgreSQL (``rate_limit_hit``): one statement per attempt, shared by replicas."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.ratelimit.window import Window, retry_after


class PostgresRateLimiter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        window = Window.at(time.time(), window_s)
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    text("""WITH counted AS (
                                INSERT INTO rate_limit_hit (key, window_start, hits) VALUES (:k, to_timestamp(:w), 1)
                                ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hit.hits + 1
                                RETURNING hits)
                            SELECT (SELECT hits FROM counted),
                                   coalesce((SELECT hits FROM rate_limit_hit
                                             WHERE key = :k AND window_start = to_timestamp(:p)), 0)"""),
                    {"k": key, "w": window.start, "p": window.previous_start},
                )
            ).one()
        return retry_after(window, previous_hits=row[1], current_hits=row[0], limit=limit)

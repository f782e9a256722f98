"""The sliding-window limit holds across a fixed window's boundary, in memory and in PostgreSQL."""

from __future__ import annotations

import pytest

from hamgam.adapters.ratelimit import memory, postgres
from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.ratelimit.window import Window, retry_after

WINDOW_S = 300


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_window_position() -> None:
    window = Window.at(1_000_050.0, 100)
    assert (window.start, window.previous_start) == (1_000_000, 999_900)
    assert window.previous_weight == pytest.approx(0.5) and window.remaining_s == pytest.approx(50)


def test_within_the_limit_is_allowed() -> None:
    window = Window.at(1_000_050.0, 100)
    assert retry_after(window, previous_hits=4, current_hits=3, limit=5) is None  # 4 * 0.5 + 3 = 5


def test_over_the_limit_waits_until_the_weighted_count_drops() -> None:
    window = Window.at(1_000_050.0, 100)
    # 4 * 0.5 + 4 = 6 > 5: one hit too many; the previous window's weight must lose 1/4, i.e. 25 s
    assert retry_after(window, previous_hits=4, current_hits=4, limit=5) == 25


def test_current_window_alone_over_the_limit_waits_for_its_end() -> None:
    window = Window.at(1_000_090.0, 100)
    assert retry_after(window, previous_hits=0, current_hits=6, limit=5) == 10


async def _burst_across_boundary(limiter, clock: Clock, monkeypatch, module) -> list[int | None]:
    monkeypatch.setattr(module.time, "time", clock.time)
    results = []
    clock.now = 10 * WINDOW_S - 1.0  # one second before a boundary: spend the whole limit
    for _ in range(5):
        results.append(await limiter.hit("login:m:0912", limit=5, window_s=WINDOW_S))
    clock.now = 10 * WINDOW_S + 1.0  # two seconds later, in the next fixed window
    results.append(await limiter.hit("login:m:0912", limit=5, window_s=WINDOW_S))
    return results


async def test_memory_limiter_holds_across_the_boundary(monkeypatch) -> None:
    results = await _burst_across_boundary(MemoryRateLimiter(), Clock(0), monkeypatch, memory)
    assert results[:5] == [None] * 5
    assert results[5] is not None and results[5] >= 1


@pytest.mark.postgres
async def test_postgres_limiter_holds_across_the_boundary(database_url: str, monkeypatch) -> None:
    from hamgam.adapters.db.engine import create_engine

    engine = create_engine(database_url)
    try:
        results = await _burst_across_boundary(postgres.PostgresRateLimiter(engine), Clock(0), monkeypatch, postgres)
    finally:
        await engine.dispose()
    assert results[:5] == [None] * 5
    assert results[5] is not None and results[5] >= 1

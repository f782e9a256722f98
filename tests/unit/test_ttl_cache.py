"""``TtlCache``: values reused until they expire, least recently used out first, one load per key at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from hamgam.services.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting(loads: list[str], value: str) -> Callable[[], Awaitable[str]]:
    async def load() -> str:
        loads.append(value)
        return value

    return load


async def test_a_value_is_reused_until_it_expires() -> None:
    clock, loads = Clock(), list[str]()
    cache: TtlCache[str, str] = TtlCache(10.0, 4, clock=clock)
    assert await cache.get("a", counting(loads, "1")) == "1"
    clock.now = 9.9
    assert await cache.get("a", counting(loads, "2")) == "1"
    clock.now = 10.0
    assert await cache.get("a", counting(loads, "3")) == "3"
    assert loads == ["1", "3"]


async def test_the_least_recently_used_goes_first() -> None:
    loads: list[str] = []
    cache: TtlCache[str, str] = TtlCache(10.0, 2, clock=Clock())
    await cache.get("a", counting(loads, "a"))
    await cache.get("b", counting(loads, "b"))
    await cache.get("a", counting(loads, "a"))  # a used after b
    await cache.get("c", counting(loads, "c"))  # b goes
    await cache.get("a", counting(loads, "a"))
    await cache.get("b", counting(loads, "b"))
    assert loads == ["a", "b", "c", "b"]


async def test_callers_missing_together_share_one_load_and_a_failure_is_not_kept() -> None:
    cache: TtlCache[str, str] = TtlCache(10.0, 2, clock=Clock())
    gate, loads = asyncio.Event(), list[str]()

    async def slow() -> str:
        loads.append("x")
        await gate.wait()
        return "x"

    waiting = [asyncio.ensure_future(cache.get("k", slow)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiting) == ["x"] * 5
    assert loads == ["x"]

    async def failing() -> str:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        await cache.get("f", failing)
    assert await cache.get("f", counting(loads, "ok")) == "ok"


async def test_a_value_found_stale_is_discarded_unless_replaced() -> None:
    loads: list[str] = []
    cache: TtlCache[str, str] = TtlCache(10.0, 2, clock=Clock())
    first = await cache.get("k", counting(loads, "old"))
    cache.discard("k", first)
    second = await cache.get("k", counting(loads, "new"))
    cache.discard("k", first)  # no longer the stored value: kept
    assert await cache.get("k", counting(loads, "newer")) == second == "new"
    assert loads == ["old", "new"]

"""The fetcher's read-ahead: the next page is produced while the current one is handled, in order, bounded."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from hamgam.services.sync.read_ahead import read_ahead


class Source:
    """Numbered items; records how far production ran and whether the stream was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.produced = 0
        self.closed = False
        self.next_asked = asyncio.Event()

    async def items(self) -> AsyncIterator[int]:
        try:
            for i in range(self.count):
                await asyncio.sleep(0)
                if i == self.fail_at:
                    raise RuntimeError(f"item {i} failed")
                self.produced = i + 1
                yield i
        finally:
            self.closed = True


async def test_items_come_in_order_and_all_of_them() -> None:
    source = Source(50)
    assert [i async for i in read_ahead(source.items(), depth=2)] == list(range(50))
    assert source.closed


async def test_the_next_item_is_produced_while_the_caller_works_on_the_current_one() -> None:
    source = Source(10)
    stream = read_ahead(source.items(), depth=1)
    first = await anext(stream)
    assert first == 0
    for _ in range(20):  # the caller awaits its own work (a database write, a broker confirm)
        await asyncio.sleep(0)
    # item 1 is ready (depth 1); item 2 is produced and waits for room; item 3 is not asked for
    assert source.produced == 3
    await stream.aclose()


async def test_no_more_than_depth_items_are_held_ahead() -> None:
    source = Source(100)
    stream = read_ahead(source.items(), depth=3)
    await anext(stream)
    for _ in range(50):
        await asyncio.sleep(0)
    # one handed out, three queued, one produced and waiting for room
    assert source.produced == 5
    await stream.aclose()
    assert source.closed


async def test_a_source_error_comes_after_the_items_before_it() -> None:
    source = Source(10, fail_at=3)
    seen = []
    with pytest.raises(RuntimeError, match="item 3 failed"):
        async for i in read_ahead(source.items(), depth=2):
            seen.append(i)
    assert seen == [0, 1, 2]


async def test_leaving_early_stops_and_closes_the_source() -> None:
    source = Source(1000)
    async with contextlib.aclosing(read_ahead(source.items(), depth=2)) as stream:
        async for i in stream:
            if i == 5:
                break
    assert source.closed
    assert source.produced < 10


async def test_a_caller_error_stops_the_source() -> None:
    source = Source(1000)
    stream = read_ahead(source.items(), depth=1)
    with pytest.raises(ValueError):
        async for i in stream:
            if i == 2:
                raise ValueError("the caller failed")
    await stream.aclose()
    assert source.closed

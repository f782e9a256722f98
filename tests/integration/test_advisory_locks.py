"""Advisory locks: one holder per (name, key) across connections, released on release or at transaction end."""

from __future__ import annotations

import asyncio

from hamgam.adapters.db.advisory_locks import AdvisoryLocks, lock_for_transaction
from hamgam.adapters.db.engine import create_engine


def test_one_holder_per_name_and_key(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(database_url)
        locks = AdvisoryLocks(engine)
        try:
            first, second, other_key = locks.lock("export", 5), locks.lock("export", 5), locks.lock("export", "Product")
            assert await first.acquire()
            assert not await second.acquire()
            assert await other_key.acquire()
            await first.release()
            assert await second.acquire()
            await second.release()
            await other_key.release()
            async with locks.held("leader") as outer, locks.held("leader") as inner:
                assert outer and not inner
            async with locks.held("leader") as again:
                assert again
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_waiting_acquire_gets_the_lock_once_released(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(database_url)
        locks = AdvisoryLocks(engine)
        try:
            holder = locks.lock("customer", 1)
            assert await holder.acquire()
            waiter = asyncio.create_task(locks.lock("customer", 1).acquire(wait=True, poll_s=0.01))
            await asyncio.sleep(0.2)
            assert not waiter.done()
            await holder.release()
            assert await asyncio.wait_for(waiter, 30)
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_transaction_lock_ends_with_the_transaction(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(database_url)
        locks = AdvisoryLocks(engine)
        try:
            async with engine.begin() as conn:
                await lock_for_transaction(conn, "images", 7)
                async with locks.held("images", 7) as taken_inside:
                    assert not taken_inside
            async with locks.held("images", 7) as taken_after:
                assert taken_after
        finally:
            await engine.dispose()

    asyncio.run(scenario())

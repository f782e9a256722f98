"""Several consumer pools run as one group (the worker's batch topics, the worker role's batches and pictures):
one that fails stops the others and its error fails the group; ``stop()`` stops them all; the group ends cleanly
when they do."""

from __future__ import annotations

import asyncio

import pytest

from hamgam.services.messaging.consumer_pool import ConsumerPools

#: Seconds a test waits for a condition before it fails (generous: the machine may be loaded).
WAIT_S = 60.0


class PoolBroken(RuntimeError):
    pass


class FakePool:
    """Runs until stopped, then finishes its work in flight (a few turns of the loop) before it returns; or
    fails when told to."""

    def __init__(self, *, fails_when_stopped: BaseException | None = None) -> None:
        self.fails_when_stopped = fails_when_stopped
        self.started = asyncio.Event()
        self.stop_calls = 0
        self.finished = False
        self._stopping = asyncio.Event()
        self._failure: BaseException | None = None
        self._fail_now = asyncio.Event()

    async def run(self) -> None:
        self.started.set()
        stopping = asyncio.create_task(self._stopping.wait())
        failing = asyncio.create_task(self._fail_now.wait())
        try:
            await asyncio.wait({stopping, failing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            failing.cancel()
        if self._failure is not None:
            raise self._failure
        for _ in range(5):  # the work in flight: the group must wait for it
            await asyncio.sleep(0)
        self.finished = True

    def stop(self) -> None:
        self.stop_calls += 1
        if self.fails_when_stopped is not None:
            self.fail(self.fails_when_stopped)
        self._stopping.set()

    def fail(self, error: BaseException) -> None:
        self._failure = error
        self._fail_now.set()


async def _started(*pools: FakePool) -> None:
    for pool in pools:
        await asyncio.wait_for(pool.started.wait(), WAIT_S)


async def test_a_pool_that_fails_stops_the_others_and_its_error_is_raised() -> None:
    # given three pools running as a group
    broken, first, second = FakePool(), FakePool(), FakePool()
    group = ConsumerPools(first, broken, second)
    task = asyncio.create_task(group.run())
    await _started(broken, first, second)
    # when one of them fails
    error = PoolBroken("consumer lost")
    broken.fail(error)
    # then the group fails with that error, once the others were stopped and had finished their work
    with pytest.raises(PoolBroken) as raised:
        await asyncio.wait_for(task, WAIT_S)
    assert raised.value is error
    assert first.stop_calls >= 1 and first.finished
    assert second.stop_calls >= 1 and second.finished
    assert not broken.finished


async def test_an_error_of_a_pool_stopped_after_the_first_failure_is_not_the_one_raised() -> None:
    # given two pools, the second of which fails when it is stopped
    first, second = FakePool(), FakePool(fails_when_stopped=PoolBroken("while stopping"))
    group = ConsumerPools(first, second)
    task = asyncio.create_task(group.run())
    await _started(first, second)
    # when the first fails
    error = PoolBroken("first")
    first.fail(error)
    # then the group raises the first failure
    with pytest.raises(PoolBroken) as raised:
        await asyncio.wait_for(task, WAIT_S)
    assert raised.value is error and second.stop_calls >= 1


async def test_stop_stops_every_pool_and_the_group_ends_cleanly() -> None:
    # given a group of two pools, one of them a group itself (the worker role: batch topics and pictures)
    inner_first, inner_second, outer = FakePool(), FakePool(), FakePool()
    group = ConsumerPools(ConsumerPools(inner_first, inner_second), outer)
    task = asyncio.create_task(group.run())
    await _started(inner_first, inner_second, outer)
    # when it is stopped
    group.stop()
    # then every pool finished its work and the group returned without an error
    await asyncio.wait_for(task, WAIT_S)
    assert inner_first.finished and inner_second.finished and outer.finished


async def test_a_pool_that_ends_by_itself_ends_the_group_without_an_error() -> None:
    # given two pools running as a group
    ending, other = FakePool(), FakePool()
    task = asyncio.create_task(ConsumerPools(ending, other).run())
    await _started(ending, other)
    # when one of them ends without an error (stopped on its own)
    ending.stop()
    # then the other is stopped too and the group returns cleanly
    await asyncio.wait_for(task, WAIT_S)
    assert ending.finished and other.finished and other.stop_calls >= 1


async def test_stop_before_run_ends_the_group_at_once() -> None:
    pools = FakePool(), FakePool()
    group = ConsumerPools(*pools)
    group.stop()
    await asyncio.wait_for(group.run(), WAIT_S)
    assert all(pool.finished for pool in pools)

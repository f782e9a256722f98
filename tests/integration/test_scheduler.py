"""The scheduler: one leader at a time among replicas, takeover when the leader goes, on-demand runs."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hamgam.domain.sync.entities import entity_named
from hamgam.services.sync.scheduler import SyncScheduler
from tests.integration.test_sync_end_to_end import running_worker
from tests.queue_helpers import eventually


def scheduler(container, **kwargs) -> SyncScheduler:
    return SyncScheduler(
        container.locks,
        container.fetcher,
        container.sync_repository,
        interval_s=3600,
        reconcile_interval_s=86400,
        entities=[entity_named("Store")],
        leader_retry_s=0.2,
        request_poll_s=0.2,
        **kwargs,
    )


async def test_only_one_replica_leads_and_another_takes_over(fresh_mahak, make_container) -> None:
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        # given two scheduler replicas on one database
        first, second = scheduler(container), scheduler(container)
        tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
        try:
            await eventually(lambda: _async(first.leader.held or second.leader.held))
            await asyncio.sleep(1.0)
            # then exactly one leads
            assert first.leader.held != second.leader.held
            leader, follower = (first, second) if first.leader.held else (second, first)
            # when the leader stops, then the follower takes over
            leader.stop()
            await asyncio.wait_for(tasks[0 if leader is first else 1], 60)
            await eventually(lambda: _async(follower.leader.held), timeout_s=60)
        finally:
            first.stop()
            second.stop()
            await asyncio.gather(*tasks, return_exceptions=True)


async def test_on_demand_request_runs_on_the_leader(fresh_mahak, make_container) -> None:
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        leader = scheduler(container)
        task = asyncio.create_task(leader.run())
        try:
            await eventually(lambda: _async(leader.leader.held))
            # when staff ask for a product sync now
            await container.sync_repository.request_run("Product", "incremental", "staff:test")

            async def product_synced() -> bool:
                async with container.engine.connect() as conn:
                    return bool(await conn.scalar(text("SELECT count(*) FROM product")))

            # then the leader runs it and the request is marked taken
            await eventually(product_synced, timeout_s=120)
            async with container.engine.connect() as conn:
                assert await conn.scalar(text("SELECT count(*) FROM sync_request WHERE taken_at IS NULL")) == 0
        finally:
            leader.stop()
            await asyncio.wait_for(task, 60)


async def _async(value: bool) -> bool:
    return value


class _HeldFetcher:
    """A fetcher whose runs last until released."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished: list[str] = []

    async def run(self, entity: str, kind: str) -> None:
        self.started.set()
        await self.release.wait()
        self.finished.append(entity)


async def test_a_stop_waits_for_the_entity_in_flight_and_starts_no_other(fresh_mahak, make_container) -> None:
    async with make_container(fresh_mahak.base_url) as container:
        fetcher = _HeldFetcher()
        leader = SyncScheduler(
            container.locks,
            fetcher,  # type: ignore[arg-type]
            container.sync_repository,
            interval_s=3600,
            reconcile_interval_s=86400,
            entities=[entity_named("Store"), entity_named("Bank")],
            leader_retry_s=0.2,
            request_poll_s=0.2,
        )
        task = asyncio.create_task(leader.run())
        try:
            # given a cycle fetching its first entity
            await asyncio.wait_for(fetcher.started.wait(), 20)
            # when the scheduler is stopped, then it waits for that entity
            leader.stop()
            await asyncio.sleep(1.0)
            assert not task.done()
            # and once the entity is done it returns, without starting the next one
            fetcher.release.set()
            await asyncio.wait_for(task, 10)
            assert fetcher.finished == ["Store"]
        finally:
            fetcher.release.set()
            leader.stop()
            await asyncio.gather(task, return_exceptions=True)

"""The scheduler: one leader (a PostgreSQL advisory lock) starts sync cycles, reconciliations and on-demand runs.

Replicas wait as followers and take over within ``leader_retry_s`` when the leader's connection goes away,
so at any moment at most one scheduler starts runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.domain.sync.entities import SYNC_ORDER, SyncedEntity, entity_named
from hamgam.services.sync.failures import problem_from_error

log = structlog.get_logger(__name__)

#: Advisory-lock key held by the leading scheduler for as long as it leads.
LEADER_LOCK_KEY = 0x4C454144


class LeaderLock:
    """Holds the leader lock on a dedicated connection; losing the connection loses leadership."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: Any = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    async def try_acquire(self) -> bool:
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                await self._drop()
        connection = await self.engine.connect()
        try:
            acquired = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY}
            )
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if acquired:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK_KEY})
                await self._connection.commit()
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        with contextlib.suppress(Exception):
            await connection.close()


class SyncScheduler:
    """Starts a cycle over every entity (parents first) every ``interval_s``, a reconciliation every
    ``reconcile_interval_s``, and the runs asked for on demand, but only while it leads."""

    def __init__(
        self,
        engine: AsyncEngine,
        fetcher: Any,
        store: Any,
        *,
        interval_s: float,
        reconcile_interval_s: float,
        entities: Sequence[SyncedEntity] = SYNC_ORDER,
        leader_retry_s: float = 2.0,
        request_poll_s: float = 1.0,
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.entities = list(entities)
        self.leader = LeaderLock(engine)
        self.leader_retry_s = leader_retry_s
        self._apscheduler = AsyncIOScheduler()
        self._run_lock = asyncio.Lock()
        self._jobs = [
            ("cycle", self.cycle, interval_s),
            ("reconcile", self.reconcile, reconcile_interval_s),
            ("requests", self.take_requests, request_poll_s),
        ]
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        """Lead when possible, until ``stop()``."""
        for name, job, every in self._jobs:
            self._apscheduler.add_job(
                self._if_leader(job),
                "interval",
                seconds=every,
                id=name,
                max_instances=1,
                coalesce=True,
                next_run_time=None if name == "reconcile" else _now(),
            )
        self._apscheduler.start()
        try:
            while not self._stopped.is_set():
                try:
                    was_leader = self.leader.held
                    if await self.leader.try_acquire() and not was_leader:
                        log.info("sync.scheduler.leading")
                        self._apscheduler.modify_job("cycle", next_run_time=_now())
                except Exception as exc:
                    log.warning("sync.scheduler.leader_check_failed", error=str(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), self.leader_retry_s)
        finally:
            self._apscheduler.shutdown(wait=False)
            await self.leader.release()

    def stop(self) -> None:
        self._stopped.set()

    def _if_leader(self, job: Any) -> Any:
        async def guarded() -> None:
            if self.leader.held and not self._stopped.is_set():
                await job()

        return guarded

    async def cycle(self, kind: str = "incremental", entities: Sequence[SyncedEntity] | None = None) -> None:
        """Run the entities in dependency order; one entity's failure does not stop the others."""
        async with self._run_lock:
            for entity in entities or self.entities:
                if self._stopped.is_set():
                    return
                try:
                    await self.fetcher.run(entity.name, kind)
                except Exception as exc:
                    problem = problem_from_error(entity.name, exc)
                    log.warning("sync.cycle.entity_failed", entity=entity.name, error=problem.what, todo=problem.todo)

    async def reconcile(self) -> None:
        await self.cycle("reconcile")

    async def take_requests(self) -> None:
        for request in await self.store.take_requests():
            entities = [entity_named(request["entity"])] if request["entity"] else None
            log.info("sync.request.taken", entity=request["entity"], kind=request["kind"])
            await self.cycle(request["kind"], entities)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)

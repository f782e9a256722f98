"""The scheduler: one leader (a cluster-wide lock, ``hamgam.ports.locks``) starts sync cycles, reconciliations
and on-demand runs.

Replicas wait as followers and take over within ``leader_retry_s`` when the leader's connection goes away,
so at any moment at most one scheduler starts runs.

The entities run in three lanes (``hamgam.domain.sync.entities``), side by side: the fresh lane (prices, stock,
the product links), the reference lane (their small parents) and the bulk lane (extra data, pictures, people,
Mahak's orders). Each lane runs one entity at a time, in dependency order, under its own lock, so at most three
entity runs are under way and a cycle of the fresh lane starts every interval however long the bulk lane's walk
takes after a (re)start at a large catalogue. A lane still busy when its next cycle falls due skips that cycle;
a run asked for on demand waits for its lanes instead. The per-entity run lock (``fetcher.ENTITY_RUN_LOCK``) and
the cursor rules are the fetcher's, unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Protocol

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hamgam.domain.sync.entities import SYNC_ORDER, Lane, SyncedEntity, by_lane, entity_named
from hamgam.ports.locks import Locks
from hamgam.ports.sync import SyncRepository
from hamgam.services.sync.failures import problem_from_error

log = structlog.get_logger(__name__)

#: The lock held by the leading scheduler for as long as it leads (``Locks``).
LEADER_LOCK = "sync.leader"


class EntityRunner(Protocol):
    """What runs one entity (the fetcher)."""

    async def run(self, entity: str, kind: str = "incremental") -> object: ...


class LeaderLock:
    """Holds the leader lock; losing what holds it (its connection) loses leadership."""

    def __init__(self, locks: Locks) -> None:
        self._lock = locks.lock(LEADER_LOCK)
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    async def try_acquire(self) -> bool:
        if self._held and await self._lock.still_held():
            return True
        self._held = False
        self._held = await self._lock.acquire()
        return self._held

    async def release(self) -> None:
        self._held = False
        await self._lock.release()


class SyncScheduler:
    """Starts a cycle of each lane (parents first) every ``interval_s``, a reconciliation every
    ``reconcile_interval_s``, and the runs asked for on demand, but only while it leads.

    ``interval_s`` may be a callable read at run time (the shop's settings, edited in the admin panel): before
    each leader check the scheduler calls ``refresh`` (when given) and moves the cycle to the new interval, which
    takes effect from the next cycle."""

    def __init__(
        self,
        locks: Locks,
        fetcher: EntityRunner,
        repository: SyncRepository,
        *,
        interval_s: float | Callable[[], float],
        reconcile_interval_s: float,
        entities: Sequence[SyncedEntity] = SYNC_ORDER,
        leader_retry_s: float = 2.0,
        request_poll_s: float = 1.0,
        refresh: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.repository = repository
        self.entities = list(entities)
        self.leader = LeaderLock(locks)
        self.leader_retry_s = leader_retry_s
        self._apscheduler = AsyncIOScheduler()
        self._lanes = {lane: asyncio.Lock() for lane in Lane}
        #: Lane runs started by the cycle job and by requests (kept so they are not collected mid-run).
        self._running: set[asyncio.Task[None]] = set()
        self._interval = interval_s if callable(interval_s) else (lambda: interval_s)
        self._refresh = refresh
        self.interval_s = self._interval()
        self._jobs = [
            ("cycle", self.start_cycle, self.interval_s),
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
                await self._follow_settings()
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
            try:
                if self._stopped.is_set() and self._running:
                    # each lane in flight stops after its entity (it checks ``_stopped``): wait for them rather than
                    # leave them to be cancelled mid-transaction when the loop ends (logged as errors)
                    await asyncio.gather(*self._running, return_exceptions=True)
            finally:
                self._apscheduler.shutdown(wait=False)
                await self.leader.release()

    def stop(self) -> None:
        self._stopped.set()

    async def _follow_settings(self) -> None:
        """Read the settings again (when they can change) and move the cycle to a changed interval."""
        try:
            if self._refresh is not None:
                await self._refresh()
            interval = self._interval()
        except Exception as exc:  # a settings read that failed keeps the interval in effect
            log.warning("sync.scheduler.settings_failed", error=str(exc))
            return
        if interval != self.interval_s:
            log.info("sync.scheduler.interval_changed", old=self.interval_s, new=interval)
            self.interval_s = interval
            self._apscheduler.reschedule_job("cycle", trigger="interval", seconds=interval)

    def _if_leader(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def guarded() -> None:
            if self.leader.held and not self._stopped.is_set():
                await job()

        return guarded

    async def start_cycle(self) -> None:
        """The cycle job: start an incremental cycle of each lane that is not busy, and return at once."""
        for lane, entities in by_lane(self.entities).items():
            if not self._lanes[lane].locked():
                self._start(self._lane_cycle(lane, entities, "incremental"))

    async def cycle(self, kind: str = "incremental", entities: Sequence[SyncedEntity] | None = None) -> None:
        """Run the entities, their lanes side by side, each lane in dependency order once the lane is free; one
        entity's failure does not stop the others."""
        lanes = by_lane(entities or self.entities)
        await asyncio.gather(*(self._lane_cycle(lane, members, kind) for lane, members in lanes.items()))

    async def _lane_cycle(self, lane: Lane, entities: Sequence[SyncedEntity], kind: str) -> None:
        async with self._lanes[lane]:
            for entity in entities:
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
        """Start the runs asked for on demand; each waits for its lanes, and the next poll is not held up."""
        for request in await self.repository.take_requests():
            entities = [entity_named(request["entity"])] if request["entity"] else None
            log.info("sync.request.taken", entity=request["entity"], kind=request["kind"])
            self._start(self.cycle(request["kind"], entities))

    def _start(self, run: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(run)
        self._running.add(task)
        task.add_done_callback(self._running.discard)


def _now() -> datetime:
    return datetime.now(UTC)

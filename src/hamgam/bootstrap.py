"""The composition root: builds the engine, the broker, the Mahak client and the services from the settings.

Nothing is created at import time; every role (``hamgam up``, the CLI, the tests) calls ``build``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.dead_letters import DeadLetterStore
from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.db.sync_store import SyncStore
from hamgam.adapters.mahak.client import MahakClient
from hamgam.adapters.mahak.limiter import postgres_guards
from hamgam.adapters.mahak.wire import Entity
from hamgam.adapters.queue.factory import build_queue
from hamgam.ports import MessageQueue
from hamgam.services.sync.fetcher import Fetcher
from hamgam.services.sync.scheduler import SyncScheduler
from hamgam.services.sync.transformer import TransformContext
from hamgam.services.sync.worker import BatchWorker
from hamgam.settings import Settings


@dataclass
class Container:
    """Everything a role needs, built once per process."""

    settings: Settings
    engine: AsyncEngine
    queue: MessageQueue
    mahak: MahakClient
    sync_store: SyncStore
    dead_letters: DeadLetterStore
    fetcher: Fetcher

    def worker(self) -> BatchWorker:
        sync = self.settings.sync
        return BatchWorker(
            self.queue,
            self.sync_store,
            self.dead_letters,
            concurrency=sync.workers,
            prefetch=sync.prefetch,
            retry_delays_s=sync.retry_delays_s,
        )

    def scheduler(self) -> SyncScheduler:
        sync = self.settings.sync
        return SyncScheduler(
            self.engine,
            self.fetcher,
            self.sync_store,
            interval_s=sync.interval_s,
            reconcile_interval_s=sync.reconcile_interval_s,
        )

    async def aclose(self) -> None:
        await self.mahak.aclose()
        await self.queue.close()
        await self.engine.dispose()


def mahak_base_url(settings: Settings) -> str:
    """The configured Mahak, or the embedded simulator that ``hamgam up`` serves when none is configured."""
    return settings.mahak.base_url or f"http://127.0.0.1:{settings.mahak.simulator_port}/API/v3"


async def build(settings: Settings) -> Container:
    """Build the process's container. ``settings.database_url`` must be set (``hamgam up`` resolves it)."""
    if not settings.database_url:
        raise ValueError("database_url is not set")
    engine = create_engine(settings.database_url)
    mahak_settings = settings.mahak.model_copy(update={"base_url": mahak_base_url(settings)})
    limiter, breaker = postgres_guards(engine, mahak_settings)
    mahak = MahakClient(mahak_settings, limiter=limiter, breaker=breaker)
    queue = await build_queue(settings, engine)
    sync_store = SyncStore(engine)
    fetcher = Fetcher(
        mahak,
        sync_store,
        queue,
        TransformContext(settings.sync.money_unit, settings.sync.trust_child_delete_flags),
        page_size=settings.mahak.page_size,
        entity_key=Entity,
    )
    return Container(settings, engine, queue, mahak, sync_store, DeadLetterStore(engine), fetcher)

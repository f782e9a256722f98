"""The ``exporter`` role: the export consumers, plus the periodic passes around them — relay jobs not yet
published, settle invoices the sync brought back, handle cancellations, and reconcile (one replica at a time)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from hamgam.ports.export import ExportUnitOfWork
from hamgam.ports.locks import Locks
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.consumer import ExportWorker
from hamgam.services.export.invoicing import handle_returns, settle_invoiced
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.export.reconcile import reconcile
from hamgam.settings import ExportSettings, SyncSettings

log = structlog.get_logger(__name__)

#: Lock name of the reconciliation, so replicas do not run it at once.
RECONCILE_LOCK = "export.reconcile"


class ExportRole:
    def __init__(
        self,
        worker: ExportWorker,
        outbox: ExportOutbox,
        export: ExportSettings,
        sync: SyncSettings,
        *,
        uow: UnitOfWorkFactory[ExportUnitOfWork],
        locks: Locks,
        refresh: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.worker = worker
        self.outbox = outbox
        self.export = export
        self.sync = sync
        self.uow = uow
        self.locks = locks
        #: Reads the shop's settings again (price and stock rules, money unit: edited in the admin panel, written
        #: into ``sync``) before each pass.
        self._refresh = refresh
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()
        self.worker.stop()

    async def run(self) -> None:
        consumers = asyncio.create_task(self.worker.run())
        try:
            await self._passes()
        finally:
            self.worker.stop()
            await consumers

    async def run_passes_once(self) -> None:
        """Relay, invoices, cancellations (what the loop does every ``relay_interval_s``)."""
        await self.outbox.relay()
        await settle_invoiced(self.uow, self.export, self.sync)
        await handle_returns(self.uow, self.outbox, self.export)

    async def _passes(self) -> None:
        next_reconcile = time.monotonic() + self.export.reconcile_interval_s
        while not self._stop.is_set():
            try:
                if self._refresh is not None:
                    await self._refresh()
                await self.run_passes_once()
                if time.monotonic() >= next_reconcile:
                    next_reconcile = time.monotonic() + self.export.reconcile_interval_s
                    await self.reconcile_if_free()
            except Exception:
                log.exception("export.pass_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.export.relay_interval_s)

    async def reconcile_if_free(self) -> dict[str, Any] | None:
        async with self.locks.held(RECONCILE_LOCK) as taken:
            if not taken:
                return None
            return await reconcile(self.uow, self.outbox)

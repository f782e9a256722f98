"""The ``exporter`` role: the export consumers, plus the periodic passes around them — relay jobs not yet
published, settle invoices the sync brought back, handle cancellations, and reconcile (one replica at a time)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import structlog
from sqlalchemy import text

from hamgam.services.export.consumer import ExportWorker
from hamgam.services.export.invoicing import handle_cancellations, settle_invoiced
from hamgam.services.export.reconcile import reconcile

log = structlog.get_logger(__name__)

#: Advisory-lock key of the reconciliation, so replicas do not run it at once.
RECONCILE_LOCK_KEY = 0x45585243


class ExportRole:
    def __init__(self, worker: ExportWorker, outbox: Any, export: Any, sync: Any) -> None:
        self.worker = worker
        self.engine = worker.exporter.engine
        self.outbox = outbox
        self.export = export
        self.sync = sync
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
        await self.outbox.relay(self.engine)
        await settle_invoiced(self.engine, self.export, self.sync)
        await handle_cancellations(self.engine, self.outbox, self.export)

    async def _passes(self) -> None:
        next_reconcile = time.monotonic() + self.export.reconcile_interval_s
        while not self._stop.is_set():
            try:
                await self.run_passes_once()
                if time.monotonic() >= next_reconcile:
                    next_reconcile = time.monotonic() + self.export.reconcile_interval_s
                    await self.reconcile_if_free()
            except Exception:
                log.exception("export.pass_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.export.relay_interval_s)

    async def reconcile_if_free(self) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            if not await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": RECONCILE_LOCK_KEY}):
                return None
            await conn.commit()
            try:
                return await reconcile(self.engine, self.outbox)
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RECONCILE_LOCK_KEY})
                await conn.commit()

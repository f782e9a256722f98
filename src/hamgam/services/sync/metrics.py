"""Prometheus metrics of the sync and the export: lag per entity, rows applied, failures, Mahak rewinds, queue
depth, dead letters, orders whose export failed or whose Mahak invoice total differs from the payment, and the
Mahak circuit breaker.

Gauges are refreshed from PostgreSQL and the broker every few seconds, so every replica reports the same truth
(alerts take ``max`` over the replicas).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from prometheus_client import CollectorRegistry, Gauge

from hamgam.ports import MessageQueue
from hamgam.ports.sync import SyncReadModel
from hamgam.services.sync.fetcher import BATCH_TOPICS
from hamgam.services.sync.status import dead_letters_waiting, sync_status

log = structlog.get_logger(__name__)

#: Export job statuses that need staff: ``rejected`` (Mahak refused an item) and ``failed`` (retries ran out).
#: Both are dead-lettered; a replay puts the job back to ``pending``.
EXPORT_FAILED_STATUSES = ("rejected", "failed")


async def export_failed_orders(reads: SyncReadModel) -> dict[str, int]:
    """Orders with an export job in each failed status (every status present, 0 when none)."""
    found = await reads.export_failed_orders(EXPORT_FAILED_STATUSES)
    return {status: found.get(status, 0) for status in EXPORT_FAILED_STATUSES}


class SyncMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.lag_s = Gauge(
            "hamgam_sync_lag_seconds",
            "Seconds since the entity was last fully synced",
            ["entity"],
            registry=self.registry,
        )
        self.cursor = Gauge("hamgam_sync_cursor_row_version", "The entity's cursor", ["entity"], registry=self.registry)
        self.rows = Gauge(
            "hamgam_sync_rows_total",
            "Rows applied (inserted + updated) by the last run",
            ["entity"],
            registry=self.registry,
        )
        self.rows_per_s = Gauge(
            "hamgam_sync_rows_per_second",
            "Rows per second of the last run",
            ["entity"],
            registry=self.registry,
        )
        self.failures = Gauge(
            "hamgam_sync_failures",
            "Rejected rows plus dead-lettered batches of the last run",
            ["entity"],
            registry=self.registry,
        )
        self.rewind_open = Gauge(
            "hamgam_sync_rewind_open",
            "1 while Mahak serves RowVersions below the entity's cursor (restored or re-created) and the re-fetch "
            "that heals it has not succeeded yet",
            ["entity"],
            registry=self.registry,
        )
        self.rewind_detected = Gauge(
            "hamgam_sync_rewind_detected_timestamp_seconds",
            "When a Mahak rewind of the entity was last found (orders exported since the backup may be missing "
            "in Mahak)",
            ["entity"],
            registry=self.registry,
        )
        self.queue_depth = Gauge("hamgam_queue_depth", "Messages waiting in a topic", ["topic"], registry=self.registry)
        self.dead_letters = Gauge(
            "hamgam_dead_letters_waiting", "Dead letters not replayed or purged", registry=self.registry
        )
        self.export_failed = Gauge(
            "hamgam_export_failed_orders",
            "Orders whose export to Mahak was rejected or ran out of retries (dead-lettered), by job status",
            ["status"],
            registry=self.registry,
        )
        self.export_total_mismatch = Gauge(
            "hamgam_export_total_mismatch_orders",
            "Exported orders whose Mahak invoice total differs from what the buyer paid (by the last reconciliation)",
            registry=self.registry,
        )
        self.circuit_open = Gauge(
            "hamgam_mahak_circuit_open",
            "1 while the Mahak circuit breaker shared through PostgreSQL is open",
            registry=self.registry,
        )

    async def refresh(self, reads: SyncReadModel, queue: MessageQueue) -> None:
        for entity in await sync_status(reads):
            name = entity["entity"]
            self.cursor.labels(name).set(entity["cursor"])
            if entity["lag_s"] is not None:
                self.lag_s.labels(name).set(entity["lag_s"])
            last = entity.get("last_run") or {}
            self.rows.labels(name).set((last.get("rows_inserted") or 0) + (last.get("rows_updated") or 0))
            self.rows_per_s.labels(name).set(last.get("rows_per_s") or 0)
            self.failures.labels(name).set((last.get("rows_rejected") or 0) + (last.get("dead_lettered") or 0))
            self.rewind_open.labels(name).set(1 if entity["rewind"] else 0)
            if entity["last_rewind_at"] is not None:
                self.rewind_detected.labels(name).set(entity["last_rewind_at"].timestamp())
        # PostgreSQL before the broker: an unreachable broker must not freeze these gauges.
        for status, orders in (await export_failed_orders(reads)).items():
            self.export_failed.labels(status).set(orders)
        self.export_total_mismatch.set(await reads.export_total_mismatches())
        self.circuit_open.set(1 if await reads.mahak_circuit_open() else 0)
        for topic in BATCH_TOPICS:
            self.queue_depth.labels(topic).set(await queue.depth(topic))
        self.dead_letters.set(await dead_letters_waiting(reads))

    async def refresh_forever(self, reads: SyncReadModel, queue: MessageQueue, every_s: float = 5.0) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.refresh(reads, queue)
            await asyncio.sleep(every_s)

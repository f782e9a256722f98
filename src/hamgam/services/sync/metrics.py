"""Prometheus metrics of the sync: lag per entity, rows applied, failures, queue depth.

Gauges are refreshed from PostgreSQL and the broker every few seconds, so every replica reports the same truth.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Gauge

from hamgam.services.sync.fetcher import BATCH_TOPIC
from hamgam.services.sync.status import dead_letters_waiting, sync_status

log = structlog.get_logger(__name__)


class SyncMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.lag_s = Gauge(
            "hamgam_sync_lag_seconds",
            "Seconds since the entity was last fully synced",
            ["entity"],
            registry=self.registry,
        )
        self.cursor = Gauge(
            "hamgam_sync_cursor_row_version", "The entity's cursor", ["entity"], registry=self.registry
        )
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
        self.queue_depth = Gauge(
            "hamgam_queue_depth", "Messages waiting in a topic", ["topic"], registry=self.registry
        )
        self.dead_letters = Gauge(
            "hamgam_dead_letters_waiting", "Dead letters not replayed or purged", registry=self.registry
        )

    async def refresh(self, engine: Any, queue: Any) -> None:
        for entity in await sync_status(engine):
            name = entity["entity"]
            self.cursor.labels(name).set(entity["cursor"])
            if entity["lag_s"] is not None:
                self.lag_s.labels(name).set(entity["lag_s"])
            last = entity.get("last_run") or {}
            self.rows.labels(name).set((last.get("rows_inserted") or 0) + (last.get("rows_updated") or 0))
            self.rows_per_s.labels(name).set(last.get("rows_per_s") or 0)
            self.failures.labels(name).set(
                (last.get("rows_rejected") or 0) + (last.get("dead_lettered") or 0)
            )
        self.queue_depth.labels(BATCH_TOPIC).set(await queue.depth(BATCH_TOPIC))
        self.dead_letters.set(await dead_letters_waiting(engine))

    async def refresh_forever(self, engine: Any, queue: Any, every_s: float = 5.0) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.refresh(engine, queue)
            await asyncio.sleep(every_s)

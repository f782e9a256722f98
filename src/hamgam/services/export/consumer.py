"""The exporter's consumers: competing consumers of the export topic, with the sync worker's rules — ack after
commit, transient failures to the retry tiers, permanent ones (and exhausted retries) to the dead-letter queue
with their reason, stored on the export job in the same transaction for staff."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from hamgam.domain.export import ExportRejected, JobStatus
from hamgam.ports import Delivery, MessageQueue
from hamgam.ports.export import REPLAYED_FROM_HEADER, ExportUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.exporter import Exporter
from hamgam.services.export.outbox import job_id_of
from hamgam.services.sync.retry_policy import decide

log = structlog.get_logger(__name__)


class ExportWorker:
    """``concurrency`` consumers of ``topic``. ``stop()`` lets in-flight exports finish, then gives back what is
    still unsettled."""

    def __init__(
        self,
        queue: MessageQueue,
        exporter: Exporter,
        uow: UnitOfWorkFactory[ExportUnitOfWork],
        *,
        topic: str,
        concurrency: int,
        prefetch: int,
        retry_delays_s: Sequence[float],
    ) -> None:
        self.queue = queue
        self.exporter = exporter
        self.uow = uow
        self.topic = topic
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.retry_delays_s = list(retry_delays_s)
        self._stopping = asyncio.Event()
        self.settled = 0

    async def run(self) -> None:
        consumers = [asyncio.create_task(self._consume()) for _ in range(self.concurrency)]
        try:
            await self._stopping.wait()
        finally:
            for task in consumers:
                task.cancel()
            await asyncio.gather(*consumers, return_exceptions=True)

    def stop(self) -> None:
        self._stopping.set()

    async def _consume(self) -> None:
        consumer = self.queue.consume(self.topic, prefetch=self.prefetch)
        try:
            async for delivery in consumer:
                await asyncio.shield(self.handle(delivery))  # a stop mid-export lets the commit and the ack finish
                if self._stopping.is_set():
                    return
        finally:
            # Give prefetched deliveries back now: a consumer left open would hold them until the connection ends.
            close = getattr(consumer, "aclose", None)
            if close is not None:
                await close()

    async def handle(self, delivery: Delivery) -> None:
        """Export the job a delivery names; settle the delivery exactly once (ack, retry, or dead-letter + ack)."""
        job_id: int | None = None
        try:
            job_id = job_id_of(delivery.body)
            replayed = REPLAYED_FROM_HEADER in (delivery.headers or {})
            status = await self.exporter.export(job_id, replayed=replayed)
        except Exception as exc:  # every failure ends in a retry or a dead letter, never in silence
            await self._fail(delivery, job_id, exc)
            return
        await delivery.ack()
        self.settled += 1
        log.debug("export.settled", job_id=job_id, status=status)

    async def _fail(self, delivery: Delivery, job_id: int | None, error: Exception) -> None:
        decision = decide(error, delivery.attempt, self.retry_delays_s)
        if decision.dead:
            rejected = error if isinstance(error, ExportRejected) else None
            status = JobStatus.REJECTED if rejected else JobStatus.FAILED
            message = rejected.message if rejected else decision.reason
            log.warning("export.dead", job_id=job_id, reason=decision.reason, attempt=delivery.attempt)
            async with self.uow() as uow:
                await uow.dead_letters.add(
                    topic=self.topic,
                    message_id=delivery.message_id,
                    body=delivery.body,
                    headers=dict(delivery.headers or {}),
                    error=decision.reason,
                    attempts=delivery.attempt,
                )
                if job_id is not None and await uow.jobs.lock_pending(job_id):
                    await uow.jobs.set_status(job_id, status, error=message, items=rejected.items if rejected else None)
            await delivery.ack()
            return
        log.info("export.retry", job_id=job_id, reason=decision.reason, attempt=delivery.attempt)
        if job_id is not None:
            async with self.uow() as uow:
                await uow.jobs.note_retry(job_id, f"attempt {delivery.attempt}: {decision.reason}"[:4000])
        await delivery.retry(decision.reason, decision.retry_after_s or 0.0)  # set: the decision is not dead

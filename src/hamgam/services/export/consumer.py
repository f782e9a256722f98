"""The exporter's consumers: the shared consumer pool (``hamgam.services.messaging``) on the export topic — ack
after commit, transient failures to the retry tiers, permanent ones (and exhausted retries) to the dead-letter
queue with their reason, stored on the export job in the same transaction for staff."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from hamgam.domain.export import ExportRejected, JobStatus
from hamgam.ports import Delivery, MessageQueue
from hamgam.ports.export import REPLAYED_FROM_HEADER, ExportUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.exporter import Exporter
from hamgam.services.export.outbox import job_id_of
from hamgam.services.messaging.consumer_pool import ConsumerPool
from hamgam.services.messaging.retry_policy import Decision

log = structlog.get_logger(__name__)


class ExportHandler:
    """An export delivery's part in the consumer pool (``hamgam.services.messaging.consumer_pool``)."""

    def __init__(self, exporter: Exporter, uow: UnitOfWorkFactory[ExportUnitOfWork], topic: str) -> None:
        self.exporter = exporter
        self.uow = uow
        self.topic = topic

    async def apply(self, delivery: Delivery) -> None:
        """Export the job a delivery names (the pool acks it after this returns)."""
        job_id = job_id_of(delivery.body)
        replayed = REPLAYED_FROM_HEADER in (delivery.headers or {})
        status = await self.exporter.export(job_id, replayed=replayed)
        log.debug("export.settled", job_id=job_id, status=status)

    async def on_dead(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        job_id = _job_id(delivery.body)
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

    async def on_retry(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        job_id = _job_id(delivery.body)
        log.info("export.retry", job_id=job_id, reason=decision.reason, attempt=delivery.attempt)
        if job_id is not None:
            async with self.uow() as uow:
                await uow.jobs.note_retry(job_id, f"attempt {delivery.attempt}: {decision.reason}"[:4000])


class ExportWorker(ConsumerPool):
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
        super().__init__(
            queue,
            topic,
            ExportHandler(exporter, uow, topic),
            concurrency=concurrency,
            prefetch=prefetch,
            retry_delays_s=retry_delays_s,
        )
        self.exporter = exporter


def _job_id(body: bytes) -> int | None:
    """The job a body names, or None when it names none (the failure being routed may be that very one)."""
    try:
        return job_id_of(body)
    except ValueError:
        return None

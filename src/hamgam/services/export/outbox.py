"""The exporter's transactional outbox: an ``export_job`` row (with every Mahak client id it will use) written
in the transaction that made the order paid, then published to the ``MessageQueue``.

With the PostgreSQL queue the message is enqueued in that same transaction; with RabbitMQ the relay publishes
jobs not yet published (right after, from the exporter role, and again for anything left over). Publishing
twice is harmless: the exporter settles each job once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import orjson
import structlog

from hamgam.domain.export import ClientKind, JobKind, detail_key, order_key, person_key
from hamgam.ports import MessageQueue
from hamgam.ports.export import ExportOutboxRecords, ExportUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)

DEFAULT_TOPIC = "export.orders"

#: Joins the export's repositories to a transaction the caller owns (the store's, when an order becomes paid).
JoinTransaction = Callable[[object], ExportUnitOfWork]


def job_message(job_id: int) -> bytes:
    return orjson.dumps({"job_id": job_id})


def job_id_of(body: bytes) -> int:
    """The job a message names; ``ValueError`` (permanent) for anything else."""
    try:
        data = orjson.loads(body)
        return int(data["job_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"not an export message: {body[:200]!r}") from exc


def client_records(
    job_id: int, kind: JobKind, customer_id: int, detail_ids: Sequence[int]
) -> list[tuple[ClientKind, str, int | None]]:
    """Every record of the job that needs a client id: ``(kind, local key, owning job)``.

    A customer's person and visitor link keep one id across all their orders (no owning job); the order, each
    line and the receipt get ids of this job.
    """
    records: list[tuple[ClientKind, str, int | None]] = [
        (ClientKind.ORDER, order_key(job_id), job_id),
        *((ClientKind.ORDER_DETAIL, detail_key(job_id, d), job_id) for d in sorted(detail_ids)),
    ]
    if kind is JobKind.SALE:
        records += [
            (ClientKind.PERSON, person_key(customer_id), None),
            (ClientKind.VISITOR_PERSON, person_key(customer_id), None),
            (ClientKind.RECEIPT, order_key(job_id), job_id),
        ]
    return records


async def allocate_client_ids(
    outbox: ExportOutboxRecords,
    job_id: int,
    kind: JobKind,
    customer_id: int,
    detail_ids: Sequence[int],
    offset: int,
) -> None:
    """Give every record of the job its client id, once (idempotent: existing ids are kept, never reused)."""
    await outbox.allocate_client_ids(client_records(job_id, kind, customer_id, detail_ids), offset)


class ExportOutbox:
    """Writes export jobs inside the caller's transaction and relays unpublished ones."""

    def __init__(
        self,
        queue: MessageQueue | None,
        *,
        topic: str = DEFAULT_TOPIC,
        client_id_offset: int = 0,
        uow: UnitOfWorkFactory[ExportUnitOfWork] | None = None,
        join: JoinTransaction | None = None,
    ) -> None:
        self.queue = queue
        self.topic = topic
        self.client_id_offset = client_id_offset
        self._uow = uow
        self._join = join

    async def write(self, transaction: object, order_id: int, kind: JobKind = JobKind.SALE) -> int | None:
        """Write the order's job of ``kind`` in the caller's open transaction (the store's, as the order becomes
        paid); see ``write_in``."""
        if self._join is None:
            raise RuntimeError("this export outbox cannot join a transaction: build it with `join`")
        async with self._join(transaction) as uow:
            return await self.write_in(uow, order_id, kind)

    async def write_in(self, uow: ExportUnitOfWork, order_id: int, kind: JobKind = JobKind.SALE) -> int | None:
        """Write the order's job of ``kind`` with its client ids in ``uow``; returns the job id, or None when it
        already exists. With a queue that can enqueue in a transaction, the message goes with it."""
        publisher = uow.publisher if self.queue is not None else None
        job_id = await uow.outbox.insert_job(order_id, kind, published=publisher is not None)
        if job_id is None:
            return None
        customer_id, details = await uow.outbox.order_customer_and_details(order_id)
        await allocate_client_ids(uow.outbox, job_id, kind, customer_id, details, self.client_id_offset)
        if publisher is not None:
            await publisher.publish(self.topic, job_message(job_id), message_id=f"export-job-{job_id}")
        return job_id

    async def relay(self, *, limit: int = 200) -> int:
        """Publish pending jobs not published yet, oldest first, marking each once the queue confirmed it.

        Safe in several processes (``SKIP LOCKED``); a crash between publish and mark publishes again.
        """
        if self.queue is None:
            return 0
        published = 0
        async with self._open() as uow:
            for job_id in await uow.outbox.unpublished(limit):
                try:
                    await self.queue.publish(self.topic, job_message(job_id), message_id=f"export-job-{job_id}")
                except Exception as exc:  # the broker is down: the next relay tries again
                    log.warning("export.publish_failed", job_id=job_id, error=str(exc))
                    break
                await uow.outbox.mark_published(job_id)
                published += 1
        return published

    async def republish(self, job_id: int) -> None:
        """Publish one job again (staff replay, reconciliation): marks it unpublished, then relays it."""
        async with self._open() as uow:
            await uow.outbox.mark_unpublished(job_id)
        if self.queue is not None:
            await self.queue.publish(self.topic, job_message(job_id), message_id=f"export-job-{job_id}-again")
            async with self._open() as uow:
                await uow.outbox.mark_published(job_id)

    def _open(self) -> ExportUnitOfWork:
        if self._uow is None:
            raise RuntimeError("this export outbox has no unit of work: build it with `uow`")
        return self._uow()

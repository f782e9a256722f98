"""The exporter's transactional outbox: an ``export_job`` row (with every Mahak client id it will use) written
in the transaction that made the order paid, then published to the ``MessageQueue``.

With the PostgreSQL queue the message is enqueued in that same transaction; with RabbitMQ the relay publishes
jobs not yet published (right after, from the exporter role, and again for anything left over). Publishing
twice is harmless: the exporter settles each job once.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.domain.export import ClientKind, JobKind, detail_key, order_key, person_key
from hamgam.ports import MessageQueue

log = structlog.get_logger(__name__)

DEFAULT_TOPIC = "export.orders"


def job_message(job_id: int) -> bytes:
    return orjson.dumps({"job_id": job_id})


def job_id_of(body: bytes) -> int:
    """The job a message names; ``ValueError`` (permanent) for anything else."""
    try:
        data = orjson.loads(body)
        return int(data["job_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"not an export message: {body[:200]!r}") from exc


async def allocate_client_ids(
    conn: AsyncConnection, job_id: int, kind: JobKind, customer_id: int, detail_ids: Sequence[int], offset: int
) -> None:
    """Give every record of the job its client id, once (idempotent: existing ids are kept, never reused).

    A customer's person and visitor link keep one id across all their orders; the order, each line and the
    receipt get ids of this job.
    """
    records: list[tuple[str, str, int | None]] = [
        (ClientKind.ORDER, order_key(job_id), job_id),
        *((ClientKind.ORDER_DETAIL, detail_key(job_id, d), job_id) for d in sorted(detail_ids)),
    ]
    if kind is JobKind.SALE:
        records += [
            (ClientKind.PERSON, person_key(customer_id), None),
            (ClientKind.VISITOR_PERSON, person_key(customer_id), None),
            (ClientKind.RECEIPT, order_key(job_id), job_id),
        ]
    await conn.execute(
        text("""INSERT INTO mahak_client_id (kind, local_key, client_id, job_id)
                SELECT k, l, nextval(pg_get_serial_sequence('mahak_client_id', 'id')) + :offset, j
                FROM unnest(CAST(:kinds AS text[]), CAST(:keys AS text[]), CAST(:jobs AS bigint[])) AS t(k, l, j)
                ON CONFLICT (kind, local_key) DO NOTHING"""),
        {
            "kinds": [str(k) for k, _, _ in records],
            "keys": [key for _, key, _ in records],
            "jobs": [j for _, _, j in records],
            "offset": offset,
        },
    )


class ExportOutbox:
    """Writes export jobs inside the caller's transaction and relays unpublished ones."""

    def __init__(self, queue: MessageQueue | None, *, topic: str = DEFAULT_TOPIC, client_id_offset: int = 0) -> None:
        self.queue = queue
        self.topic = topic
        self.client_id_offset = client_id_offset

    async def write(self, conn: AsyncConnection, order_id: int, kind: JobKind = JobKind.SALE) -> int | None:
        """Write the order's job of ``kind`` with its client ids in the caller's transaction; returns the job id,
        or None when it already exists. With a queue that can enqueue in a transaction, the message goes with it.
        """
        in_transaction = hasattr(self.queue, "publish_in")
        job_id = (
            await conn.execute(
                text("""INSERT INTO export_job (order_id, kind, published_at)
                        VALUES (:o, :k, CASE WHEN :pub THEN now() END)
                        ON CONFLICT (order_id, kind) DO NOTHING RETURNING id"""),
                {"o": order_id, "k": str(kind), "pub": in_transaction},
            )
        ).scalar()
        if job_id is None:
            return None
        order = (
            await conn.execute(
                text("""SELECT o.customer_id, array_agg(l.product_detail_id) AS details
                        FROM store_order o JOIN order_line l ON l.order_id = o.id
                        WHERE o.id = :o GROUP BY o.customer_id"""),
                {"o": order_id},
            )
        ).one()
        await allocate_client_ids(conn, job_id, kind, order.customer_id, order.details, self.client_id_offset)
        if in_transaction:
            await self.queue.publish_in(  # type: ignore[union-attr]
                conn, self.topic, job_message(job_id), message_id=f"export-job-{job_id}"
            )
        return int(job_id)

    async def relay(self, engine: AsyncEngine, *, limit: int = 200) -> int:
        """Publish pending jobs not published yet, oldest first, marking each once the queue confirmed it.

        Safe in several processes (``SKIP LOCKED``); a crash between publish and mark publishes again.
        """
        if self.queue is None:
            return 0
        published = 0
        async with engine.begin() as conn:
            ids = (
                await conn.execute(
                    text("""SELECT id FROM export_job WHERE published_at IS NULL AND status = 'pending'
                            ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"""),
                    {"n": limit},
                )
            ).scalars().all()
            for job_id in ids:
                try:
                    await self.queue.publish(self.topic, job_message(job_id), message_id=f"export-job-{job_id}")
                except Exception as exc:  # the broker is down: the next relay tries again
                    log.warning("export.publish_failed", job_id=job_id, error=str(exc))
                    break
                await conn.execute(text("UPDATE export_job SET published_at = now() WHERE id = :i"), {"i": job_id})
                published += 1
        return published

    async def republish(self, engine: AsyncEngine, job_id: int) -> None:
        """Publish one job again (staff replay, reconciliation): marks it unpublished, then relays it."""
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE export_job SET published_at = NULL, updated_at = now() WHERE id = :i"), {"i": job_id}
            )
        if self.queue is not None:
            await self.queue.publish(self.topic, job_message(job_id), message_id=f"export-job-{job_id}-again")
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE export_job SET published_at = now() WHERE id = :i"), {"i": job_id})

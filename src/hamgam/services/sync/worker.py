"""The worker pool: competing consumers that apply batches, ack after commit, retry or dead-letter failures.

Each batch topic has its own consumers (``BATCH_TOPICS``: the fresh lane's and the bulk lane's), so a price or
stock batch is applied while thousands of picture or people batches still wait on theirs.

The consuming, acking and stopping are the shared consumer pool's (``hamgam.services.messaging``); this module
says what a batch delivery means: map its Mahak rows to store rows (the rows a mapping rejects are recorded with
the batch), apply it through the sync repository; on a retry count it on its batch and
run; on a dead letter store the letter and settle the batch as dead in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from hamgam.domain.dead_letters import FailedMessage
from hamgam.domain.errors import MalformedMessage
from hamgam.domain.sync.batch import STORE_ROWS, Batch
from hamgam.ports import Delivery, MessageQueue
from hamgam.ports.sync import AppliedBatchListener, MahakRows, SyncRepository
from hamgam.services.messaging.consumer_pool import ConsumerPool, ConsumerPools
from hamgam.services.messaging.retry_policy import Decision
from hamgam.services.sync.fetcher import BATCH_TOPIC, BATCH_TOPICS
from hamgam.services.sync.transformer import map_batch

log = structlog.get_logger(__name__)


class BatchHandler:
    """A batch delivery's part in the consumer pool (``hamgam.services.messaging.consumer_pool.MessageHandler``)."""

    def __init__(
        self,
        repository: SyncRepository,
        listener: AppliedBatchListener | None = None,
        *,
        topic: str = BATCH_TOPIC,
        mahak_rows: MahakRows | None = None,
    ) -> None:
        self.repository = repository
        self.listener = listener
        #: Reads the Mahak rows of a batch the worker maps (``map_batch``).
        self.mahak_rows = mahak_rows
        #: The topic consumed (where a dead letter is replayed to).
        self.topic = topic

    async def apply(self, delivery: Delivery) -> None:
        batch = Batch.decode(delivery.body)
        if batch.version != STORE_ROWS:
            if self.mahak_rows is None:
                raise MalformedMessage("a batch of Mahak rows, and this worker has no reader of Mahak rows")
            batch = map_batch(batch, self.mahak_rows)
        counts = await self.repository.apply_batch(batch)
        log.debug("sync.batch.applied", batch_id=batch.batch_id, entity=batch.entity, counts=counts)
        if self.listener is not None:  # after the commit; a redelivery announces again (listeners are idempotent)
            await self.listener.batch_applied(batch)

    async def on_retry(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        batch_id, run_id = _ids(delivery.body)
        log.info("sync.batch.retry", batch_id=batch_id, reason=decision.reason, attempt=delivery.attempt)
        if batch_id is not None and run_id is not None:
            await self.repository.note_retry(batch_id, run_id, decision.reason)

    async def on_dead(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        batch_id, run_id = _ids(delivery.body)
        log.warning("sync.batch.dead", batch_id=batch_id, reason=decision.reason, attempt=delivery.attempt)
        letter = FailedMessage(
            topic=self.topic,
            message_id=delivery.message_id,
            body=delivery.body,
            headers=dict(delivery.headers),
            error=decision.reason,
            attempts=delivery.attempt,
        )
        await self.repository.dead_letter_batch(letter, batch_id, run_id)


class BatchWorker(ConsumerPools):
    """``concurrency`` consumers of each batch topic, one pool per topic run as a group (a pool that fails stops
    the others and fails the run). ``stop()`` lets in-flight batches finish, then gives back whatever is still
    unsettled, so a SIGTERM never loses nor half-applies a batch."""

    def __init__(
        self,
        queue: MessageQueue,
        repository: SyncRepository,
        *,
        concurrency: int,
        prefetch: int,
        retry_delays_s: Sequence[float],
        grace_period_s: float = 20.0,
        listener: AppliedBatchListener | None = None,
        mahak_rows: MahakRows | None = None,
    ) -> None:
        self.by_topic = {
            topic: ConsumerPool(
                queue,
                topic,
                BatchHandler(repository, listener, topic=topic, mahak_rows=mahak_rows),
                concurrency=concurrency,
                prefetch=prefetch,
                retry_delays_s=retry_delays_s,
                grace_period_s=grace_period_s,
            )
            for topic in BATCH_TOPICS
        }
        super().__init__(*self.by_topic.values())

    async def handle(self, delivery: Delivery, topic: str = BATCH_TOPIC) -> None:
        """Handle one delivery of ``topic`` as its consumers do (settled exactly once)."""
        await self.by_topic[topic].handle(delivery)


def _ids(body: bytes) -> tuple[int | None, int | None]:
    try:
        batch = Batch.decode(body)
    except ValueError:
        return None, None
    return batch.batch_id, batch.run_id

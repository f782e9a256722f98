"""The worker pool: competing consumers that apply batches, ack after commit, retry or dead-letter failures."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import structlog

from hamgam.domain.sync.batch import Batch
from hamgam.services.sync.fetcher import BATCH_TOPIC
from hamgam.services.messaging.retry_policy import decide

log = structlog.get_logger(__name__)


class BatchWorker:
    """``concurrency`` consumers of the batch topic. ``stop()`` lets in-flight batches finish, then gives back
    whatever is still unsettled, so a SIGTERM never loses nor half-applies a batch."""

    def __init__(
        self,
        queue: Any,
        store: Any,
        dead_letters: Any,
        *,
        concurrency: int,
        prefetch: int,
        retry_delays_s: Sequence[float],
        grace_period_s: float = 20.0,
    ) -> None:
        self.queue = queue
        self.store = store
        self.dead_letters = dead_letters
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.retry_delays_s = list(retry_delays_s)
        self.grace_period_s = grace_period_s
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Future[None]] = set()
        self.applied = 0

    async def run(self) -> None:
        """Consume until ``stop()``; then wait (up to the grace period) for the batches being applied, and stop
        consuming: prefetched deliveries not yet started go back to the queue when the consumers close."""
        consumers = [asyncio.create_task(self._consume()) for _ in range(self.concurrency)]
        try:
            await self._stopping.wait()
        finally:
            if self._in_flight:
                await asyncio.wait(self._in_flight, timeout=self.grace_period_s)
            for task in consumers:
                task.cancel()
            await asyncio.gather(*consumers, return_exceptions=True)

    def stop(self) -> None:
        self._stopping.set()

    async def _consume(self) -> None:
        deliveries = self.queue.consume(BATCH_TOPIC, prefetch=self.prefetch)
        try:
            async for delivery in deliveries:
                if self._stopping.is_set():
                    await delivery.release()
                    return
                # Shielded: cancelling the consumer at shutdown must not cut a batch between its commit and its ack.
                in_flight = asyncio.ensure_future(self.handle(delivery))
                self._in_flight.add(in_flight)
                try:
                    await asyncio.shield(in_flight)
                finally:
                    self._in_flight.discard(in_flight)
        finally:
            # Hand prefetched deliveries back now, not when the connection closes: another consumer may be waiting.
            close = getattr(deliveries, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(close())

    async def handle(self, delivery: Any) -> None:
        """Apply one delivery; settle it exactly once (ack, retry or dead-letter then ack)."""
        try:
            batch = Batch.decode(delivery.body)
            counts = await self.store.apply_batch(batch)
        except Exception as exc:  # every failure ends in a retry or a dead letter, never in silence
            await self._fail(delivery, exc)
            return
        await delivery.ack()
        self.applied += 1
        log.debug("sync.batch.applied", batch_id=batch.batch_id, entity=batch.entity, counts=counts)

    async def _fail(self, delivery: Any, error: Exception) -> None:
        decision = decide(error, delivery.attempt, self.retry_delays_s)
        batch_id, run_id = _ids(delivery.body)
        if decision.dead:
            log.warning(
                "sync.batch.dead", batch_id=batch_id, reason=decision.reason, attempt=delivery.attempt
            )
            async with self.store.engine.begin() as conn:
                await self.dead_letters.add(
                    connection=conn,
                    topic=BATCH_TOPIC,
                    message_id=delivery.message_id,
                    body=delivery.body,
                    headers=dict(delivery.headers),
                    error=decision.reason,
                    attempts=delivery.attempt,
                )
                if batch_id is not None:
                    await self.store.mark_dead(conn, batch_id, run_id, decision.reason)
            await delivery.ack()
            return
        log.info("sync.batch.retry", batch_id=batch_id, reason=decision.reason, attempt=delivery.attempt)
        if batch_id is not None:
            await self.store.note_retry(batch_id, run_id, decision.reason)
        await delivery.retry(decision.reason, decision.retry_after_s)


def _ids(body: bytes) -> tuple[int | None, int | None]:
    try:
        batch = Batch.decode(body)
    except ValueError:
        return None, None
    return batch.batch_id, batch.run_id

"""The consumer pool: competing consumers of one topic that settle every delivery exactly once.

The pool owns what every consumer shares: ``concurrency`` consumers, each holding at most ``prefetch``
deliveries; an ack only after the handler's effect is committed; every failure classified by the retry policy
(``retry_policy.decide``) and routed by the handler to a retry or a dead letter; and a graceful stop. A topic
supplies its ``MessageHandler``: what applying a message means, and what a retry or a dead letter records.

``ConsumerPools`` runs several pools (or groups of them) as one: they start together and stop together, and one
that fails takes the others down and fails the group.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Protocol

import structlog

from hamgam.ports import Delivery, MessageQueue
from hamgam.services.messaging.retry_policy import Decision, decide

log = structlog.get_logger(__name__)


class MessageHandler(Protocol):
    """One topic's part: apply a delivery, and route its failures."""

    async def apply(self, delivery: Delivery) -> None:
        """Apply the message and commit its effect; raise to fail it (the pool acks only after a return)."""

    async def on_retry(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        """Record that the message failed and will be tried again (before the pool schedules the retry)."""

    async def on_dead(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        """Store the dead letter, with whatever else the failure settles, in one transaction (the pool then
        acks the delivery)."""


class Stoppable(Protocol):
    """Anything that runs until asked to stop: a ``ConsumerPool``, or a ``ConsumerPools`` group."""

    async def run(self) -> None:
        """Run until ``stop()``; raise if it cannot go on."""

    def stop(self) -> None:
        """Ask ``run()`` to finish its work in flight and return."""


class ConsumerPools:
    """Several pools run as one. ``run()`` starts them all and returns when the first one ends: then it stops the
    others, waits for them to finish their work in flight, and raises the first one's error if it failed (the
    errors of the others, stopped after it, are not raised). ``stop()`` stops them all."""

    def __init__(self, *pools: Stoppable) -> None:
        self.pools = pools

    async def run(self) -> None:
        tasks = [asyncio.create_task(pool.run()) for pool in self.pools]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()  # a pool that failed fails the group

    def stop(self) -> None:
        for pool in self.pools:
            pool.stop()


class ConsumerPool:
    """``concurrency`` consumers of ``topic``. ``stop()`` lets the deliveries being handled finish (up to
    ``grace_period_s``), then gives back whatever is still unsettled, so a SIGTERM never loses nor half-applies
    a message."""

    def __init__(
        self,
        queue: MessageQueue,
        topic: str,
        handler: MessageHandler,
        *,
        concurrency: int,
        prefetch: int,
        retry_delays_s: Sequence[float],
        grace_period_s: float = 20.0,
    ) -> None:
        self.queue = queue
        self.topic = topic
        self.handler = handler
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.retry_delays_s = list(retry_delays_s)
        self.grace_period_s = grace_period_s
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Future[None]] = set()
        #: Deliveries applied and acked since the pool started.
        self.settled = 0

    async def run(self) -> None:
        """Consume until ``stop()``; then wait (up to the grace period) for the deliveries being handled, and stop
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
        deliveries = self.queue.consume(self.topic, prefetch=self.prefetch)
        try:
            async for delivery in deliveries:
                if self._stopping.is_set():
                    await delivery.release()
                    return
                # Shielded: cancelling the consumer at shutdown must not cut a message between its commit and its ack.
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

    async def handle(self, delivery: Delivery) -> None:
        """Handle one delivery; settle it exactly once (ack, retry, or dead-letter then ack)."""
        try:
            await self.handler.apply(delivery)
        except Exception as exc:  # every failure ends in a retry or a dead letter, never in silence
            await self._fail(delivery, exc)
            return
        await delivery.ack()
        self.settled += 1

    async def _fail(self, delivery: Delivery, error: Exception) -> None:
        decision = decide(error, delivery.attempt, self.retry_delays_s)
        delay_s = decision.retry_after_s
        if delay_s is None:
            await self.handler.on_dead(delivery, error, decision)
            await delivery.ack()
            return
        await self.handler.on_retry(delivery, error, decision)
        await delivery.retry(decision.reason, delay_s)

"""The RabbitMQ queue (aio-pika): quorum queues, retry tiers, publisher confirms, survives reconnects.

The topology is in ``topology.py``. Publishing waits for the broker's confirm, so a returned ``publish`` is a
stored message. Each ``consume`` opens its own channel with per-consumer QoS (``prefetch``) and manual acks.
``retry`` publishes a copy to the retry tier (the smallest one at least ``delay_s`` long; the longest when
none is), waits for its confirm, then acks the original: a crash in between yields a duplicate, never a loss.

One robust connection per ``RabbitQueue``: after a broker restart or a cut connection it reconnects,
re-declares and re-consumes, and consumer iterators keep yielding. Deliveries from the lost channel cannot be
settled any more; the broker hands them out again (at-least-once), and settling one is logged and ignored.

Quorum queues count every return (``release``, a closed channel, a lost connection) towards
``x-delivery-limit``; past it the broker dead-letters the message to ``{prefix}.{topic}.dead``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError, DeliveryError

from hamgam.adapters.queue.common import (
    AlreadySettledError,
    attempt_of,
    new_message_id,
    plain_headers,
    retry_headers,
)
from hamgam.adapters.queue.topology import (
    DEFAULT_DELIVERY_LIMIT,
    TopicNames,
    declare_topic,
    delete_topic,
    main_arguments,
    topic_names,
)

log = structlog.get_logger(__name__)

#: Seconds to wait for the broker to confirm a connection close before giving up on it.
CLOSE_TIMEOUT_S = 5.0

#: Default retry tiers (seconds), as in ``SyncSettings.retry_delays_s``.
DEFAULT_RETRY_DELAYS_S = (5.0, 30.0, 120.0, 600.0, 3600.0)
#: Failures a ``publish`` rides out (waiting for the reconnect in between) before it gives up.
PUBLISH_ATTEMPTS = 5
_LOST = (AMQPError, ConnectionError, OSError, RuntimeError)


class RabbitDelivery:
    def __init__(self, consumer: _RabbitConsumer, message: AbstractIncomingMessage) -> None:
        self._consumer = consumer
        self._message = message
        self.topic = consumer.topic
        self.message_id: str = message.message_id or ""
        self.body: bytes = message.body
        self.headers: Mapping[str, Any] = plain_headers(message.headers)
        self.attempt = attempt_of(self.headers)
        self._settled = False

    async def ack(self) -> None:
        self._settle()
        await self._safely(self._message.ack())

    async def retry(self, error: str, delay_s: float) -> None:
        self._settle()
        queue = self._consumer.queue
        names = await queue.declare(self.topic)
        copy = queue.message(self.body, retry_headers(self.headers, error), self.message_id)
        try:
            await queue.publish_to(names.tier_for(delay_s), copy)
        except BaseException:
            # No durable copy: hand the original back rather than hold it unsettled forever.
            await self._safely(self._message.nack(requeue=True))
            raise
        await self._safely(self._message.ack())

    async def release(self) -> None:
        self._settle()
        await self._safely(self._message.nack(requeue=True))

    def _settle(self) -> None:
        if self._settled:
            raise AlreadySettledError(self.message_id)
        self._settled = True
        self._consumer.unsettled.discard(self)

    async def _safely(self, settling: Any) -> None:
        try:
            await settling
        except (ChannelInvalidStateError, *_LOST):
            # The channel this came on is gone; the broker has already put the message back.
            log.warning("queue.settle_on_lost_channel", topic=self.topic, message_id=self.message_id)


class _RabbitConsumer:
    _CLOSED = object()

    def __init__(self, queue: RabbitQueue, topic: str, prefetch: int) -> None:
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        self.queue = queue
        self.topic = topic
        self.prefetch = prefetch
        self.unsettled: set[RabbitDelivery] = set()
        self.closed = False
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._channel: AbstractRobustChannel | None = None
        self._start_lock = asyncio.Lock()

    def __aiter__(self) -> _RabbitConsumer:
        return self

    async def __anext__(self) -> RabbitDelivery:
        await self._start()
        while True:
            if self.closed:
                raise StopAsyncIteration
            item = await self._inbox.get()
            if item is self._CLOSED:
                self._inbox.put_nowait(item)
                continue
            try:
                item.channel  # noqa: B018 - raises when the channel it came on is gone
            except ChannelInvalidStateError:
                continue  # delivered before a reconnect; the broker redelivers it on the new channel
            delivery = RabbitDelivery(self, item)
            self.unsettled.add(delivery)
            return delivery

    async def _start(self) -> None:
        async with self._start_lock:
            if self._channel is not None or self.closed:
                return
            names = await self.queue.declare(self.topic)
            connection = await self.queue.connection()
            channel = await connection.channel(publisher_confirms=False)
            await channel.set_qos(prefetch_count=self.prefetch)
            amqp_queue = await channel.declare_queue(
                names.main, durable=True, arguments=main_arguments(names, self.queue.delivery_limit)
            )
            await amqp_queue.consume(self._on_message)
            self._channel = channel  # the robust connection keeps only weak references to its channels

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self._inbox.put_nowait(message)

    async def aclose(self) -> None:
        """Stop this consumer; the broker returns its unsettled deliveries to the queue."""
        if self.closed:
            return
        self.closed = True
        self._inbox.put_nowait(self._CLOSED)
        self.queue._consumers.discard(self)
        self.unsettled.clear()
        if self._channel is not None:
            with contextlib.suppress(*_LOST):
                await self._channel.close()


class RabbitQueue:
    """``MessageQueue`` over RabbitMQ.

    Parameters:
        url: ``amqp://user:pass@host:port/vhost``.
        prefix: first part of every queue name (``{prefix}.{topic}``…).
        retry_delays_s: the retry tiers; fixed at declaration (changing them needs new queues for the tiers).
        delivery_limit: ``x-delivery-limit`` of the main queues (see ``topology.DEFAULT_DELIVERY_LIMIT``).
        reconnect_interval_s: pause between reconnection attempts.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "hamgam",
        retry_delays_s: Sequence[float] = DEFAULT_RETRY_DELAYS_S,
        delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
        reconnect_interval_s: float = 2.0,
        publish_timeout_s: float = 30.0,
    ) -> None:
        if not retry_delays_s:
            raise ValueError("at least one retry tier is needed")
        self.url = url
        self.prefix = prefix
        self.retry_delays_s = tuple(retry_delays_s)
        self.delivery_limit = delivery_limit
        self.reconnect_interval_s = reconnect_interval_s
        self.publish_timeout_s = publish_timeout_s
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._connect_lock = asyncio.Lock()
        self._declared: dict[str, TopicNames] = {}
        self._consumers: set[_RabbitConsumer] = set()
        self._closed = False

    def names(self, topic: str) -> TopicNames:
        return topic_names(self.prefix, topic, self.retry_delays_s)

    @property
    def declared_topics(self) -> list[str]:
        return list(self._declared)

    async def connection(self) -> AbstractRobustConnection:
        await self._connect()
        assert self._connection is not None
        return self._connection

    async def _connect(self) -> AbstractRobustChannel:
        if self._closed:
            raise RuntimeError("queue is closed")
        async with self._connect_lock:
            if self._channel is None:
                self._connection = await aio_pika.connect_robust(self.url, reconnect_interval=self.reconnect_interval_s)
                self._channel = await self._connection.channel(publisher_confirms=True)
        return self._channel

    async def declare(self, topic: str) -> TopicNames:
        """Declare the topic's queues once per queue object (idempotent on the broker too)."""
        names = self._declared.get(topic)
        if names is None:
            channel = await self._connect()
            names = await declare_topic(channel, self.prefix, topic, self.retry_delays_s, self.delivery_limit)
            self._declared[topic] = names
        return names

    def message(self, body: bytes, headers: Mapping[str, Any], message_id: str) -> aio_pika.Message:
        return aio_pika.Message(
            body=bytes(body),
            headers=dict(headers),
            message_id=message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )

    async def publish(
        self,
        topic: str,
        body: bytes,
        *,
        headers: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> None:
        names = await self.declare(topic)
        await self.publish_to(names.main, self.message(body, headers or {}, message_id or new_message_id()))

    async def publish_to(self, queue_name: str, message: aio_pika.Message) -> None:
        """Publish to one queue and return once the broker confirmed it; rides out a reconnect.

        A publish cut off before its confirm is sent again, so a message may be stored twice (never lost).
        A broker nack or an unroutable message raises ``DeliveryError``.
        """
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            channel = await self._connect()
            try:
                await channel.default_exchange.publish(
                    message, routing_key=queue_name, mandatory=True, timeout=self.publish_timeout_s
                )
                return
            except DeliveryError:
                raise
            except (*_LOST, TimeoutError):
                if attempt == PUBLISH_ATTEMPTS or self._closed:
                    raise
                log.warning("queue.publish_interrupted", queue=queue_name, attempt=attempt)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(channel.ready(), self.publish_timeout_s)

    def consume(self, topic: str, *, prefetch: int) -> _RabbitConsumer:
        if self._closed:
            raise RuntimeError("queue is closed")
        consumer = _RabbitConsumer(self, topic, prefetch)
        self._consumers.add(consumer)
        return consumer

    async def depth(self, topic: str) -> int:
        """Ready messages in the main queue and every retry tier (unacked deliveries are not counted)."""
        names = await self.declare(topic)
        channel = await self._connect()
        total = 0
        for name in (names.main, *names.tiers.values()):
            declared = await channel.declare_queue(name, passive=True, robust=False)
            total += declared.declaration_result.message_count or 0
        return total

    async def dead_count(self, topic: str) -> int:
        """Messages the broker's backstop dead-lettered and the drain has not moved yet."""
        names = await self.declare(topic)
        channel = await self._connect()
        declared = await channel.declare_queue(names.dead, passive=True, robust=False)
        return declared.declaration_result.message_count or 0

    async def delete_topic(self, topic: str) -> None:
        """Delete every queue of ``topic`` with its messages (tests, uninstall)."""
        channel = await self._connect()
        declared = self._declared.pop(topic) if topic in self._declared else self.names(topic)
        await delete_topic(channel, declared)

    async def close(self) -> None:
        for consumer in list(self._consumers):
            await consumer.aclose()
        self._closed = True
        if self._connection is not None:
            # A broker that already dropped us (missed heartbeats) never answers the close handshake.
            with contextlib.suppress(*_LOST, TimeoutError):
                await asyncio.wait_for(self._connection.close(), CLOSE_TIMEOUT_S)
        self._connection = self._channel = None

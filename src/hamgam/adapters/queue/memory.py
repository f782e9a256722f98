"""The in-process queue: same contract as the real adapters, for unit tests and dev mode.

State lives in a ``MemoryBroker``; several ``MemoryQueue`` objects sharing one broker behave like several
connections to one server (what one publishes, another consumes), which is how the contract tests check
durability. Nothing survives the process.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from hamgam.adapters.queue.common import (
    AlreadySettledError,
    attempt_of,
    new_message_id,
    retry_headers,
)

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class _Message:
    message_id: str
    body: bytes
    headers: dict[str, Any]
    #: Deliveries that ended without being settled (the poison backstop counts these).
    unsettled_deliveries: int = 0


@dataclass(frozen=True, slots=True)
class MemoryDeadLetter:
    topic: str
    message_id: str
    body: bytes
    headers: dict[str, Any]
    error: str


@dataclass(slots=True)
class _Topic:
    ready: deque[_Message] = field(default_factory=deque)
    delayed: set[asyncio.TimerHandle] = field(default_factory=set)
    wake_event: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        """Wake every waiting consumer; each re-checks what it waits for."""
        self.wake_event.set()
        self.wake_event = asyncio.Event()


class MemoryBroker:
    """The shared "server" of memory queues; ``dead_letters`` collects what the poison backstop removed."""

    def __init__(self) -> None:
        self.topics: dict[str, _Topic] = {}
        self.dead_letters: list[MemoryDeadLetter] = []

    def topic(self, name: str) -> _Topic:
        return self.topics.setdefault(name, _Topic())

    def put(self, topic: str, message: _Message, *, front: bool = False) -> None:
        state = self.topic(topic)
        if front:
            state.ready.appendleft(message)
        else:
            state.ready.append(message)
        state.wake()

    def put_later(self, topic: str, message: _Message, delay_s: float) -> None:
        state = self.topic(topic)

        def due() -> None:
            state.delayed.discard(handle)
            self.put(topic, message)

        handle = asyncio.get_running_loop().call_later(max(0.0, delay_s), due)
        state.delayed.add(handle)


class MemoryDelivery:
    def __init__(self, consumer: _MemoryConsumer, message: _Message) -> None:
        self._consumer = consumer
        self._message = message
        self.topic = consumer.topic
        self.message_id = message.message_id
        self.body = message.body
        self.headers: Mapping[str, Any] = dict(message.headers)
        self.attempt = attempt_of(message.headers)
        self._settled = False

    async def ack(self) -> None:
        self._settle()

    async def retry(self, error: str, delay_s: float) -> None:
        if self._settle():
            copy = _Message(self.message_id, self.body, retry_headers(self._message.headers, error))
            self._consumer.broker.put_later(self.topic, copy, delay_s)

    async def release(self) -> None:
        if self._settle():
            self._message.unsettled_deliveries -= 1
            self._consumer.broker.put(self.topic, self._message, front=True)

    def _settle(self) -> bool:
        """Mark settled; False when the delivery was already handed back (its consumer closed)."""
        if self._settled:
            raise AlreadySettledError(self.message_id)
        self._settled = True
        live = self._consumer.unsettled.pop(id(self), None) is not None
        if not live:
            log.warning("queue.settle_after_close", topic=self.topic, message_id=self.message_id)
        self._consumer.broker.topic(self.topic).wake()
        return live


class _MemoryConsumer:
    def __init__(self, queue: MemoryQueue, topic: str, prefetch: int) -> None:
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        self.queue = queue
        self.broker = queue.broker
        self.topic = topic
        self.prefetch = prefetch
        self.unsettled: dict[int, MemoryDelivery] = {}
        self.closed = False

    def __aiter__(self) -> _MemoryConsumer:
        return self

    async def __anext__(self) -> MemoryDelivery:
        state = self.broker.topic(self.topic)
        while True:
            if self.closed:
                raise StopAsyncIteration
            if len(self.unsettled) < self.prefetch and state.ready:
                message = state.ready.popleft()
                if message.unsettled_deliveries >= self.queue.max_deliveries:
                    self.broker.dead_letters.append(
                        MemoryDeadLetter(
                            self.topic,
                            message.message_id,
                            message.body,
                            message.headers,
                            f"delivered {message.unsettled_deliveries} times without being settled",
                        )
                    )
                    continue
                message.unsettled_deliveries += 1
                delivery = MemoryDelivery(self, message)
                self.unsettled[id(delivery)] = delivery
                return delivery
            await state.wake_event.wait()

    async def aclose(self) -> None:
        """Stop this consumer; its unsettled deliveries go back to the front of the topic."""
        if self.closed:
            return
        self.closed = True
        self.queue.consumers.discard(self)
        state = self.broker.topic(self.topic)
        for delivery in reversed(list(self.unsettled.values())):
            state.ready.appendleft(delivery._message)
        self.unsettled.clear()
        state.wake()


class MemoryQueue:
    """In-process ``MessageQueue``. ``max_deliveries`` is the poison backstop, as in the real adapters."""

    def __init__(self, broker: MemoryBroker | None = None, *, max_deliveries: int = 20) -> None:
        self.broker = broker or MemoryBroker()
        self.max_deliveries = max_deliveries
        self.consumers: set[_MemoryConsumer] = set()
        self._closed = False

    async def publish(
        self,
        topic: str,
        body: bytes,
        *,
        headers: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> None:
        self._check_open()
        self.broker.put(topic, _Message(message_id or new_message_id(), bytes(body), dict(headers or {})))

    def consume(self, topic: str, *, prefetch: int) -> _MemoryConsumer:
        self._check_open()
        consumer = _MemoryConsumer(self, topic, prefetch)
        self.consumers.add(consumer)
        return consumer

    async def depth(self, topic: str) -> int:
        state = self.broker.topic(topic)
        return len(state.ready) + len(state.delayed)

    async def close(self) -> None:
        self._closed = True
        for consumer in list(self.consumers):
            await consumer.aclose()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("queue is closed")

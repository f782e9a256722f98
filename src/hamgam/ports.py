"""The ports: what the services need from the outside world, as Protocols.

Each port has adapters under ``hamgam.adapters`` and an in-package fake for unit tests and dev mode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol


class Delivery(Protocol):
    """One message handed to a consumer. Exactly one of ``ack``, ``retry`` or ``release`` settles it.

    The consumer acks only after the message's effect is committed; a crash before that redelivers it.
    """

    message_id: str
    body: bytes
    headers: Mapping[str, Any]
    #: 1 on the first delivery, counting retries scheduled through ``retry``.
    attempt: int

    async def ack(self) -> None:
        """The effect is committed: forget the message."""

    async def retry(self, error: str, delay_s: float) -> None:
        """Deliver a copy again after ``delay_s`` with ``attempt + 1`` and the error kept, then drop this one.

        The copy is durable before the original is dropped: a crash in between yields a duplicate, never a loss.
        """

    async def release(self) -> None:
        """Give the message back untouched (shutdown): it is delivered again without counting an attempt."""


class MessageQueue(Protocol):
    """Durable topics with competing consumers: the broker of the sync batches, exports and events."""

    async def publish(
        self, topic: str, body: bytes, *, headers: Mapping[str, Any] | None = None, message_id: str | None = None
    ) -> None:
        """Return only once the message is durably stored (publisher confirm or committed row)."""

    def consume(self, topic: str, *, prefetch: int) -> AsyncIterator[Delivery]:
        """Yield deliveries of ``topic``, at most ``prefetch`` unsettled at once, until the queue is closed."""

    async def depth(self, topic: str) -> int:
        """Messages waiting in ``topic`` (ready or delayed for retry), for metrics and autoscaling."""

    async def close(self) -> None:
        """Stop consuming; unsettled deliveries go back to the queue."""

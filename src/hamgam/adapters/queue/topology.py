"""The RabbitMQ topology of one topic, declared idempotently (RabbitMQ 3.10, no plugins).

For topic ``T`` under prefix ``P``:

- ``P.T``: the main quorum queue. ``x-delivery-limit`` is the poison backstop: a message returned that many
  times without being settled (consumer crash, lost connection, ``release``) is dead-lettered, at least once
  (``x-dead-letter-strategy=at-least-once`` needs ``x-overflow=reject-publish``), to ``P.T.dead``.
- ``P.T.retry.<tier>`` (``200ms``, ``5s``, ``2m``…): one quorum queue per retry delay with a fixed
  ``x-message-ttl``, dead-lettering back to ``P.T`` when it expires. A fixed TTL per queue keeps expiry in
  FIFO order, unlike per-message TTLs, which only expire at the head of the queue.
- ``P.T.dead``: a quorum queue the broker's backstop fills; ``drain_broker_dead_letters`` moves it into the
  ``dead_letter`` table, the one place staff look.

Everything goes through the default exchange (routing key = queue name), so no exchanges or bindings exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractRobustChannel

from hamgam.adapters.queue.common import pick_tier, tier_label

#: Default for ``x-delivery-limit``. Quorum queues count every return, ``release`` included, so it is set well
#: above the handful of restarts a healthy message may live through.
DEFAULT_DELIVERY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class TopicNames:
    main: str
    dead: str
    #: Retry tier delay (seconds) → queue name, shortest first.
    tiers: dict[float, str]

    def tier_for(self, delay_s: float) -> str:
        return self.tiers[pick_tier(list(self.tiers), delay_s)]

    @property
    def all(self) -> list[str]:
        return [self.main, *self.tiers.values(), self.dead]


def topic_names(prefix: str, topic: str, retry_delays_s: Sequence[float]) -> TopicNames:
    main = f"{prefix}.{topic}"
    tiers = {float(d): f"{main}.retry.{tier_label(d)}" for d in sorted(set(retry_delays_s))}
    return TopicNames(main=main, dead=f"{main}.dead", tiers=tiers)


def _dead_lettering_to(queue: str) -> dict[str, Any]:
    return {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def main_arguments(names: TopicNames, delivery_limit: int) -> dict[str, Any]:
    return {"x-queue-type": "quorum", "x-delivery-limit": delivery_limit, **_dead_lettering_to(names.dead)}


def tier_arguments(names: TopicNames, delay_s: float) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-message-ttl": max(1, round(delay_s * 1000)),
        **_dead_lettering_to(names.main),
    }


DEAD_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum"}


async def declare_topic(
    channel: AbstractRobustChannel,
    prefix: str,
    topic: str,
    retry_delays_s: Sequence[float],
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
) -> TopicNames:
    """Declare the topic's queues; a no-op when they exist with the same arguments (a mismatch fails)."""
    names = topic_names(prefix, topic, retry_delays_s)
    await channel.declare_queue(names.dead, durable=True, arguments=DEAD_ARGUMENTS, robust=False)
    await channel.declare_queue(names.main, durable=True, arguments=main_arguments(names, delivery_limit), robust=False)
    for delay_s, name in names.tiers.items():
        await channel.declare_queue(name, durable=True, arguments=tier_arguments(names, delay_s), robust=False)
    return names


async def delete_topic(channel: AbstractChannel, names: TopicNames) -> None:
    """Delete every queue of the topic, messages included (tests and uninstall)."""
    for name in names.all:
        await channel.queue_delete(name)

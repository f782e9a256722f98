"""The queue adapters under one contract: each test runs against memory, PostgreSQL and RabbitMQ."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.queue.memory import MemoryBroker, MemoryQueue
from hamgam.adapters.queue.postgres import PostgresQueue
from hamgam.adapters.queue.rabbitmq import RabbitQueue
from tests.queue_helpers import TEST_RETRY_DELAYS_S

#: Makes a new queue object over the same backend, as another process or connection would.
QueueFactory = Callable[..., Any]


@pytest.fixture(params=["memory", "postgres", "rabbitmq"])
async def make_queue(request: pytest.FixtureRequest) -> AsyncIterator[QueueFactory]:
    kind: str = request.param
    queues: list[Any] = []
    engines: list[Any] = []
    broker = MemoryBroker()
    database_url = request.getfixturevalue("database_url") if kind == "postgres" else None
    rabbitmq_url = request.getfixturevalue("rabbitmq_url") if kind == "rabbitmq" else None
    prefix = request.getfixturevalue("queue_prefix")

    def make(**options: Any) -> Any:
        if kind == "memory":
            queue: Any = MemoryQueue(broker, **options)
        elif kind == "postgres":
            engine = create_engine(database_url)  # type: ignore[arg-type]
            engines.append(engine)
            queue = PostgresQueue(engine, **options)
        else:
            queue = RabbitQueue(
                rabbitmq_url,  # type: ignore[arg-type]
                prefix=prefix,
                retry_delays_s=TEST_RETRY_DELAYS_S,
                reconnect_interval_s=0.2,
                **options,
            )
        queues.append(queue)
        return queue

    make.kind = kind  # type: ignore[attr-defined]
    yield make
    for queue in queues:
        await queue.close()
    if kind == "rabbitmq":
        topics = {topic for queue in queues for topic in queue.declared_topics}
        cleaner = RabbitQueue(rabbitmq_url, prefix=prefix, retry_delays_s=TEST_RETRY_DELAYS_S)  # type: ignore[arg-type]
        for topic in topics:
            await cleaner.delete_topic(topic)
        await cleaner.close()
    for engine in engines:
        await engine.dispose()

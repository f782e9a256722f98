"""``build_queue`` picks the adapter from the settings."""

from __future__ import annotations

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.queue.factory import build_queue
from hamgam.adapters.queue.postgres import PostgresQueue
from hamgam.adapters.queue.rabbitmq import RabbitQueue
from hamgam.settings import Settings


async def test_without_rabbitmq_url_the_postgres_queue_is_used() -> None:
    engine = create_engine("postgresql://nobody@127.0.0.1:1/none")
    queue = await build_queue(Settings(rabbitmq_url=None), engine)
    assert isinstance(queue, PostgresQueue)
    await engine.dispose()


async def test_with_rabbitmq_url_the_rabbitmq_queue_is_used(rabbitmq_url: str, queue_prefix: str) -> None:
    engine = create_engine("postgresql://nobody@127.0.0.1:1/none")
    settings = Settings(rabbitmq_url=rabbitmq_url, queue_prefix=queue_prefix)
    settings.sync.retry_delays_s = [0.2, 0.5]
    queue = await build_queue(settings, engine)
    assert isinstance(queue, RabbitQueue)
    assert (queue.prefix, queue.retry_delays_s) == (queue_prefix, (0.2, 0.5))
    await queue.close()
    await engine.dispose()

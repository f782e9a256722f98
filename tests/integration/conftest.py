"""Fixtures of the sync suites: the Mahak simulator over HTTP and a container on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from hamgam.bootstrap import Container, build
from hamgam.settings import Settings
from hamgam_sim.mahak.server import RunningSimulator, serve_in_thread
from hamgam_sim.mahak.simulator import MahakSimulator

SMALL_CATALOGUE = 60


@pytest.fixture(scope="module")
def mahak() -> Iterator[RunningSimulator]:
    """One simulator per module; each test resets it to the data and switches it needs."""
    with serve_in_thread(MahakSimulator(products=SMALL_CATALOGUE)) as running:
        yield running


@pytest.fixture
def fresh_mahak(mahak: RunningSimulator) -> RunningSimulator:
    mahak.control.reset(products=SMALL_CATALOGUE, seed=7)
    return mahak


async def delete_test_queues(container: Container) -> None:
    """Quorum queues are heavy for the broker: a test removes the ones it declared."""
    from hamgam.adapters.queue.rabbitmq import RabbitQueue
    from hamgam.services.store.pictures import PICTURES_TOPIC
    from hamgam.services.sync.fetcher import BATCH_TOPICS

    if isinstance(container.queue, RabbitQueue):
        for topic in (*BATCH_TOPICS, PICTURES_TOPIC):
            await container.queue.delete_topic(topic)


def sync_settings(
    database_url: str, mahak_url: str, rabbitmq_url: str | None, queue_prefix: str, **sync: Any
) -> Settings:
    return Settings(
        database_url=database_url,
        rabbitmq_url=rabbitmq_url,
        queue_prefix=queue_prefix,
        mahak={
            "base_url": mahak_url,
            "page_size": 25,
            "backoff_initial_s": 0.01,
            "backoff_max_s": 0.2,
            "rate_per_s": 1000,
            "rate_burst": 1000,
            "timeout_s": 5,
            "read_attempts": 6,
        },
        sync={"workers": 2, "prefetch": 4, "retry_delays_s": [0.2, 0.3, 0.4], **sync},
    )


@pytest.fixture(params=["postgres", "rabbitmq"])
def queue_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_container(
    request: pytest.FixtureRequest, database_url: str, queue_prefix: str, queue_kind: str
) -> Callable[..., Any]:
    rabbitmq_url = request.getfixturevalue("rabbitmq_url") if queue_kind == "rabbitmq" else None

    @asynccontextmanager
    async def make(mahak_url: str, **sync: Any) -> AsyncIterator[Container]:
        container = await build(sync_settings(database_url, mahak_url, rabbitmq_url, queue_prefix, **sync))
        try:
            yield container
        finally:
            await delete_test_queues(container)
            await container.aclose()

    return make

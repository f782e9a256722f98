"""The broker goes away during a run (every connection cut, new ones refused for a while): the run completes
and the store equals Mahak. The connection runs through a TCP proxy the test controls."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

import pytest

from hamgam.bootstrap import build
from hamgam.domain.sync.entities import entity_named
from tests.integration.conftest import delete_test_queues, sync_settings
from tests.integration.store_equals_mahak import assert_store_matches_mahak
from tests.integration.test_sync_end_to_end import running_worker
from tests.queue_helpers import TcpProxy


def through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}"))


@pytest.mark.parametrize("queue_kind", ["rabbitmq"], indirect=True)
async def test_run_completes_when_the_broker_connection_is_cut_twice(
    mahak, database_url, rabbitmq_url, queue_prefix, queue_kind
) -> None:
    mahak.control.reset(products=400, seed=5)
    mahak.control.add_fault("latency", "getalldata", times=None, param=0.2)  # a run of several seconds
    target = urlsplit(rabbitmq_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5672)
    await proxy.start()
    container = await build(sync_settings(database_url, mahak.base_url, through(proxy, rabbitmq_url), queue_prefix))
    try:
        container.fetcher.page_size = 20
        async with running_worker(container):
            # given a run under way
            run = asyncio.create_task(container.fetcher.run("Product"))
            await asyncio.sleep(0.5)
            # when the broker connection is cut and refused for a second, and cut again once the client is back
            connected = proxy.accepted
            await proxy.cut(outage_s=1.0)
            await proxy.reconnection(beyond=connected)
            connected = proxy.accepted
            await proxy.cut()
            result = await asyncio.wait_for(run, 120)
            await proxy.reconnection(beyond=connected)
        mahak.control.clear_faults()
        # then the run completes, every batch applied, and the store equals Mahak
        assert result.status == "succeeded"
        await assert_store_matches_mahak(container, mahak.control, entities=[entity_named("Product")])
        assert result.stats["rows_inserted"] == len(mahak.control.rows("Product"))
    finally:
        await delete_test_queues(container)
        await container.aclose()
        await proxy.stop()

"""Property: whatever Mahak does (changes, deletes, re-creations), however pages come (sizes, order, duplicates,
either cursor filter), and however delivery goes (duplicates, crashes before and after commit), the store ends
equal to Mahak."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hamgam.bootstrap import build
from hamgam.domain.sync.entities import entity_named
from tests.conftest import fresh_database
from tests.integration.conftest import sync_settings
from tests.integration.store_equals_mahak import assert_store_matches_mahak, assert_store_offers_what_mahak_offers
from tests.integration.test_sync_end_to_end import running_worker

PRODUCTS = 30
IDS = st.lists(st.integers(1, PRODUCTS), min_size=1, max_size=6, unique=True)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("rename"), IDS, st.text("ابپتثجک ي ك ۱۲3", min_size=1, max_size=12)),
        st.tuples(st.just("delete"), IDS),
        st.tuples(st.just("recreate"), IDS),
        st.tuples(st.just("sync"), st.sampled_from([3, 7, 25, 100])),
    ),
    min_size=1,
    max_size=7,
)
quirks = st.fixed_dictionaries(
    {
        "cursor_filter": st.sampled_from([">", ">="]),
        "unsorted": st.booleans(),
        "duplicate_rows": st.booleans(),
        "row_version_mode": st.sampled_from(["batch", "row"]),
    }
)
deliveries = st.fixed_dictionaries(
    {
        "duplicate_every": st.sampled_from([0, 2, 3]),
        "crash_after_commit_every": st.sampled_from([0, 2, 5]),
        "crash_before_commit_every": st.sampled_from([0, 3, 4]),
    }
)


class CrashingStore:
    """The real store, but the first delivery of some batches dies before or after its commit (as a killed
    worker would); the redelivery then goes through."""

    def __init__(self, store: Any, after_every: int, before_every: int) -> None:
        self._store = store
        self._crashed: set[int] = set()
        self.after_every, self.before_every = after_every, before_every

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _first_time(self, batch: Any, every: int) -> bool:
        if every and batch.batch_id % every == 0 and batch.batch_id not in self._crashed:
            self._crashed.add(batch.batch_id)
            return True
        return False

    async def apply_batch(self, batch: Any) -> Any:
        if self._first_time(batch, self.before_every):
            raise ConnectionError("worker died before commit")
        result = await self._store.apply_batch(batch)
        if self._first_time(batch, self.after_every):
            raise ConnectionError("worker died after commit, before ack")
        return result


class DuplicatingQueue:
    """Delivers some messages twice (at-least-once brokers do)."""

    def __init__(self, queue: Any, every: int) -> None:
        self._queue = queue
        self._count = itertools.count(1)
        self.every = every

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)

    async def publish(self, topic: str, body: bytes, **kwargs: Any) -> None:
        await self._queue.publish(topic, body, **kwargs)
        if self.every and next(self._count) % self.every == 0:
            kwargs.pop("message_id", None)
            await self._queue.publish(topic, body, **kwargs)


def apply_step(control: Any, step: tuple) -> None:
    kind = step[0]
    if kind == "rename":
        control.upsert_rows("Product", [{"ProductId": i, "Name": f"{step[2]} {i}"} for i in step[1]])
    elif kind == "delete":
        control.delete_rows("Product", list(step[1]))
    elif kind == "recreate":
        control.upsert_rows("Product", [{"ProductId": i, "Deleted": False} for i in step[1]])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, quirks=quirks, deliveries=deliveries)
async def test_store_always_ends_equal_to_mahak(
    mahak, postgres_server_url, migrated_template, queue_prefix, steps, quirks, deliveries
) -> None:
    mahak.control.reset(products=PRODUCTS, seed=11, switches=quirks, batch_rows=4)
    with fresh_database(postgres_server_url, migrated_template) as database_url:
        container = await build(sync_settings(database_url, mahak.base_url, None, queue_prefix))
        try:
            container.sync_repository = CrashingStore(
                container.sync_repository,
                deliveries["crash_after_commit_every"],
                deliveries["crash_before_commit_every"],
            )
            container.fetcher.queue = DuplicatingQueue(container.queue, deliveries["duplicate_every"])
            async with running_worker(container):
                for step in steps:
                    if step[0] == "sync":
                        container.fetcher.page_size = step[1]
                        await container.fetcher.run("Product")
                    else:
                        apply_step(mahak.control, step)
                final = await container.fetcher.run("Product")
            assert final.status == "succeeded"
            await assert_store_matches_mahak(container, mahak.control, entities=[entity_named("Product")])
        finally:
            await container.aclose()


#: What the catalogue needs from Mahak to decide what is on sale, parents first.
OFFER_ENTITIES = ("Product", "ProductDetail", "VisitorProduct")
DETAILS = 36  #: detail ids rounds pick from (30 products have more than that)
DETAIL_IDS = st.lists(st.integers(1, DETAILS), max_size=8, unique=True)
rounds = st.lists(st.tuples(DETAIL_IDS, DETAIL_IDS), min_size=1, max_size=5)
offer_quirks = st.fixed_dictionaries(
    {
        "noisy_child_deletes": st.booleans(),
        "row_version_mode": st.sampled_from(["batch", "row"]),
        "cursor_filter": st.sampled_from([">", ">="]),
    }
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=rounds, quirks=offer_quirks, page_size=st.sampled_from([3, 10, 100]))
async def test_store_offers_what_mahak_offers_through_send_receive_rounds(
    mahak, postgres_server_url, migrated_template, queue_prefix, rounds, quirks, page_size
) -> None:
    # given a synced store and a Mahak whose ProductDetail flags may be noise
    mahak.control.reset(products=PRODUCTS, seed=11, switches=quirks, batch_rows=4)
    with fresh_database(postgres_server_url, migrated_template) as database_url:
        container = await build(sync_settings(database_url, mahak.base_url, None, queue_prefix))
        try:
            container.fetcher.page_size = page_size
            async with running_worker(container):
                for entity in OFFER_ENTITIES:
                    await container.fetcher.run(entity)
                await assert_store_offers_what_mahak_offers(container, mahak.control)
                for take_off, put_back in rounds:
                    # when a send/receive round takes details off the site and puts others back (old deleted
                    # link rows stay behind), and the sync follows
                    mahak.control.send_receive(take_off=take_off, put_back=put_back)
                    for entity in OFFER_ENTITIES:
                        result = await container.fetcher.run(entity)
                        assert result.status == "succeeded", result
                    # then the store sells exactly what Mahak offers the site, with its stock
                    await assert_store_offers_what_mahak_offers(container, mahak.control)
        finally:
            await container.aclose()

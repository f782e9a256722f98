"""Mahak misbehaving in every way the contract warns about: the store still ends equal to Mahak.

A poison batch ends in the dead-letter queue after its attempts while the rest of the run goes on; once its
cause is fixed, replay applies it once.
"""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import text

from hamgam.services.dead_letters.actions import edit, replay
from tests.integration.store_equals_mahak import assert_store_matches_mahak
from tests.integration.test_sync_end_to_end import running_worker, sync_all
from tests.queue_helpers import eventually

CATALOGUE = [
    "Store",
    "ProductCategory",
    "Product",
    "ProductDetail",
    "ProductDetailStoreAsset",
    "VisitorProduct",
]

FAULTS = {
    "rate_limited": [{"kind": "rate_limit", "path": "getalldata", "times": 3, "every": 2, "param": 0.05}],
    "server_errors": [{"kind": "server_error", "path": "getalldata", "times": 3, "every": 2, "param": 502}],
    "timeouts": [{"kind": "timeout", "path": "getalldata", "times": 2, "after": 1, "param": 8}],
    "dropped_connections": [{"kind": "drop", "path": "getalldata", "times": 2, "after": 1}],
    "malformed_json": [{"kind": "malformed_json", "path": "getalldata", "times": 2, "after": 2}],
    "token_expiry_mid_run": [{"kind": "token_expiry", "path": "getalldata", "times": 1, "after": 3}],
}

SWITCHES = {
    "cursor_filter_ge": {"cursor_filter": ">="},
    "duplicate_rows": {"duplicate_rows": True},
    "unsorted_pages": {"unsorted": True},
    "noisy_child_deletes": {"noisy_child_deletes": True},
    "row_version_per_row": {"row_version_mode": "row"},
    # a cap below the asked page size (200) but above the largest RowVersion group (75 rows)
    "server_page_cap_below_asked": {"page_size_cap": 80},
}


async def sync_catalogue(container) -> None:
    for entity in CATALOGUE:
        result = await container.fetcher.run(entity)
        assert result.status == "succeeded", result


@pytest.mark.parametrize("queue_kind", ["postgres"], indirect=True)
@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_sync_survives_mahak_fault(fresh_mahak, make_container, fault: str) -> None:
    # given a Mahak that misbehaves during the run
    fresh_mahak.control.add_faults(FAULTS[fault])
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        container.mahak._settings = container.mahak._settings.model_copy(update={"timeout_s": 1.0})
        # when the catalogue syncs, then it completes and the store equals Mahak
        await sync_catalogue(container)
        fresh_mahak.control.clear_faults()
        await assert_store_matches_mahak(container, fresh_mahak.control, entities=_entities(CATALOGUE))


@pytest.mark.parametrize("queue_kind", ["postgres"], indirect=True)
@pytest.mark.parametrize("switch", sorted(SWITCHES))
async def test_sync_survives_mahak_quirk(fresh_mahak, make_container, switch: str) -> None:
    # given a Mahak with one of the contract's quirks, and changes after the first sync
    fresh_mahak.control.set_switches(**SWITCHES[switch])
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        container.fetcher.page_size = 200 if "page_size_cap" in SWITCHES[switch] else 25
        await sync_catalogue(container)
        ids = [r["ProductId"] for r in fresh_mahak.control.rows("Product", live=True)[:6]]
        fresh_mahak.control.upsert_rows("Product", [{"ProductId": i, "Name": f"کالای تازه {i}"} for i in ids[:3]])
        fresh_mahak.control.delete_rows("Product", ids[3:5])
        fresh_mahak.control.upsert_rows("Product", [{"ProductId": ids[3], "Name": "دوباره ساخته شد", "Deleted": False}])
        # when it syncs again, then the store equals Mahak
        await sync_catalogue(container)
        await assert_store_matches_mahak(container, fresh_mahak.control, entities=_entities(CATALOGUE))


@pytest.mark.parametrize("queue_kind", ["postgres"], indirect=True)
async def test_rows_changing_between_pages(fresh_mahak, make_container) -> None:
    # given a desktop change that lands between two pages of one run
    first = fresh_mahak.control.rows("Product", live=True)[0]
    fresh_mahak.control.add_fault(
        "mutate",
        "getalldata",
        after=1,
        param={"entity": "Product", "rows": [{"ProductId": first["ProductId"], "Name": "عوض شد وسط کار"}]},
    )
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        await sync_catalogue(container)
        await sync_catalogue(container)  # the next run picks the change up if the first missed it
        await assert_store_matches_mahak(container, fresh_mahak.control, entities=_entities(CATALOGUE))


@pytest.mark.parametrize("queue_kind", ["postgres"], indirect=True)
async def test_invalid_rows_are_isolated_and_the_rest_applied(fresh_mahak, make_container) -> None:
    # given a Mahak whose every answer carries two details with a negative price
    fresh_mahak.control.add_fault(
        "invalid_rows",
        "getalldata",
        times=None,
        param={"entity": "ProductDetail", "defect": "negative_price", "count": 2},
    )
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        result = await container.fetcher.run("ProductDetail")
        async with container.engine.connect() as conn:
            rejected = (await conn.execute(text("SELECT entity, mahak_id, field, reason FROM rejected_row"))).all()
            stored = await conn.scalar(text("SELECT count(*) FROM product_detail"))
    # then each bad row is isolated with the field named, once, and every other row is applied
    assert result.status == "succeeded"
    assert len(rejected) >= 2 and all(r.entity == "ProductDetail" and r.field == "Price1" for r in rejected)
    assert len({r.mahak_id for r in rejected}) == len(rejected)
    assert result.stats["rows_rejected"] == len(rejected)
    assert stored == result.stats["rows_fetched"] - len(rejected)


async def test_poison_batch_dead_lettered_then_fixed_and_replayed_once(fresh_mahak, make_container) -> None:
    # given a product whose name PostgreSQL refuses (a NUL character) among healthy ones
    poisoned = fresh_mahak.control.rows("Product", live=True)[0]["ProductId"]
    fresh_mahak.control.upsert_rows("Product", [{"ProductId": poisoned, "Name": "خراب\u0000"}])
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        # when the products sync
        result = await container.fetcher.run("Product")
        # then that batch is dead-lettered after every retry tier, the others applied, the run reports it
        assert result.status == "dead_letters" and result.stats["dead_lettered"] == 1
        assert result.stats["retries"] == len(container.settings.sync.retry_delays_s)
        (letter,) = await container.dead_letters.list()
        assert letter.attempts == len(container.settings.sync.retry_delays_s) + 1
        assert "0x00" in letter.error or "NUL" in letter.error.upper() or "null" in letter.error.lower()
        async with container.engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM product WHERE mahak_id = :i"), {"i": poisoned}) == 0
        # when staff fix the body and replay it
        body = orjson.loads(letter.body)
        for row in body["rows"]:
            for column, value in row.items():
                if isinstance(value, str):
                    row[column] = value.replace("\u0000", "")
        assert await edit(container, letter.id, orjson.dumps(body), actor="staff:test")
        assert await replay(container, letter.id, actor="staff:test")

        async def applied() -> bool:
            async with container.engine.connect() as conn:
                return await conn.scalar(text("SELECT count(*) FROM product WHERE mahak_id = :i"), {"i": poisoned}) == 1

        await eventually(applied)
        # then it is applied once, and the audit log says who did what
        async with container.engine.connect() as conn:
            status = await conn.scalar(text("SELECT status FROM sync_batch WHERE id = :b"), {"b": body["batch_id"]})
            audit = (await conn.execute(text("SELECT actor, action FROM audit_log ORDER BY id"))).all()
        assert status == "applied"
        assert [(a.actor, a.action) for a in audit] == [
            ("staff:test", "dead_letter.edit"),
            ("staff:test", "dead_letter.replay"),
        ]


def _entities(names):
    from hamgam.domain.sync.entities import entity_named

    return [entity_named(n) for n in names]


__all__ = ["sync_all"]

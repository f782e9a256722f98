"""Walking GetAllData pages on the simulator: every row once, under both cursor filters and server quirks."""

from __future__ import annotations

from collections import Counter

import pytest

from hamgam.adapters.mahak import ChangePage, Entity, MahakClient
from hamgam_sim.mahak.server import RunningSimulator

PRODUCT = Entity.PRODUCT


def seed_products(mahak: RunningSimulator, groups: list[int], switches: dict | None = None) -> list[dict]:
    """An empty catalogue, then one desktop change batch (one RowVersion) per group."""
    mahak.control.reset(products=0, switches=switches or {})
    rows: list[dict] = []
    for number, size in enumerate(groups):
        rows += mahak.control.upsert_rows("Product", [{"Name": f"کالا {number}-{i}"} for i in range(size)])
    return rows


async def pull(client: MahakClient, page_size: int, from_version: int = 0) -> list[ChangePage]:
    return [page async for page in client.iter_changes(PRODUCT, from_version, page_size)]


def assert_each_row_once(pages: list[ChangePage], mahak: RunningSimulator) -> None:
    stored = mahak.control.rows("Product")
    seen = Counter(row.product_id for page in pages for row in page.rows)
    assert sorted(seen) == sorted(row["ProductId"] for row in stored)
    assert set(seen.values()) <= {1}
    if stored:
        assert pages[-1].max_row_version == max(row["RowVersion"] for row in stored)
    assert all(not page.invalid for page in pages)


@pytest.mark.parametrize("cursor_filter", [">", ">="])
@pytest.mark.parametrize(
    ("groups", "page_size"),
    [
        pytest.param([], 5, id="no-rows"),
        pytest.param([1] * 5, 5, id="exactly-one-page"),
        pytest.param([1] * 6, 5, id="one-page-plus-one-row"),
        pytest.param([2, 12, 1], 5, id="group-larger-than-a-page"),
        pytest.param([3, 2, 5, 1], 5, id="groups-ending-on-page-edges"),
    ],
)
async def test_iter_changes_yields_each_row_once(
    mahak: RunningSimulator, client: MahakClient, cursor_filter: str, groups: list[int], page_size: int
) -> None:
    # given
    seed_products(mahak, groups, {"cursor_filter": cursor_filter})
    # when
    pages = await pull(client, page_size)
    # then
    assert_each_row_once(pages, mahak)
    if not groups:
        assert pages == []


@pytest.mark.parametrize("switch", ["duplicate_rows", "unsorted"])
async def test_iter_changes_survives_duplicate_and_unsorted_rows(
    mahak: RunningSimulator, client: MahakClient, switch: str
) -> None:
    # given: duplicates come as an older copy after the fresh one
    seed_products(mahak, [3, 1, 4, 1, 5, 9, 2, 6], {switch: True, "cursor_filter": ">="})
    # when
    pages = await pull(client, 4)
    # then
    assert_each_row_once(pages, mahak)
    stored = {row["ProductId"]: row["RowVersion"] for row in mahak.control.rows("Product")}
    assert all(row.row_version == stored[row.product_id] for page in pages for row in page.rows)


@pytest.mark.parametrize("cursor_filter", [">", ">="])
async def test_iter_changes_sees_latest_version_of_rows_changing_between_pages(
    mahak: RunningSimulator, client: MahakClient, cursor_filter: str
) -> None:
    # given: after the first page the desktop renames product 1 (already pulled) and product 20 (not yet)
    seed_products(mahak, [2] * 10, {"cursor_filter": cursor_filter})
    await client.login()
    mahak.control.add_fault(
        "mutate",
        "getalldata",
        param={
            "entity": "Product",
            "rows": [
                {"ProductId": 1, "Name": "نام تازه"},
                {"ProductId": 20, "Name": "نام تازه ۲"},
            ],
        },
    )
    # when
    pages = await pull(client, 5)
    # then: every row, and the renamed ones in their newest version
    latest = {row.product_id: row for page in pages for row in page.rows}
    stored = {row["ProductId"]: row for row in mahak.control.rows("Product")}
    assert latest.keys() == stored.keys()
    assert mahak.control.stats()["faults_fired"] == {"mutate": 1}
    assert latest[1].name == "نام تازه" and latest[20].name == "نام تازه ۲"
    assert all(latest[i].row_version == stored[i]["RowVersion"] for i in stored)


@pytest.mark.parametrize(
    ("defect", "entity", "field"),
    [
        ("missing_field", Entity.PRODUCT_DETAIL, "Price1"),
        ("wrong_type", Entity.PRODUCT_DETAIL, "Price1"),
        ("negative_price", Entity.PRODUCT_DETAIL, "Price1"),
        ("wrong_type", Entity.PRODUCT, "ProductCode"),
    ],
)
async def test_iter_changes_isolates_invalid_rows(
    mahak: RunningSimulator, client: MahakClient, defect: str, entity: Entity, field: str
) -> None:
    # given
    await client.login()
    mahak.control.add_fault("invalid_rows", "getalldata", param={"entity": entity.value, "defect": defect, "count": 2})
    # when
    pages = [page async for page in client.iter_changes(entity, 0, 1000)]
    # then: two rows isolated with evidence, the rest go on
    invalid = [violation for page in pages for violation in page.invalid]
    rows = [row for page in pages for row in page.rows]
    assert len(invalid) == 2
    assert {(v.entity, v.field) for v in invalid} == {(entity.value, field)}
    assert all(v.row_id == v.raw[entity.id_field] and str(v.row_id) in str(v) for v in invalid)
    stored = mahak.control.rows(entity.value)
    assert len(rows) + len(invalid) == len(stored)


async def test_get_page_is_one_raw_request(mahak: RunningSimulator, client: MahakClient) -> None:
    # given
    seed_products(mahak, [3, 3])
    await client.login()
    before = mahak.control.stats()["requests"].get("/api/v3/sync/getalldata", 0)
    # when
    rows = await client.get_page(PRODUCT, 0, 4)
    # then
    assert len(rows) == 4
    assert mahak.control.stats()["requests"]["/api/v3/sync/getalldata"] == before + 1

"""The cursor rule (contract §3/§7) against an in-memory server, under both cursor filters."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hamgam.adapters.mahak import ChangePage, ContractViolation, Entity, iter_changes, parse_rows

STORE = Entity.STORE
PRICES = {f"Price{level}": 1000 * level for level in range(1, 11)}


class FakeServer:
    """Serves the lowest ``page_size`` rows after the cursor, shuffled, like GetAllData."""

    def __init__(self, cursor_filter: str, groups: list[int], first_rv: int = 3_000_000_000) -> None:
        self.inclusive = cursor_filter == ">="
        self.rows: dict[int, dict[str, Any]] = {}
        self.next_rv = first_rv
        self.calls: list[tuple[int, int]] = []
        self.after_fetch: list[Any] = []
        next_id = 1
        for size in groups:
            rv = self.stamp()
            for _ in range(size):
                self.put(next_id, rv)
                next_id += 1

    def stamp(self) -> int:
        self.next_rv += random.randint(1, 5)  # one counter for the whole database: gaps within one entity
        return self.next_rv

    def put(self, store_id: int, rv: int, **fields: Any) -> None:
        self.rows[store_id] = {"StoreId": store_id, "Name": f"s{store_id}", "RowVersion": rv, **fields}

    async def fetch(self, entity: Entity, cursor: int, page_size: int) -> list[Any]:
        self.calls.append((cursor, page_size))
        after = [
            r for r in self.rows.values() if r["RowVersion"] > cursor or (self.inclusive and r["RowVersion"] == cursor)
        ]
        page = sorted(after, key=lambda r: r["RowVersion"])[:page_size]
        random.shuffle(page)
        if self.after_fetch:
            self.after_fetch.pop(0)(self)
        return [dict(r) for r in page]


async def collect(server: FakeServer, page_size: int, from_version: int = 0) -> list[ChangePage]:
    return [page async for page in iter_changes(server.fetch, STORE, from_version, page_size)]


def assert_each_once(pages: list[ChangePage], server: FakeServer) -> None:
    seen = Counter(row.store_id for page in pages for row in page.rows)
    assert set(seen) == set(server.rows)
    assert max(seen.values(), default=1) == 1
    if server.rows:
        assert pages[-1].max_row_version == max(r["RowVersion"] for r in server.rows.values())
    cursors = [page.max_row_version for page in pages]
    assert cursors == sorted(cursors)
    for page in pages:
        versions = [row.row_version for row in page.rows]
        assert versions == sorted(versions)


@pytest.mark.parametrize("cursor_filter", [">", ">="])
@pytest.mark.parametrize(
    ("groups", "page_size"),
    [
        ([], 10),  # no rows
        ([1] * 10, 10),  # exactly one page
        ([1] * 11, 10),  # one page plus one row
        ([3, 25, 2], 10),  # a RowVersion group larger than a page
        ([10], 10),  # one group filling exactly one page
        ([4, 6, 10, 1], 10),  # groups ending exactly at page edges
    ],
)
async def test_iter_changes_edges(cursor_filter: str, groups: list[int], page_size: int) -> None:
    # given
    server = FakeServer(cursor_filter, groups)
    # when
    pages = await collect(server, page_size)
    # then
    assert_each_once(pages, server)
    if not groups:
        assert pages == [] and len(server.calls) == 1


@settings(max_examples=150, deadline=None)
@given(
    cursor_filter=st.sampled_from([">", ">="]),
    groups=st.lists(st.integers(min_value=1, max_value=12), max_size=15),
    page_size=st.integers(min_value=1, max_value=9),
    seed=st.integers(0, 2**16),
)
async def test_iter_changes_yields_every_row_once(
    cursor_filter: str, groups: list[int], page_size: int, seed: int
) -> None:
    random.seed(seed)
    server = FakeServer(cursor_filter, groups)
    pages = await collect(server, page_size)
    assert_each_once(pages, server)


@pytest.mark.parametrize("cursor_filter", [">", ">="])
async def test_iter_changes_sees_latest_version_of_rows_changed_between_pages(cursor_filter: str) -> None:
    # given: 30 rows in groups of 3; after the first page row 1 (already yielded) and row 29 (not yet) change
    server = FakeServer(cursor_filter, [3] * 10)

    def edit(s: FakeServer) -> None:
        rv = s.stamp()
        s.put(1, rv, Name="renamed")
        s.put(29, rv, Name="renamed too")

    server.after_fetch.append(edit)
    # when
    pages = await collect(server, 7)
    # then: every row, and the changed ones in their newest version, last
    final = {row.store_id: row for page in pages for row in page.rows}
    assert set(final) == set(server.rows)
    assert final[1].name == "renamed" and final[29].name == "renamed too"
    assert pages[-1].max_row_version == server.rows[29]["RowVersion"]


async def test_iter_changes_keeps_highest_version_of_duplicate_ids() -> None:
    # given: one response holding the same id twice
    async def fetch(entity: Entity, cursor: int, page_size: int) -> list[Any]:
        return [
            {"StoreId": 1, "Name": "new", "RowVersion": 9},
            {"StoreId": 2, "Name": "b", "RowVersion": 5},
            {"StoreId": 1, "Name": "old", "RowVersion": 4},
        ]

    # when
    pages = [page async for page in iter_changes(fetch, STORE, 0, 100)]
    # then
    assert [(row.store_id, row.name) for row in pages[0].rows] == [(2, "b"), (1, "new")]
    assert pages[0].max_row_version == 9


async def test_iter_changes_isolates_invalid_rows() -> None:
    # given
    async def fetch(entity: Entity, cursor: int, page_size: int) -> list[Any]:
        return [
            {"StoreId": 1, "Name": "ok", "RowVersion": 3},
            {"StoreId": 2, "Name": 12345, "RowVersion": 4},  # wrong type
            {"StoreId": 3, "Name": "no version"},
            {"Name": "no id", "RowVersion": 4},
        ]

    # when
    pages = [page async for page in iter_changes(fetch, STORE, 0, 100)]
    # then
    (page,) = pages
    assert [row.store_id for row in page.rows] == [1]
    found = {(v.entity, v.row_id, v.field) for v in page.invalid}
    assert found == {("Store", 2, "Name"), ("Store", 3, "RowVersion"), ("Store", None, "StoreId")}
    assert all(isinstance(v.raw, dict) for v in page.invalid)
    assert "Store" in str(page.invalid[0]) and "field" in str(page.invalid[0])
    assert page.max_row_version == 4


def test_parse_rows_raises_on_the_first_bad_row() -> None:
    with pytest.raises(ContractViolation) as caught:
        parse_rows(
            Entity.PRODUCT_DETAIL,
            [{"ProductDetailId": 7, "ProductId": 1, **PRICES, "Price2": -5, "RowVersion": 1}],
        )
    assert (caught.value.entity, caught.value.row_id, caught.value.field) == ("ProductDetail", 7, "Price2")
    assert "ProductDetail" in str(caught.value) and "7" in str(caught.value) and "Price2" in str(caught.value)

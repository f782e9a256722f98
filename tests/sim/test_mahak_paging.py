from collections import Counter

import httpx2
import pytest


def _group(sim, count: int) -> int:
    """Create ``count`` products in one desktop change batch; returns their shared RowVersion."""
    rows = sim.control.upsert_rows(
        "Product", [{"Name": f"کالای گروهی {i}", "ProductCategoryId": 1} for i in range(count)]
    )
    versions = {row["RowVersion"] for row in rows}
    assert len(versions) == 1
    return versions.pop()


def test_full_pull_pages_every_row_once(mahak, sim, pull_all):
    rows = pull_all(mahak, "ProductDetail", "ProductDetails", page_size=97)
    stored = sim.control.rows("ProductDetail")
    assert sorted(r["ProductDetailId"] for r in rows) == [r["ProductDetailId"] for r in stored]


def test_rows_come_in_row_version_order_above_two_to_the_31(mahak):
    page = mahak.pull(fromProductVersion=0, pageSize=500)["Products"]
    versions = [row["RowVersion"] for row in page]
    assert versions == sorted(versions)
    assert versions[0] > 2**31


def test_one_counter_is_shared_by_all_entities(mahak, sim):
    before = sim.control.max_row_version()
    store = sim.control.upsert_rows("Store", [{"Name": "انبار جدید"}])[0]
    product = sim.control.upsert_rows("Product", [{"Name": "کالای تازه"}])[0]
    assert before < store["RowVersion"] < product["RowVersion"]
    assert sim.control.max_row_version() == product["RowVersion"]


def test_omitted_cursor_gives_null_and_unchanged_entity_gives_empty_list(mahak, sim):
    top = sim.control.max_row_version()
    objects = mahak.pull(fromStoreVersion=top)
    assert objects["Stores"] == []
    assert objects["Products"] is None and objects["Orders"] is None
    assert set(objects) >= {
        "ProductCategories",
        "ProductDetailStoreAssets",
        "VisitorPeople",
        "ExtraDatas",
        "PhotoGalleries",
        "Transactions",
        "CostLevelNames",
    }


def test_gt_filter_loses_the_rest_of_a_group_cut_by_the_page_edge(mahak, sim):
    # given a batch of 30 rows sharing one RowVersion, after everything else
    start = sim.control.max_row_version()
    group_rv = _group(sim, 30)
    # when a client pages with 10 and moves its cursor to the last RowVersion it saw
    first = mahak.pull(fromProductVersion=start, pageSize=10)["Products"]
    second = mahak.pull(fromProductVersion=first[-1]["RowVersion"], pageSize=10)["Products"]
    # then the 20 remaining rows of the group never come
    assert len(first) == 10 and {r["RowVersion"] for r in first} == {group_rv}
    assert second == []


def test_gte_filter_serves_rows_at_the_cursor_again(mahak, sim):
    sim.control.set_switches(cursor_filter=">=")
    group_rv = _group(sim, 30)
    again = mahak.pull(fromProductVersion=group_rv, pageSize=100)["Products"]
    assert len(again) == 30 and {r["RowVersion"] for r in again} == {group_rv}


def test_row_version_per_row_switch(mahak, sim):
    sim.control.reset(products=100, switches={"row_version_mode": "row"})
    page = mahak.pull(fromProductVersion=0, pageSize=1000)["Products"]
    assert len({r["RowVersion"] for r in page}) == len(page) == 100
    rows = sim.control.upsert_rows("Product", [{"Name": "الف"}, {"Name": "ب"}, {"Name": "پ"}])
    assert len({r["RowVersion"] for r in rows}) == 3


def test_initial_load_shares_row_versions_in_batches_of_varying_size(mahak, sim):
    sim.control.reset(products=400, batch_rows=40)
    page = mahak.pull(fromProductVersion=0, pageSize=1000)["Products"]
    sizes = Counter(r["RowVersion"] for r in page)
    assert all(20 <= size <= 60 for size in list(sizes.values())[:-1])  # the last batch may be short
    assert len(set(sizes.values())) > 1


def test_naive_gt_client_with_cursor_at_last_row_loses_rows_of_cut_groups(mahak, sim):
    seen, cursor = set(), 0
    while page := mahak.pull(fromProductVersion=cursor, pageSize=64)["Products"]:
        seen |= {r["ProductId"] for r in page}
        cursor = page[-1]["RowVersion"]
    assert len(seen) < 300


def test_page_size_cap_and_default_page_size(mahak, sim):
    sim.control.set_switches(page_size_cap=7)
    assert len(mahak.pull(fromProductVersion=0, pageSize=100)["Products"]) == 7
    assert len(mahak.pull(fromProductVersion=0)["Products"]) == 7
    sim.control.set_switches(page_size_cap=None, default_page_size=11)
    assert len(mahak.pull(fromProductVersion=0)["Products"]) == 11
    assert len(mahak.pull(fromProductVersion=0, pageSize=20)["Products"]) == 20
    assert sim.control.stats()["last_page_sizes"] == {"Products": 20}


def test_visitor_scoped_lists_follow_current_visitor(mahak, sim):
    mine = mahak.pull(fromVisitorProductVersion=0, fromVisitorPersonVersion=0)
    theirs = mahak.pull(fromVisitorProductVersion=0, fromVisitorPersonVersion=0, currentVisitorId=2)
    assert mine["VisitorProducts"] and {r["VisitorId"] for r in mine["VisitorProducts"]} == {1}
    assert {r["VisitorId"] for r in mine["VisitorPeople"]} == {1}
    assert theirs["VisitorProducts"] and {r["VisitorId"] for r in theirs["VisitorProducts"]} == {2}
    details = sim.control.rows("ProductDetail")
    assert len(mine["VisitorProducts"]) < len(details)  # most, not all, details are linked


def test_unknown_switch_is_rejected(sim):
    with pytest.raises(httpx2.HTTPStatusError):
        sim.control.set_switches(cursor_filter="<")
    with pytest.raises(httpx2.HTTPStatusError):
        sim.control.set_switches(no_such_switch=True)


def test_order_types_filter_orders(mahak, sim):
    person_id = sim.control.rows("VisitorPerson", live=True)[0]["PersonId"]
    mahak.save(
        orders=[{"orderClientId": c, "personId": person_id, "orderType": t} for c, t in ((1, 201), (2, 299), (3, 202))]
    )
    assert [o["OrderType"] for o in mahak.pull(fromOrderVersion=0)["Orders"]] == [201, 299, 202]
    assert [o["OrderType"] for o in mahak.pull(fromOrderVersion=0, orderTypes=[299])["Orders"]] == [299]

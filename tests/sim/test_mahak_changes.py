def test_logical_delete_comes_back_once_with_a_new_row_version(mahak, sim):
    # given a client that has seen everything
    cursor = sim.control.max_row_version()
    old = sim.control.rows("Product", ids=[5])[0]
    # when the desktop deletes product 5
    deleted = sim.control.delete_rows("Product", [5])[0]
    # then the next pull carries it once, flagged, with a newer RowVersion, and then never again
    page = mahak.pull(fromProductVersion=cursor)["Products"]
    assert [(r["ProductId"], r["Deleted"]) for r in page] == [(5, True)]
    assert page[0]["RowVersion"] == deleted["RowVersion"] > old["RowVersion"]
    assert mahak.pull(fromProductVersion=page[0]["RowVersion"])["Products"] == []
    # and nothing disappeared physically
    assert any(r["ProductId"] == 5 for r in sim.control.rows("Product"))
    assert all(r["ProductId"] != 5 for r in sim.control.rows("Product", live=True))


def test_delete_of_unknown_id_is_404_and_changes_nothing(sim):
    import httpx2
    import pytest

    before = sim.control.max_row_version()
    with pytest.raises(httpx2.HTTPStatusError) as caught:
        sim.control.delete_rows("Product", [1, 99_999])
    assert caught.value.response.status_code == 404
    assert sim.control.max_row_version() == before


def test_desktop_update_is_partial_and_bumps_row_version(mahak, sim):
    cursor = sim.control.max_row_version()
    updated = sim.control.upsert_rows("ProductDetail", [{"ProductDetailId": 3, "Price1": 1_990_000}])[0]
    assert updated["Price1"] == 1_990_000 and updated["Barcode"]  # other fields kept
    page = mahak.pull(fromProductDetailVersion=cursor)["ProductDetails"]
    assert [r["ProductDetailId"] for r in page] == [3]


def test_silent_edit_changes_data_but_not_row_version(mahak, sim):
    # given
    sim.control.set_switches(silent_edits=True)
    cursor = sim.control.max_row_version()
    before = sim.control.rows("Product", ids=[7])[0]
    # when
    after = sim.control.upsert_rows("Product", [{"ProductId": 7, "Name": "نام بی‌صدا"}])[0]
    # then no cursor sees it, but a reconciliation from 0 does, and DataHash tells
    assert after["RowVersion"] == before["RowVersion"]
    assert mahak.pull(fromProductVersion=cursor)["Products"] == []
    full = {r["ProductId"]: r for r in mahak.pull(fromProductVersion=0)["Products"]}
    assert full[7]["Name"] == "نام بی‌صدا" and full[7]["DataHash"] != before["DataHash"]


def test_noisy_child_deletes_flag_live_details_but_not_links(mahak, sim):
    sim.control.set_switches(noisy_child_deletes=True)
    objects = mahak.pull(fromProductDetailVersion=0, fromVisitorProductVersion=0, fromProductVersion=0)
    noisy = [r for r in objects["ProductDetails"] if r["Deleted"]]
    assert noisy and all(r["ProductDetailId"] % 3 == 0 for r in noisy)
    # a link row's flag is its own truth (contract §3): no live link is served as deleted
    assert objects["VisitorProducts"] and not any(r["Deleted"] for r in objects["VisitorProducts"])
    assert not any(r["Deleted"] for r in objects["Products"])
    assert not any(r["Deleted"] for r in sim.control.rows("ProductDetail", ids=[r["ProductDetailId"] for r in noisy]))


def test_duplicate_rows_switch_serves_an_older_copy_after_the_fresh_one(mahak, sim):
    sim.control.set_switches(duplicate_rows=True)
    page = mahak.pull(fromProductVersion=0, pageSize=20)["Products"]
    ids = [r["ProductId"] for r in page]
    assert len(ids) > len(set(ids))
    first, copy = page[0], page[1]
    assert first["ProductId"] == copy["ProductId"] and copy["RowVersion"] == first["RowVersion"] - 1


def test_unsorted_switch_shuffles_a_page(mahak, sim):
    sim.control.reset(products=300, switches={"unsorted": True, "row_version_mode": "row"})
    page = mahak.pull(fromProductVersion=0, pageSize=100)["Products"]
    versions = [r["RowVersion"] for r in page]
    assert sorted(versions) != versions and len(versions) == 100


def test_unserved_lists_are_null_although_their_cursor_is_sent(mahak, sim):
    import httpx2
    import pytest

    sim.control.set_switches(unserved_lists=["Bank"])
    objects = mahak.pull(fromBankVersion=0, fromProductVersion=0)
    assert objects["Banks"] is None and objects["Products"]
    with pytest.raises(httpx2.HTTPStatusError):
        sim.control.set_switches(unserved_lists=["NoSuchEntity"])

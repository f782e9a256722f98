"""The simulated Mahak keeps its database across restarts and can be restored to an older snapshot."""

from __future__ import annotations

import httpx2
import pytest

from hamgam_sim.mahak.server import serve_in_thread
from hamgam_sim.mahak.simulator import MahakSimulator


def test_state_survives_a_restart_with_a_data_directory(tmp_path):
    # given a simulator keeping its state in a data directory, changed by the desktop (one silent edit too)
    first = MahakSimulator(products=30, state_dir=tmp_path)
    first.upsert_rows("ProductDetail", [{"ProductDetailId": 3, "Price1": 1_230_000}])
    first.upsert_rows("Product", [{"ProductId": 4, "Name": "کالای بی‌صدا"}], silent=True)
    top = first.max_row_version()
    first.close()
    # when it starts again on the same directory
    second = MahakSimulator(products=30, state_dir=tmp_path)
    try:
        # then it serves the same database, counter included, and the next change goes above it
        assert second.max_row_version() == top
        assert second.rows("ProductDetail", ids=[3])[0]["Price1"] == 1_230_000
        assert second.rows("Product", ids=[4])[0]["Name"] == "کالای بی‌صدا"
        changed = second.upsert_rows("Product", [{"ProductId": 5, "Name": "بعدی"}])[0]
        assert changed["RowVersion"] > top["max_row_version"]
    finally:
        second.close()


def test_changes_are_saved_while_running_not_only_at_a_clean_stop(tmp_path):
    sim = MahakSimulator(products=20, state_dir=tmp_path)
    try:
        sim.upsert_rows("ProductDetail", [{"ProductDetailId": 2, "Price1": 4_560_000}])
        sim._autosaver.flush()  # what the background saver does every second
        # a process that dies now (no close) leaves this state on disk
        other = MahakSimulator(products=20, state_dir=tmp_path)
        other.close()
        assert other.rows("ProductDetail", ids=[2])[0]["Price1"] == 4_560_000
    finally:
        sim.close()


def test_without_a_data_directory_a_restart_is_fresh():
    sim = MahakSimulator(products=20)
    sim.upsert_rows("ProductDetail", [{"ProductDetailId": 2, "Price1": 4_560_000}])
    assert MahakSimulator(products=20).rows("ProductDetail", ids=[2])[0]["Price1"] != 4_560_000


def test_restore_brings_back_an_older_state_and_rewinds_row_versions(tmp_path):
    with serve_in_thread(MahakSimulator(products=30, state_dir=tmp_path)) as running:
        control = running.control
        # given a snapshot, then later changes
        taken = control.snapshot("before-sale")
        old_price = control.rows("ProductDetail", ids=[3])[0]["Price1"]
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 3, "Price1": old_price + 10}])
        control.upsert_rows("Product", [{"ProductCode": 999_001, "Name": "کالای تازه", "ProductCategoryId": 1}])
        later = control.max_row_version()
        assert later > taken["max_row_version"]
        # when the snapshot is restored
        restored = control.restore("before-sale")
        # then the database is the old one: RowVersions below what a client saw, later rows gone
        assert restored["max_row_version"] == taken["max_row_version"] == control.max_row_version() < later
        assert control.rows("ProductDetail", ids=[3])[0]["Price1"] == old_price
        assert all(r["Name"] != "کالای تازه" for r in control.rows("Product"))
        # and snapshots are listed and kept on disk
        assert (tmp_path / "snapshots" / "before-sale.pickle").exists()
        assert "before-sale" in running.control._call("GET", "/snapshots")["names"]
        running.sim.close()


def test_restore_of_an_unknown_snapshot_is_404_and_bad_names_are_400():
    with serve_in_thread(MahakSimulator(products=10)) as running:
        with pytest.raises(httpx2.HTTPStatusError) as unknown:
            running.control.restore("nope")
        assert unknown.value.response.status_code == 404
        with pytest.raises(httpx2.HTTPStatusError) as bad:
            running.control.snapshot("../escape")
        assert bad.value.response.status_code == 400

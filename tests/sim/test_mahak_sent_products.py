"""The desktop's "sent products" list: send/receive rounds take details off the site and put them back, as
VisitorProduct link rows (contract §3), and the simulator says what the site may sell."""

from __future__ import annotations

import httpx2
import pytest


def _site_links(sim, detail: int) -> list[dict]:
    visitor = sim.sim.account.visitor_id
    return [
        r for r in sim.control.rows("VisitorProduct") if r["ProductDetailId"] == detail and r["VisitorId"] == visitor
    ]


def _on_sale_detail(sim) -> int:
    return next(iter(sim.control.site_offer()))


def test_taking_a_detail_off_the_site_serves_its_link_deleted_with_a_new_row_version(mahak, sim):
    # given a detail on sale, and a client that has seen everything
    detail = _on_sale_detail(sim)
    cursor = sim.control.max_row_version()
    [old] = _site_links(sim, detail)
    # when the merchant takes it off the site in one send/receive round
    sim.control.send_receive(take_off=[detail])
    # then its link comes back once with Deleted=true and a newer RowVersion, and it is no longer offered
    page = mahak.pull(fromVisitorProductVersion=cursor)["VisitorProducts"]
    assert [(r["VisitorProductId"], r["Deleted"]) for r in page] == [(old["VisitorProductId"], True)]
    assert page[0]["RowVersion"] > old["RowVersion"]
    assert detail not in sim.control.site_offer()


def test_putting_a_detail_back_adds_a_new_live_link_and_leaves_the_old_deleted_one(mahak, sim):
    # given a detail taken off the site
    detail = _on_sale_detail(sim)
    count = sim.control.site_offer()[detail]
    sim.control.send_receive(take_off=[detail])
    cursor = sim.control.max_row_version()
    # when it is put back
    sim.control.send_receive(put_back=[detail])
    # then a new link row is served, the old one stays deleted, and the detail is offered again with its count
    page = mahak.pull(fromVisitorProductVersion=cursor)["VisitorProducts"]
    links = _site_links(sim, detail)
    assert [r["Deleted"] for r in sorted(links, key=lambda r: r["RowVersion"])] == [True, False]
    assert [r["VisitorProductId"] for r in page] == [max(r["VisitorProductId"] for r in links)]
    assert sim.control.site_offer()[detail] == count


def test_one_round_is_one_change_batch_and_repeats_change_nothing(sim):
    offered = list(sim.control.site_offer())[:4]
    rows = sim.control.send_receive(take_off=offered[:2], put_back=offered[2:])  # the last two are on already
    assert len(rows) == 2 and len({r["RowVersion"] for r in rows}) == 1
    assert sim.control.send_receive(take_off=offered[:2]) == []


def test_sales_move_the_live_link_of_a_detail_put_back(sim):
    # given a detail taken off and put back (an old deleted link and a new live one)
    detail = _on_sale_detail(sim)
    sim.control.send_receive(take_off=[detail])
    sim.control.send_receive(put_back=[detail])
    before = sim.control.site_offer()[detail]
    # when a stock move reaches the visitor's link, then the live link moves, not the old one
    from hamgam_sim.mahak.stock import StockMove, apply_moves

    with sim.sim.lock:
        apply_moves(sim.sim.db, sim.sim.new_batch(), [StockMove(detail, 1, sim.sim.account.visitor_id, -2.0)])
    assert sim.control.site_offer()[detail] == before - 2


def test_unknown_detail_is_404_and_changes_nothing(sim):
    before = sim.control.max_row_version()
    with pytest.raises(httpx2.HTTPStatusError) as caught:
        sim.control.send_receive(take_off=[999_999])
    assert caught.value.response.status_code == 404
    assert sim.control.max_row_version() == before

"""The export path end to end over HTTP: a paid order becomes one Mahak sales invoice with its customer, visitor
link, lines and receipt; the order goes to sent_to_accounting, then to invoiced when the sync brings it back, and
Mahak's stock after the sync is the stock before minus what was sold."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.export.conftest import ExportWorld, running


async def _stock(world: ExportWorld, detail: int) -> float:
    async with world.engine.connect() as conn:
        return await conn.scalar(text("SELECT count1 FROM visitor_product WHERE product_detail_id = :d"), {"d": detail})


async def _sellable(world: ExportWorld, detail: int) -> int:
    found = (
        await world.container.store.catalog.product_detail(detail)
        if hasattr(world.container.store.catalog, "product_detail")
        else None
    )
    if found is not None:
        return found["available"]
    async with world.engine.connect() as conn:
        from hamgam.adapters.db.catalog_read import sellable_details

        rows = await sellable_details(conn, world.container.settings.sync, [detail])
        return rows[0].available


#: Where Mahak stamps a sale's stock move: in the invoice's own change batch (the invoice's RowVersion), or in a
#: batch of its own just after (a newer one). Both must end invoiced with the hold released.
@pytest.mark.parametrize("stock_move_batch", ["same", "later"])
async def test_export_paid_order_becomes_one_invoice_then_invoiced(
    fresh_mahak, make_world, stock_move_batch: str
) -> None:
    fresh_mahak.control.set_switches(stock_move_batch=stock_move_batch)
    async with make_world(fresh_mahak) as world:
        # given a synced catalogue and a customer who paid for two lines
        await world.sync()
        (d1, s1), (d2, s2) = await world.sellable(2)
        customer = await world.customer("09121112233", "مریم احمدی", "0012345678")
        order_id = await world.paid_order(customer, [(d1, 2), (d2, 1)])
        job = await world.job(order_id)
        assert job["status"] == "pending" and job["published_at"] is not None  # enqueued with the payment
        # when the exporter runs
        async with running(world):
            [sent] = await world.wait_jobs({"sent"})
        # then Mahak holds one invoice with its customer, link, lines and receipt
        [invoice] = world.mahak_orders()
        assert sent["mahak_order_id"] == invoice["OrderId"] and sent["mahak_order_code"] == str(invoice["OrderCode"])
        address = json.loads(invoice["ShippingAddress"])
        assert address["postalcode"] == "1314567890" and address["mobile"] == "09121112233"
        assert invoice["SendCost"] == 450_000
        details = [d for d in world.mahak_rows("OrderDetail") if d["OrderId"] == invoice["OrderId"]]
        assert sorted((d["ProductDetailId"], d["Count1"]) for d in details) == sorted([(d1, 2), (d2, 1)])
        assert all(d["StoreId"] > 0 for d in details)
        [receipt] = [r for r in world.mahak_rows("Receipt") if r["OrderId"] == invoice["OrderId"]]
        async with world.engine.connect() as conn:
            total, ref_id = (
                await conn.execute(
                    text(
                        "SELECT o.total_rial, p.ref_id FROM store_order o JOIN payment p ON p.order_id = o.id "
                        "WHERE o.id = :o"
                    ),
                    {"o": order_id},
                )
            ).one()
        assert receipt["CashAmount"] == total and receipt["TrackingCode"] == str(ref_id)
        [person] = [p for p in world.mahak_rows("Person") if p["PersonId"] == invoice["PersonId"]]
        assert person["Mobile"] == "09121112233" and person["LastName"] == "احمدی"
        assert any(v["PersonId"] == person["PersonId"] for v in world.mahak_rows("VisitorPerson"))
        assert await world.order_status(order_id) == "sent_to_accounting"
        # and the units still count against stock until Mahak's stock includes them
        assert await _sellable(world, d1) == s1 - 2
        # when the sync pulls the invoice and the stock it moved
        await world.sync()
        async with running(world):
            await world.wait_jobs({"invoiced"})
        # then the order is invoiced, the hold released, and the Mahak stock is the old stock minus the sale
        assert await world.order_status(order_id) == "invoiced"
        assert await _stock(world, d1) == s1 - 2 and await _stock(world, d2) == s2 - 1
        # and the sold units count once (in Mahak's stock), not twice (in it and in a hold never released)
        assert await _sellable(world, d1) == s1 - 2 and await _sellable(world, d2) == s2 - 1

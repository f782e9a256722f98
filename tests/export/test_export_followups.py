"""After the export: a cancelled exported order goes back to Mahak as a sales return (type 202) with the same
lines, or is flagged for staff when returns are off; reconciliation reports orders missing in Mahak, present
twice or with other totals, and re-exports a paid order whose job was lost."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from hamgam.adapters.db.store_uow import SqlStoreUnitOfWork
from hamgam.domain.invoice import InvoiceLine, line_total
from hamgam.domain.orders import OrderStatus
from hamgam.services.store.orders import transition
from tests.export.conftest import ExportWorld, running


async def _exported(world: ExportWorld, mobile: str = "09120000004") -> tuple[int, list[tuple[int, int]]]:
    await world.sync()
    (d1, s1), (d2, s2) = await world.sellable(2)
    order_id = await world.paid_order(await world.customer(mobile), [(d1, 2), (d2, 1)])
    async with running(world):
        await world.wait_jobs({"sent"})
    return order_id, [(d1, s1), (d2, s2)]


async def _cancel(world: ExportWorld, order_id: int) -> None:
    async with world.engine.begin() as conn:
        await transition(
            SqlStoreUnitOfWork.joining(conn), order_id, OrderStatus.CANCELLED, actor="staff:test",
            reason="customer changed mind",
        )  # fmt: skip


async def test_cancel_exported_order_sends_a_return_and_stock_comes_back(fresh_mahak, make_world) -> None:
    async with make_world(fresh_mahak) as world:
        # given an exported, invoiced order
        order_id, [(d1, s1), (d2, s2)] = await _exported(world)
        await world.sync()
        async with running(world):
            await world.wait_jobs({"invoiced"})
        # when staff cancel it
        await _cancel(world, order_id)
        async with running(world):
            [ret] = await world.wait_jobs({"sent"}, kind="return")
        # then Mahak holds a sales return naming the invoice, with the same lines
        [sale] = world.mahak_orders(201)
        [refund] = world.mahak_orders(202)
        assert str(sale["OrderCode"]) in refund["Description"] and refund["PersonId"] == sale["PersonId"]
        lines = [d for d in world.mahak_rows("OrderDetail") if d["OrderId"] == refund["OrderId"]]
        assert sorted((d["ProductDetailId"], d["Count1"]) for d in lines) == sorted([(d1, 2), (d2, 1)])
        assert ret["mahak_order_id"] == refund["OrderId"]
        # and after the sync the stock is back where it started
        await world.sync()
        async with world.engine.connect() as conn:
            stock = dict(
                (
                    await conn.execute(
                        text("SELECT product_detail_id, count1 FROM visitor_product WHERE product_detail_id = ANY(:d)"),
                        {"d": [d1, d2]},
                    )
                ).all()
            )
        assert stock == {d1: s1, d2: s2}


async def test_cancel_exported_order_with_returns_off_is_flagged(fresh_mahak, make_world) -> None:
    async with make_world(fresh_mahak, returns="flag") as world:
        # given an exported order and returns switched off
        order_id, _ = await _exported(world)
        # when staff cancel it
        await _cancel(world, order_id)
        async with running(world) as role:
            await role.run_passes_once()
        # then nothing more goes to Mahak, and staff are told to return it by hand
        assert len(world.mahak_orders(None)) == 1
        flagged = await world.job(order_id, "return")
        assert flagged["status"] == "flagged" and "staff" in flagged["error"]
        assert "by hand" in (await world.job(order_id))["error"]


async def test_reconcile_reports_differences_and_reexports_a_lost_job(fresh_mahak, make_world) -> None:
    async with make_world(fresh_mahak) as world:
        # given an exported order the sync brought back
        order_id, _ = await _exported(world)
        await world.sync()
        async with running(world) as role:
            clean = await role.reconcile_if_free()
        assert clean["missing_in_mahak"] == clean["present_twice"] == clean["other_totals"] == []
        # when the desktop changes a line's price, and a second paid order lost its export job
        [invoice] = world.mahak_orders()
        [line, *_] = [d for d in world.mahak_rows("OrderDetail") if d["OrderId"] == invoice["OrderId"]]
        fresh_mahak.control.upsert_rows(
            "OrderDetail", [{"OrderDetailId": line["OrderDetailId"], "Price": line["Price"] + 10}]
        )
        await world.sync()
        ((d3, _),) = await world.sellable(1)
        lost = await world.paid_order(await world.customer("09120000005"), [(d3, 1)])
        async with world.engine.begin() as conn:
            await conn.execute(text("DELETE FROM queue_message"))
            await conn.execute(text("DELETE FROM export_job WHERE order_id = :o"), {"o": lost})
        async with running(world) as role:
            report = await role.reconcile_if_free()
            jobs = await world.wait_jobs({"sent", "invoiced"})

        # then the other total is reported, and the lost order is exported (once)
        def amount(price: int) -> int:  # Mahak's line amount, its tax and charge included (docs/invoice-totals.md)
            return line_total(
                InvoiceLine(
                    price, int(line["Count1"]), 0, Decimal(str(line["TaxPercent"])), Decimal(str(line["ChargePercent"]))
                )
            )

        assert [(r["order_id"], r["mahak_total_rial"] - r["store_total_rial"]) for r in report["other_totals"]] == [
            (order_id, amount(line["Price"] + 10) - amount(line["Price"]))
        ]
        assert report["fixed"]["jobs_written"] == [lost]
        assert len(jobs) == 2 and len(world.mahak_orders()) == 2
        assert await world.order_status(lost) == "sent_to_accounting"


async def test_a_full_refund_of_a_standing_order_sends_one_return(fresh_mahak, make_world) -> None:
    async with make_world(fresh_mahak) as world:
        # given an exported order, part of it refunded: the sale stands
        order_id, [(d1, _), (d2, _)] = await _exported(world, "09120000006")
        async with world.engine.connect() as conn:
            total = (
                await conn.execute(text("SELECT total_rial FROM store_order WHERE id = :o"), {"o": order_id})
            ).one()[0]
        store = world.container.store
        await store.refund_order(order_id, amount_rial=10_000, method="cash", note="", actor="staff:test")
        async with running(world) as role:
            await role.run_passes_once()
        assert world.mahak_orders(202) == []
        # when the rest is refunded (the goods came back)
        await store.refund_order(
            order_id, amount_rial=total - 10_000, method="card_to_card", note="", actor="staff:test"
        )
        async with running(world):
            [ret] = await world.wait_jobs({"sent"}, kind="return")
        # then Mahak holds a sales return naming the invoice, with the same lines
        [sale] = world.mahak_orders(201)
        [returned] = world.mahak_orders(202)
        assert str(sale["OrderCode"]) in returned["Description"] and ret["mahak_order_id"] == returned["OrderId"]
        lines = [d for d in world.mahak_rows("OrderDetail") if d["OrderId"] == returned["OrderId"]]
        assert sorted((d["ProductDetailId"], d["Count1"]) for d in lines) == sorted([(d1, 2), (d2, 1)])
        # and only once: more passes, and cancelling the order afterwards, add no second return
        await _cancel(world, order_id)
        async with running(world) as role:
            await role.run_passes_once()
            await role.run_passes_once()
        assert len(world.mahak_orders(202)) == 1
        async with world.engine.connect() as conn:
            kinds = (
                (
                    await conn.execute(
                        text("SELECT kind FROM export_job WHERE order_id = :o ORDER BY id"), {"o": order_id}
                    )
                )
                .scalars()
                .all()
            )
        assert kinds == ["sale", "return"]

"""The invoice Mahak computes for an exported order totals exactly what the buyer paid (the receipt), under each
combination of the shop's VAT settings and Mahak's Setting 14008, with products carrying their own percents and
the database defaults (14000/14001); and the reconciliation records any invoice whose total differs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from hamgam.services.export.admin import list_jobs
from hamgam.services.sync.metrics import SyncMetrics
from tests.export.conftest import ExportWorld, running

#: A price with no round VAT in it, so the net prices leave a remainder.
ODD_PRICE = 1_234_567


def _set_tax_switch(world_sim, value: str) -> None:
    [row] = [r for r in world_sim.control.rows("Setting", live=True) if r["SettingCode"] == 14008]
    world_sim.control.upsert_rows("Setting", [{"SettingId": row["SettingId"], "Value": value}])


async def _products_with_own_percents(world: ExportWorld) -> list[int]:
    """Three details on sale: one whose product takes the database defaults (0/0 → 14000/14001), one with no
    tax and its own charge, one with decimal percents of its own and an odd price."""
    details = [d for d, _ in await world.sellable(3)]
    async with world.engine.connect() as conn:
        products = dict(
            (
                await conn.execute(
                    text("SELECT mahak_id, product_id FROM product_detail WHERE mahak_id = ANY(:d)"), {"d": details}
                )
            ).all()
        )
    assert len(set(products.values())) == 3
    sim = world.sim.control
    sim.upsert_rows(
        "Product",
        [
            {"ProductId": products[details[0]], "TaxPercent": 0, "ChargePercent": 0},
            {"ProductId": products[details[1]], "TaxPercent": -1, "ChargePercent": 9},
            {"ProductId": products[details[2]], "TaxPercent": 2.5, "ChargePercent": 7.25},
        ],
    )
    sim.upsert_rows(
        "ProductDetail",
        [
            {"ProductDetailId": details[2], **{f"Price{i}": ODD_PRICE for i in range(1, 11)}},
        ],
    )
    await world.sync()
    return details


async def _paid(world: ExportWorld, order_id: int) -> dict:
    async with world.engine.connect() as conn:
        return dict(
            (
                await conn.execute(
                    text(
                        "SELECT o.items_rial, o.vat_rial, o.shipping_rial, o.total_rial, p.amount_rial "
                        "FROM store_order o JOIN payment p ON p.order_id = o.id AND p.status = 'paid' WHERE o.id = :o"
                    ),
                    {"o": order_id},
                )
            )
            .mappings()
            .one()
        )


@pytest.mark.parametrize(
    ("prices_include_vat", "charge_vat", "tax_switch"),
    [
        pytest.param(True, True, "1", id="prices-include-vat"),
        pytest.param(False, True, "1", id="vat-added-at-checkout"),
        pytest.param(True, True, "0", id="mahak-tax-off"),
        pytest.param(False, False, "1", id="shop-charges-no-vat"),
    ],
)
async def test_mahak_invoice_total_is_the_receipt(
    fresh_mahak, make_world, prices_include_vat, charge_vat, tax_switch
) -> None:
    _set_tax_switch(fresh_mahak, tax_switch)
    store = {"prices_include_vat": prices_include_vat, "charge_vat": charge_vat}
    async with make_world(fresh_mahak, store=store) as world:
        # given a synced catalogue whose products carry defaults and percents of their own
        await world.sync()
        d1, d2, d3 = await _products_with_own_percents(world)
        # when a buyer pays for three lines and the order is exported
        order_id = await world.paid_order(await world.customer("09121112233"), [(d1, 3), (d2, 1), (d3, 7)])
        async with running(world):
            [sent] = await world.wait_jobs({"sent"})
        paid = await _paid(world, order_id)
        # then the invoice Mahak computes is exactly what the buyer paid, and what the receipt says
        [receipt] = [r for r in world.mahak_rows("Receipt") if r["OrderId"] == sent["mahak_order_id"]]
        assert fresh_mahak.control.invoice_total(sent["mahak_order_id"]) == paid["total_rial"]
        assert Decimal(str(receipt["CashAmount"])) == paid["total_rial"] == paid["amount_rial"]
        lines = [d for d in world.mahak_rows("OrderDetail") if d["OrderId"] == sent["mahak_order_id"]]
        levies = {d["ProductDetailId"]: (d["TaxPercent"], d["ChargePercent"]) for d in lines}
        if tax_switch == "1" and charge_vat:
            # the lines carry Mahak's percents: 14000=1 and 14001=9 for the first, the products' own for the others
            assert levies == {d1: (1, 9), d2: (0, 9), d3: (2.5, 7.25)}
            if prices_include_vat:
                assert paid["vat_rial"] == 0 and paid["total_rial"] == paid["items_rial"] + paid["shipping_rial"]
                # sent at net prices, the rounding leftover on the invoice's OtherCost
                prices = {d["ProductDetailId"]: d["Price"] for d in lines}
                assert prices[d3] < ODD_PRICE
                [invoice] = [o for o in world.mahak_orders() if o["OrderId"] == sent["mahak_order_id"]]
                assert 0 < invoice["OtherCost"] < 100  # 7 × 1,234,567 at 2.5 % + 7.25 % leaves 1 Rial
            else:
                assert paid["vat_rial"] > 0  # checkout added Mahak's tax and charge on top of the prices
        else:
            assert set(levies.values()) == {(0, 0)} and paid["vat_rial"] == 0
            assert {d["ProductDetailId"]: d["Price"] for d in lines}[d3] == ODD_PRICE
        # and the reconciliation, from what the sync brings back, finds the totals equal and records so
        await world.sync()
        async with running(world) as role:
            report = await role.reconcile_if_free()
        assert report["other_totals"] == []
        job = await world.job(order_id)
        assert job["mahak_total_rial"] == paid["total_rial"] and job["total_difference_rial"] == 0
        assert job["error"] is None


async def test_reconciliation_records_an_invoice_whose_total_is_not_the_receipt(fresh_mahak, make_world) -> None:
    async with make_world(fresh_mahak) as world:
        # given an exported order the sync brought back, its totals equal
        await world.sync()
        d1, d2, _ = await _products_with_own_percents(world)
        order_id = await world.paid_order(await world.customer("09121112233"), [(d1, 2), (d2, 1)])
        async with running(world):
            [sent] = await world.wait_jobs({"sent"})
        paid = (await _paid(world, order_id))["total_rial"]
        # when the desktop app drops the charge of one line (Mahak's total is no longer the receipt)
        line = next(
            d
            for d in world.mahak_rows("OrderDetail")
            if d["OrderId"] == sent["mahak_order_id"] and d["ProductDetailId"] == d1
        )
        fresh_mahak.control.upsert_rows("OrderDetail", [{"OrderDetailId": line["OrderDetailId"], "ChargePercent": 0}])
        mahak_total = int(fresh_mahak.control.invoice_total(sent["mahak_order_id"]))
        assert mahak_total < paid
        await world.sync()
        async with running(world) as role:
            report = await role.reconcile_if_free()
        # then the report, the export job, the staff list of export problems and the metric all show it
        assert [(r["order_id"], r["mahak_total_rial"], r["difference_rial"]) for r in report["other_totals"]] == [
            (order_id, mahak_total, mahak_total - paid)
        ]
        job = await world.job(order_id)
        assert job["mahak_total_rial"] == mahak_total and job["total_difference_rial"] == mahak_total - paid
        assert "جمع فاکتور محک" in job["error"] and str(paid) in job["error"]
        problems = await list_jobs(world.container.export_uow, errors_only=True)
        assert [(j["order_id"], j["total_difference_rial"]) for j in problems["items"]] == [
            (order_id, mahak_total - paid)
        ]
        metrics = SyncMetrics(CollectorRegistry())
        await metrics.refresh(world.container.sync_reads, world.container.queue)
        assert metrics.registry.get_sample_value("hamgam_export_total_mismatch_orders") == 1
        # when the desktop puts the charge back, the next reconciliation clears it
        fresh_mahak.control.upsert_rows(
            "OrderDetail", [{"OrderDetailId": line["OrderDetailId"], "ChargePercent": line["ChargePercent"]}]
        )
        await world.sync()
        async with running(world) as role:
            assert (await role.reconcile_if_free())["other_totals"] == []
        job = await world.job(order_id)
        assert job["total_difference_rial"] == 0 and job["error"] is None
        await metrics.refresh(world.container.sync_reads, world.container.queue)
        assert metrics.registry.get_sample_value("hamgam_export_total_mismatch_orders") == 0

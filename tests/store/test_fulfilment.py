"""Fulfilment on PostgreSQL: many orders shipped at once (each on its own, audited), printed as one document
(the label's barcode decodes to the order number), and refunds that never add up to more than was paid, even
when two staff record one at the same moment."""

from __future__ import annotations

import asyncio
import io

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pypdf import PdfReader
from sqlalchemy import create_engine, pool

from hamgam.adapters.db.engine import sync_url
from hamgam.adapters.db.schema import metadata
from hamgam.domain.errors import Conflict
from hamgam.domain.fulfilment import PrintKind
from hamgam.domain.orders import OrderStatus
from hamgam.services.store.orders import get_order, transition
from hamgam.services.store.shipping import ShipmentRequest
from tests.store.conftest import StoreWorld, add_customer, buy, scalar, seed_product
from tests.unit.test_fulfilment_pdf import barcodes_on

S = OrderStatus


async def _orders(world: StoreWorld, *targets: OrderStatus) -> list[int]:
    """One order per target, moved there through the state machine (``pending_payment`` left as placed)."""
    customer = await add_customer(world.engine, "09121110000")
    detail = await seed_product(world.engine, 501, "چای سبز", stock=50)
    path = [S.PAID, S.SENT_TO_ACCOUNTING, S.INVOICED]
    ids = []
    for target in targets:
        order = await buy(world, customer, detail)
        if target is not S.PENDING_PAYMENT:
            for step in path[: path.index(target) + 1]:
                async with world.core.uow() as uow:
                    await transition(uow, order["id"], step, actor="test")
        ids.append(int(order["id"]))
    return ids


async def test_shipping_many_orders_ships_each_and_reports_each(world: StoreWorld) -> None:
    ready, also, unpaid = await _orders(world, S.INVOICED, S.INVOICED, S.PENDING_PAYMENT)
    outcomes = await world.core.ship_orders(
        [ShipmentRequest(ready, "tipax", "12345678"), ShipmentRequest(also, "post", "123"),
         ShipmentRequest(unpaid, "courier", "PK-9")],
        "staff:7",
    )  # fmt: skip
    assert [(o.order_id, o.shipped, o.field) for o in outcomes] == [
        (ready, True, None), (also, False, "tracking_code"), (unpaid, False, None)]  # fmt: skip
    assert await scalar(world.engine, "SELECT count(*) FROM shipment") == 1
    assert await scalar(world.engine, "SELECT status FROM store_order WHERE id = :i", i=also) == "invoiced"
    assert await scalar(world.engine, "SELECT count(*) FROM audit_log WHERE action = 'order.ship'") == 1
    batch = await scalar(world.engine, "SELECT details FROM audit_log WHERE action = 'order.ship_batch'")
    assert batch["shipped"] == [ready] and set(batch["refused"]) == {str(also), str(unpaid)}  # type: ignore[index]


async def test_labels_of_many_orders_print_as_one_document_whose_barcodes_decode(world: StoreWorld) -> None:
    first, second = await _orders(world, S.PAID, S.INVOICED)
    document = await world.core.invoices.print_orders(PrintKind.LABEL, [first, second])
    assert document.media_type == "application/pdf"
    assert [barcodes_on(document.content, n) for n in (0, 1)] == [[str(first)], [str(second)]]
    packing = await world.core.invoices.print_orders(PrintKind.PACKING_LIST, [second])
    assert "چای سبز" in PdfReader(io.BytesIO(packing.content)).pages[0].extract_text()


async def test_refunds_never_exceed_what_was_paid_even_when_recorded_at_once(world: StoreWorld) -> None:
    (order_id,) = await _orders(world, S.PAID)
    total = int((await get_order(world.core.uow, order_id))["total_rial"])

    async def refund(actor: str) -> object:
        try:
            return await world.core.refund_order(order_id, amount_rial=total, method="cash", note="", actor=actor)
        except Conflict as exc:
            return exc

    results = await asyncio.gather(refund("staff:1"), refund("staff:2"))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    assert (
        await scalar(world.engine, "SELECT sum(amount_rial) FROM order_refund WHERE order_id = :i", i=order_id) == total
    )
    seen = (await get_order(world.core.uow, order_id))["refunds"]
    assert (seen["refunded_rial"], seen["refundable_rial"], seen["mahak_return"]) == (total, 0, "by_refund")
    assert await scalar(world.engine, "SELECT count(*) FROM audit_log WHERE action = 'order.refund'") == 1


def test_migration_0020_matches_the_refund_table(database_url: str) -> None:
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert [d for d in diffs if "order_refund" in repr(d)] == []

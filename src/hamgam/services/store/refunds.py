"""Refunds: staff record money they gave back to a buyer (amount, method, note); the buyer sees it on their order.

The order is locked while the earlier refunds are summed, so two staff recording at once cannot together refund
more than was paid. The refund and its audit entry are written in one transaction. A full refund returns the sale in
the accounting software: the exporter's follow-up (``services.export.invoicing.handle_returns``) writes the
return job of an exported order cancelled or refunded in full, once per order (a cancelled order refunded in full
gets one return, not two).
"""

from __future__ import annotations

from typing import Any

from hamgam.domain.refunds import check_refund, is_full, mahak_return, paid_rial
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store.orders import lock_order


async def record_refund(
    uow_factory: UnitOfWorkFactory[StoreUnitOfWork],
    order_id: int,
    *,
    amount_rial: int,
    method: str,
    note: str,
    actor: str,
) -> dict[str, Any]:
    """Record a refund of ``amount_rial`` paid back by ``method`` (``InvalidInput`` naming the field when the
    amount is not positive or above what is left, the method unknown or the note too long; ``Conflict`` when
    the order was never paid or is refunded in full). Returns the refund row with ``mahak_return``."""
    async with uow_factory() as uow:
        order = await lock_order(uow, order_id)
        earlier = sum(int(r["amount_rial"]) for r in await uow.refunds.for_order(order_id))
        paid = paid_rial(order)
        refund = check_refund(amount_rial=amount_rial, method=method, note=note, paid_rial=paid, refunded_rial=earlier)
        full = is_full(refund.amount_rial, paid_rial=paid, refunded_rial=earlier)
        row = await uow.refunds.add(
            order_id,
            amount_rial=refund.amount_rial,
            method=str(refund.method),
            note=refund.note,
            full=full,
            actor=actor,
        )
        follow_up = mahak_return(order["status"], fully_refunded=full)
        await uow.audit.record(
            actor,
            "order.refund",
            f"order:{order_id}",
            {
                "amount_rial": refund.amount_rial,
                "method": str(refund.method),
                "full": full,
                "order_status": order["status"],
                "mahak_return": str(follow_up),
            },
        )
    return row | {"mahak_return": str(follow_up)}

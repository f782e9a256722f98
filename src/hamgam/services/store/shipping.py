"""Shipping an order: staff hand it to a carrier and record the tracking code; the buyer sees it on the order
page and receives it by SMS.

The shipment, the move to ``shipped`` (with the customer's SMS event carrying the carrier, code and link) and
the audit entry are written in one transaction: none is kept without the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hamgam.domain.errors import Conflict, InvalidInput, StoreError
from hamgam.domain.orders import OrderStatus
from hamgam.domain.shipping import normalize_tracking_code, parse_carrier, tracking_url
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store.orders import lock_order, shipment_view, transition


async def ship_order(
    uow_factory: UnitOfWorkFactory[StoreUnitOfWork],
    order_id: int,
    *,
    carrier: str,
    tracking_code: str,
    actor: str,
) -> dict[str, Any]:
    """Mark the order shipped by ``carrier`` under ``tracking_code`` (``InvalidInput`` naming the field when
    either is not valid; ``Conflict`` when the order cannot be shipped now or already was). Returns the
    shipment as ``shipment_view`` shows it."""
    chosen = parse_carrier(carrier)
    code = normalize_tracking_code(chosen, tracking_code)
    link = tracking_url(chosen, code)
    async with uow_factory() as uow:
        order = await lock_order(uow, order_id)
        if await uow.shipments.get(order_id) is not None:
            raise Conflict("این سفارش پیش‌تر ارسال شده است — the order was already shipped", order_id=order_id)
        await transition(
            uow,
            order_id,
            OrderStatus.SHIPPED,
            actor=actor,
            reason=f"{chosen}: {code}",
            notice={"carrier": str(chosen), "tracking_code": code, "tracking_url": link},
        )
        row = await uow.shipments.add(order_id, carrier=str(chosen), tracking_code=code, actor=actor)
        await uow.audit.record(
            actor,
            "order.ship",
            f"order:{order_id}",
            {"carrier": str(chosen), "tracking_code": code, "from": order["status"]},
        )
    return shipment_view(row) or {}


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    order_id: int
    carrier: str
    tracking_code: str


@dataclass(frozen=True, slots=True)
class ShipmentOutcome:
    """What became of one order of a batch: ``shipped`` with its shipment, or refused with the reason (the
    error's message, meant for staff) and the field it names, if any."""

    order_id: int
    shipped: bool
    shipment: dict[str, Any] | None = None
    reason: str = ""
    field: str | None = None


async def ship_many(
    uow_factory: UnitOfWorkFactory[StoreUnitOfWork], requests: Sequence[ShipmentRequest], *, actor: str
) -> list[ShipmentOutcome]:
    """Ship each order in its own transaction (``ship_order``), so one refused order (not shippable now, already
    shipped, a bad code) leaves the others shipped; returns an outcome per request, in order. A closing audit
    entry lists what was shipped and what was refused."""
    outcomes: list[ShipmentOutcome] = []
    for request in requests:
        try:
            shipment = await ship_order(
                uow_factory,
                request.order_id,
                carrier=request.carrier,
                tracking_code=request.tracking_code,
                actor=actor,
            )
        except StoreError as exc:
            field = exc.field if isinstance(exc, InvalidInput) else None
            outcomes.append(ShipmentOutcome(request.order_id, False, reason=exc.message, field=field))
        else:
            outcomes.append(ShipmentOutcome(request.order_id, True, shipment=shipment))
    async with uow_factory() as uow:
        await uow.audit.record(
            actor,
            "order.ship_batch",
            "orders",
            {
                "shipped": [o.order_id for o in outcomes if o.shipped],
                "refused": {str(o.order_id): o.reason for o in outcomes if not o.shipped},
            },
        )
    return outcomes

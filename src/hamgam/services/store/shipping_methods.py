"""The merchant edits the shipping methods: add, change, take off offer and put back. Each change is audited in
its own transaction; a method is never deleted (past orders keep naming it)."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from hamgam.domain.errors import NotFound
from hamgam.domain.shipping_rates import ShippingRate
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory


def _details(rate: ShippingRate) -> dict[str, Any]:
    return {
        "title": rate.title,
        "kind": str(rate.kind),
        "base_rial": rate.base_rial,
        "province_rial": dict(rate.province_rial),
        "weight_tiers": [[t.over_g, t.extra_rial] for t in rate.weight_tiers],
        "free_over_rial": rate.free_over_rial,
        "active": rate.active,
        "position": rate.position,
    }


class ShippingMethodsService:
    def __init__(self, uow: UnitOfWorkFactory[StoreUnitOfWork]) -> None:
        self._uow = uow

    async def all(self) -> list[ShippingRate]:
        """Every method, those off offer too, by position."""
        async with self._uow() as uow:
            return await uow.shipping.list(active_only=False)

    async def get(self, method_id: int) -> ShippingRate:
        async with self._uow() as uow:
            found = await uow.shipping.get(method_id)
        if found is None:
            raise NotFound("روش ارسال پیدا نشد — shipping method not found", field="method_id")
        return found

    async def add(self, rate: ShippingRate, *, actor: str) -> ShippingRate:
        """Store a new method (validated by ``domain.shipping_rates.parse_rate``) under a fresh code."""
        fresh = dataclasses.replace(rate, code=f"m-{secrets.token_hex(4)}", id=None)
        async with self._uow() as uow:
            method_id = await uow.shipping.add(fresh)
            await uow.audit.record(actor, "shipping_method.add", f"shipping_method:{method_id}", _details(fresh))
        return dataclasses.replace(fresh, id=method_id)

    async def update(self, method_id: int, rate: ShippingRate, *, actor: str) -> None:
        """Replace method ``method_id``'s settings (its code stays); ``NotFound`` when there is none."""
        async with self._uow() as uow:
            old = await uow.shipping.get(method_id)
            if old is None:
                raise NotFound("روش ارسال پیدا نشد — shipping method not found", field="method_id")
            new = dataclasses.replace(rate, id=method_id, code=old.code)
            await uow.shipping.update(new)
            await uow.audit.record(
                actor,
                "shipping_method.update",
                f"shipping_method:{method_id}",
                {"before": _details(old), "after": _details(new)},
            )

    async def set_active(self, method_id: int, active: bool, *, actor: str) -> None:
        """Offer the method at checkout again, or stop offering it."""
        async with self._uow() as uow:
            old = await uow.shipping.get(method_id)
            if old is None:
                raise NotFound("روش ارسال پیدا نشد — shipping method not found", field="method_id")
            await uow.shipping.update(dataclasses.replace(old, active=active))
            action = "shipping_method.enable" if active else "shipping_method.disable"
            await uow.audit.record(actor, action, f"shipping_method:{method_id}")

"""Figures for the admin dashboard: today's orders and sales (a Tehran day), work waiting for staff; and the
staff pages' small reads and audit entries."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hamgam.ports.catalog import CatalogUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory

TEHRAN = ZoneInfo("Asia/Tehran")


def start_of_today(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight in Tehran today, as an aware datetime (compared with UTC timestamps by PostgreSQL)."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone(TEHRAN)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


class DashboardService:
    def __init__(self, uow: UnitOfWorkFactory[CatalogUnitOfWork]) -> None:
        self._uow = uow

    async def today(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """Orders placed today, how many of them are paid, sales (Rial) paid today, and the open queues: orders
        awaiting payment, paid orders not yet shipped, open sync conflicts, new customers today."""
        start = start_of_today(now)
        async with self._uow() as uow:
            figures = await uow.dashboard.figures_since(start)
        return figures | {"since": start}

    async def refunds_due(self, limit: int = 50) -> list[dict[str, Any]]:
        """Payments that took money their order did not need and the gateway did not give back (``refund_due``):
        staff refund them by hand. Oldest first."""
        async with self._uow() as uow:
            return await uow.dashboard.refunds_due(limit)

    async def customer_disabled_at(self, customer_id: int) -> dt.datetime | None:
        """When staff disabled the customer's account (None: enabled)."""
        async with self._uow() as uow:
            return await uow.dashboard.customer_disabled_at(customer_id)

    async def record(self, actor: str, action: str, target: str, details: dict[str, Any]) -> None:
        """An audit entry for a staff action that wrote its change elsewhere."""
        async with self._uow() as uow:
            await uow.audit.record(actor, action, target, details)

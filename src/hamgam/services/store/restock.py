"""«خبرم کن» (notify me): a signed-in buyer (their mobile proven by the login code) asks to be told by SMS when an
out-of-stock product or variant is on sale again; sees and cancels their requests from the account page.

The SMS itself is the sync's doing: the batch that brings the stock back marks the requests notified and writes
their events in its own transaction (``hamgam.adapters.db.repositories.restock.notify_restocked``); the SMS
notifier sends them.
"""

from __future__ import annotations

from typing import Any

from hamgam.domain.errors import NotFound
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory


class RestockService:
    def __init__(self, uow: UnitOfWorkFactory[StoreUnitOfWork]) -> None:
        self._uow = uow

    async def request(self, customer_id: int, mobile: str, product_id: int, detail_id: int | None = None) -> bool:
        """Wait for the product (any variant) or one detail of it. Idempotent: True when the request is new,
        False when the buyer already waits for it."""
        async with self._uow() as uow:
            outcome = await uow.restock.add(customer_id, mobile, product_id, detail_id)
        if outcome is None:
            raise NotFound("کالا پیدا نشد — product not found")
        return outcome == "created"

    async def cancel(self, customer_id: int, request_id: int) -> None:
        async with self._uow() as uow:
            if not await uow.restock.cancel(customer_id, request_id):
                raise NotFound("درخواست پیدا نشد — request not found")

    async def pending(self, customer_id: int) -> list[dict[str, Any]]:
        async with self._uow() as uow:
            return [dict(r) for r in await uow.restock.pending(customer_id)]

"""The sales invoice of an order as a printable document, for its buyer or for staff."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from hamgam.domain.errors import Conflict
from hamgam.domain.orders import SOLD, OrderStatus
from hamgam.domain.sales_invoice import Party, sales_invoice
from hamgam.ports.documents import InvoiceRenderer
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store.orders import get_order


@dataclass(frozen=True, slots=True)
class Document:
    content: bytes
    media_type: str
    filename: str


def seller_party(name: str, *, address: str = "", phone: str = "", national_id: str = "") -> Party:
    """The seller as the invoice prints it (empty fields left off)."""
    details = (
        address,
        phone and f"تلفن: {phone}",
        national_id and f"شناسه ملی / کد اقتصادی: {national_id}",
    )
    return Party(name, tuple(d for d in details if d))


class InvoiceService:
    def __init__(
        self, uow: UnitOfWorkFactory[StoreUnitOfWork], renderer: InvoiceRenderer, seller: Party | Callable[[], Party]
    ) -> None:
        self._uow = uow
        self._renderer = renderer
        #: The seller block, read at each invoice when a callable (the shop's identity is edited in the panel).
        self._seller = seller

    async def sales_invoice(self, order_id: int, *, customer_id: int | None = None) -> Document:
        """The order's sales invoice; with ``customer_id`` only that customer's order (others are
        ``NotFound``). ``Conflict`` while the order is not a sale (not paid yet, expired or cancelled)."""
        order = await get_order(self._uow, order_id, customer_id=customer_id)
        if OrderStatus(order["status"]) not in SOLD:
            raise Conflict(
                "فاکتور فروش فقط برای سفارش پرداخت‌شده صادر می‌شود — only a paid order has a sales invoice",
                order_id=order_id,
            )
        seller = self._seller() if callable(self._seller) else self._seller
        # Laying out a PDF is CPU work: off the event loop.
        content = await asyncio.to_thread(self._renderer.render, sales_invoice(order, seller))
        return Document(content, self._renderer.media_type, f"invoice-{order_id}.pdf")

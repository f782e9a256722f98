"""Printable documents of orders: the sales invoice (for its buyer or for staff), the packing list and the
shipping label (for staff), one order or many in one document."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hamgam.domain.errors import Conflict, InvalidInput
from hamgam.domain.fulfilment import PrintKind, packing_list, shipping_label
from hamgam.domain.orders import SOLD, OrderStatus
from hamgam.domain.persian import to_persian_digits
from hamgam.domain.sales_invoice import Party, sales_invoice
from hamgam.domain.shipping import CARRIER_NAMES, Carrier
from hamgam.ports.documents import FulfilmentRenderer, InvoiceRenderer
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store.orders import get_order

#: The most orders printed in one document (a page of the admin orders list is 30).
MAX_BATCH = 100
_FILE_STEMS = {PrintKind.INVOICE: "invoice", PrintKind.PACKING_LIST: "packing-list", PrintKind.LABEL: "label"}


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


def not_printable_text(order_ids: Sequence[int]) -> str:
    numbers = "، ".join(to_persian_digits(str(n)) for n in order_ids)
    return (
        f"سفارش‌های {numbers} پرداخت‌شده نیستند (یا لغو شده‌اند) و چاپ نشدند؛ آن‌ها را از انتخاب بردارید"
        f" — orders {', '.join(map(str, order_ids))} are not sales"
    )


class InvoiceService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[StoreUnitOfWork],
        renderer: InvoiceRenderer,
        seller: Callable[[], Party],
        *,
        fulfilment: FulfilmentRenderer | None = None,
    ) -> None:
        self._uow = uow
        self._renderer = renderer
        #: The seller block, read at each document (the shop's identity is edited in the admin panel).
        self._seller = seller
        self._fulfilment = fulfilment

    async def sales_invoice(self, order_id: int, *, customer_id: int | None = None) -> Document:
        """The order's sales invoice; with ``customer_id`` only that customer's order (others are
        ``NotFound``). ``Conflict`` while the order is not a sale (not paid yet, expired or cancelled)."""
        order = await get_order(self._uow, order_id, customer_id=customer_id)
        if OrderStatus(order["status"]) not in SOLD:
            raise Conflict(
                "فاکتور فروش فقط برای سفارش پرداخت‌شده صادر می‌شود — only a paid order has a sales invoice",
                order_id=order_id,
            )
        seller = self._seller()
        # Laying out a PDF is CPU work: off the event loop.
        content = await asyncio.to_thread(self._renderer.render, sales_invoice(order, seller))
        return Document(content, self._renderer.media_type, f"invoice-{order_id}.pdf")

    async def print_orders(self, kind: PrintKind, order_ids: Sequence[int]) -> Document:
        """Staff's printout of ``kind`` for ``order_ids`` (in that order, duplicates once) as one document, each
        order from a new page. Only sales are printed: ``Conflict`` naming the orders that are not (nothing is
        printed then); ``InvalidInput`` on ``orders`` when none or more than ``MAX_BATCH`` are asked for;
        ``NotFound`` for an unknown order."""
        wanted = list(dict.fromkeys(order_ids))
        if not wanted:
            raise InvalidInput("هیچ سفارشی انتخاب نشده است — no order chosen", field="orders")
        if len(wanted) > MAX_BATCH:
            raise InvalidInput(
                f"حداکثر {to_persian_digits(str(MAX_BATCH))} سفارش با هم چاپ می‌شود — at most {MAX_BATCH} orders",
                field="orders",
            )
        orders = [await get_order(self._uow, order_id) for order_id in wanted]
        refused = [o["id"] for o in orders if OrderStatus(o["status"]) not in SOLD]
        if refused:
            raise Conflict(not_printable_text(refused), orders=refused)
        async with self._uow() as uow:
            # a label names the order's shipping method while the order has no shipment (a method off offer too)
            titles = {m.code: m.title for m in await uow.shipping.list(active_only=False)}
        render = self._layout(kind, orders, titles)
        content = await asyncio.to_thread(render)
        stem = _FILE_STEMS[kind]
        name = f"{stem}-{wanted[0]}.pdf" if len(wanted) == 1 else f"{stem}s-{len(wanted)}-orders.pdf"
        return Document(content, self._renderer.media_type, name)

    def _layout(
        self, kind: PrintKind, orders: list[dict[str, Any]], shipping_titles: Mapping[str, str]
    ) -> Callable[[], bytes]:
        seller = self._seller()
        if kind is PrintKind.INVOICE:
            invoices = [sales_invoice(o, seller) for o in orders]
            return lambda: self._renderer.render_many(invoices)
        fulfilment = self._fulfilment
        if fulfilment is None:
            raise Conflict("چاپ برگه‌های ارسال راه‌اندازی نشده است — fulfilment documents are not set up")
        if kind is PrintKind.PACKING_LIST:
            lists = [packing_list(o) for o in orders]
            return lambda: fulfilment.packing_lists(lists)
        labels = [shipping_label(o, seller, **_carrier_of(o, shipping_titles)) for o in orders]
        return lambda: fulfilment.labels(labels)


def _carrier_of(order: Mapping[str, Any], shipping_titles: Mapping[str, str]) -> dict[str, str]:
    shipment = order.get("shipment")
    if shipment:
        return {"carrier": CARRIER_NAMES[Carrier(shipment["carrier"])], "tracking_code": shipment["tracking_code"]}
    method = order.get("shipping_method") or ""
    return {"carrier": shipping_titles.get(method, method), "tracking_code": ""}

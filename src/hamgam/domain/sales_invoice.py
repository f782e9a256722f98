"""The sales invoice (فاکتور فروش) of an order, as printed for the buyer: who sold, who bought, the lines, VAT,
shipping and the total, all in Rial (the printout shows Toman).

Built from the order as the store keeps it (``sales_invoice``); the renderer (``hamgam.ports.documents``) only
lays it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hamgam.domain.persian import to_persian_digits


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    #: Other lines printed under the name (address, phone, national id…), already in display form.
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SalesLine:
    name: str
    quantity: int
    unit_price_rial: int
    total_rial: int


@dataclass(frozen=True, slots=True)
class SalesInvoice:
    order_id: int
    issued_at: dt.datetime
    seller: Party
    buyer: Party
    lines: tuple[SalesLine, ...]
    items_rial: int
    vat_rial: int
    shipping_rial: int
    total_rial: int


def delivery_address(address: Mapping[str, Any]) -> str:
    """Province, city and street address as one Persian line, its digits Persian (addresses are stored with
    Latin digits; a Latin number inside a right-to-left line is also reordered around it when drawn)."""
    return to_persian_digits(
        "، ".join(p for p in (address.get("province"), address.get("city"), address.get("line")) if p)
    )


def sales_invoice(order: Mapping[str, Any], seller: Party) -> SalesInvoice:
    """The invoice of an order (with its ``lines``): the buyer is the delivery address's recipient; dated when
    the order was paid (else placed)."""
    address = order.get("address") or {}
    buyer_details = tuple(
        part
        for part in (
            delivery_address(address),
            address.get("postal_code") and f"کد پستی: {address['postal_code']}",
            address.get("mobile") and f"تلفن همراه: {address['mobile']}",
        )
        if part
    )
    return SalesInvoice(
        order_id=int(order["id"]),
        issued_at=order.get("paid_at") or order["created_at"],
        seller=seller,
        buyer=Party(address.get("recipient_name") or "", buyer_details),
        lines=tuple(
            SalesLine(ln["name"], int(ln["quantity"]), int(ln["unit_price_rial"]), int(ln["total_rial"]))
            for ln in order["lines"]
        ),
        items_rial=int(order["items_rial"]),
        vat_rial=int(order.get("vat_rial") or 0),
        shipping_rial=int(order["shipping_rial"]),
        total_rial=int(order["total_rial"]),
    )

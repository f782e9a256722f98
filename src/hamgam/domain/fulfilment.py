"""The papers that go with a parcel: the packing list (what to put in the box, no prices) and the shipping label
(who sends, who receives, by which carrier, and the order number as a barcode the carrier's scanner reads).

Built from the order as the store keeps it; the renderer (``hamgam.ports.documents``) only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hamgam.domain.sales_invoice import Party, delivery_address


class PrintKind(StrEnum):
    """What staff print for one or many orders."""

    INVOICE = "invoice"
    PACKING_LIST = "packing"
    LABEL = "label"


@dataclass(frozen=True, slots=True)
class PackingLine:
    name: str
    #: The variant as the merchant names it (``رنگ: صورتی، سایز: XL``; '' without one).
    variant: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PackingList:
    order_id: int
    placed_at: dt.datetime
    recipient: str
    lines: tuple[PackingLine, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class ShippingLabel:
    order_id: int
    sender: Party
    receiver_name: str
    receiver_mobile: str
    #: Province, city and street, in display form.
    receiver_address: str
    postal_code: str
    #: The carrier's name as printed (the shipment's carrier once shipped, else the shipping method chosen).
    carrier: str
    tracking_code: str = ""


def barcode_value(order_id: int) -> str:
    """What the label's Code 128 barcode encodes: the order number in Latin digits, as scanners type it."""
    return str(order_id)


def packing_list(order: Mapping[str, Any]) -> PackingList:
    """The order's packing list (its ``lines`` in the order they were bought)."""
    address = order.get("address") or {}
    return PackingList(
        order_id=int(order["id"]),
        placed_at=order["created_at"],
        recipient=address.get("recipient_name") or "",
        lines=tuple(
            PackingLine(ln["name"], ln.get("variant") or "", int(ln["quantity"])) for ln in order.get("lines", ())
        ),
        note=order.get("note") or "",
    )


def shipping_label(order: Mapping[str, Any], sender: Party, *, carrier: str, tracking_code: str = "") -> ShippingLabel:
    """The order's A6 label: ``sender`` is the shop (its seller settings), the receiver the delivery address."""
    address = order.get("address") or {}
    return ShippingLabel(
        order_id=int(order["id"]),
        sender=sender,
        receiver_name=address.get("recipient_name") or "",
        receiver_mobile=address.get("mobile") or "",
        receiver_address=delivery_address(address),
        postal_code=address.get("postal_code") or "",
        carrier=carrier,
        tracking_code=tracking_code,
    )

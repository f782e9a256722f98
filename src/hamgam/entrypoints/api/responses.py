"""Typed response bodies of the customer-facing JSON API: they document the answers in the OpenAPI schema and
filter what leaves the gateway to the declared fields. Money is integer Rial (``*_rial``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from hamgam.domain.orders import BuyerState
from hamgam.domain.shipping import Carrier
from hamgam.services.store.invoices import Document


class ProductCardOut(BaseModel):
    product_id: int
    name: str
    code: str | None
    category_id: int | None
    #: Lowest and highest price of the product's details at the shop's price level (None: no detail on sale).
    min_price_rial: int | None
    max_price_rial: int | None
    #: Sellable stock over the details (Mahak stock minus orders not yet invoiced and active reservations).
    available: int
    #: Details (variants) on sale.
    details: int


class ProductPageOut(BaseModel):
    items: list[ProductCardOut]
    #: The number of matches when ``total_exact``; otherwise more than this many match.
    total: int
    total_exact: bool
    page: int
    per_page: int


class CartTokenOut(BaseModel):
    cart_token: uuid.UUID


class CartLineOut(BaseModel):
    product_detail_id: int
    #: None when the product is no longer sold (deleted, hidden or without a price).
    product_id: int | None
    name: str | None
    #: The variant by its Mahak property names and values ("رنگ: صورتی، سایز: XL"; "" without properties).
    variant: str = ""
    quantity: int
    unit_price_rial: int | None
    total_rial: int | None
    #: Sellable stock now (Mahak stock minus orders not yet invoiced and active reservations).
    available: int
    #: On sale with enough stock for this quantity; only these lines count in ``items_rial``.
    purchasable: bool


class CartOut(BaseModel):
    id: uuid.UUID
    lines: list[CartLineOut]
    items_rial: int


class OrderSummaryOut(BaseModel):
    id: int
    customer_id: int
    #: The store's internal status (the state machine's).
    status: str
    #: What to show the buyer: ``awaiting_payment``, ``paid``, ``preparing``, ``shipped``, ``delivered`` or
    #: ``cancelled`` (the accounting steps are ``preparing``; an expired order is ``cancelled``).
    state: BuyerState
    items_rial: int
    #: VAT added on top of the items (0 when the shop's prices include it): Mahak's tax and charge.
    vat_rial: int = 0
    shipping_rial: int
    total_rial: int
    shipping_method: str
    #: The delivery address as it was at checkout.
    address: dict[str, Any]
    note: str | None
    #: Stock is held until then while the order waits for payment.
    reserved_until: datetime | None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None


class OrderLineOut(BaseModel):
    product_detail_id: int
    product_id: int
    name: str
    #: The variant the buyer chose, as it was named at checkout ("رنگ: صورتی، سایز: XL"; "" without properties).
    variant: str = ""
    quantity: int
    unit_price_rial: int
    total_rial: int


class OrderEventOut(BaseModel):
    from_status: str | None
    to_status: str
    actor: str
    reason: str | None
    at: datetime


class PaymentOut(BaseModel):
    id: int
    authority: str
    amount_rial: int
    status: str
    ref_id: int | None
    #: Masked card number as the gateway reports it.
    card_pan: str | None
    created_at: datetime
    verified_at: datetime | None


class ShipmentOut(BaseModel):
    carrier: Carrier
    tracking_code: str
    #: The carrier's public tracking page for the code; None when it has none (a courier).
    tracking_url: str | None
    shipped_at: datetime


class OrderOut(OrderSummaryOut):
    lines: list[OrderLineOut]
    events: list[OrderEventOut]
    payments: list[PaymentOut]
    #: Set once the order is shipped.
    shipment: ShipmentOut | None = None


def pdf_response(document: Document) -> Response:
    """A generated document for download, private to whoever asked for it."""
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "content-disposition": f'inline; filename="{document.filename}"',
            "cache-control": "private, no-store",
        },
    )


class OrderPageOut(BaseModel):
    items: list[OrderSummaryOut]
    total: int
    page: int
    per_page: int


class PaymentStartOut(BaseModel):
    order_id: int
    authority: str
    #: Send the buyer here (the gateway's StartPay page).
    redirect_url: str
    amount_rial: int


class PaymentOutcomeOut(BaseModel):
    order_id: int
    payment_status: str
    ref_id: int | None
    amount_rial: int
    order_status: str


class OtpSentOut(BaseModel):
    mobile: str
    #: Seconds the code stays valid.
    expires_in: int
    #: Digits in the code.
    length: int


class CodeRequiredOut(BaseModel):
    """A staff password login's first step: a one-time code was texted; send it with ``challenge`` to
    ``POST /auth/login/verify``."""

    challenge: str
    #: Seconds the challenge stays valid.
    expires_in: int
    mobile: str
    #: Digits in the code.
    length: int


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class ProfileOut(BaseModel):
    id: int
    mobile: str
    full_name: str | None
    email: str | None
    national_code: str | None
    role: str
    created_at: datetime
    has_password: bool


class AddressOut(BaseModel):
    id: int
    title: str | None
    recipient_name: str
    mobile: str
    province: str
    city: str
    line: str
    postal_code: str

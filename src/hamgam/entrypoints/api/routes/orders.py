"""Checkout, the customer's orders, paying, and the gateway's callback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from hamgam.domain.checkout import Address
from hamgam.entrypoints.api.deps import Core, Customer, Id
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.responses import (
    OrderOut,
    OrderPageOut,
    PaymentOutcomeOut,
    PaymentStartOut,
    pdf_response,
)
from hamgam.entrypoints.api.schemas import CheckoutIn, QuoteIn

router = APIRouter(tags=["orders"], responses=ERROR_RESPONSES)


@router.post("/checkout", status_code=201, response_model=OrderOut)
async def checkout(core: Core, me: Customer, body: CheckoutIn) -> dict[str, Any]:
    """Order the cart: stock is held for the configured time while the customer pays."""
    address = Address.parse(**body.address.model_dump()) if body.address else None
    return await core.checkout.place_order(
        me.customer_id,
        shipping_method=body.shipping_method,
        address=address,
        address_id=body.address_id,
        note=body.note,
    )


@router.post("/checkout/quote")
async def checkout_quote(core: Core, me: Customer, body: QuoteIn) -> dict[str, Any]:
    """What the cart would cost now with ``shipping_method`` (default: the first on offer) sent to ``province``:
    items, VAT, shipping and the total in Rial, and every method on offer with its cost there. The same rule
    ``POST /checkout`` charges by; nothing is held."""
    return await core.checkout.quote(me.customer_id, shipping_method=body.shipping_method, province=body.province)


@router.get("/orders")
async def my_orders(
    core: Core,
    me: Customer,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> OrderPageOut:
    items, total = await core.customer_orders(me.customer_id, offset=(page - 1) * per_page, limit=per_page)
    return OrderPageOut(items=items, total=total, page=page, per_page=per_page)


@router.get("/orders/{order_id}", response_model=OrderOut)
async def my_order(core: Core, me: Customer, order_id: Id) -> dict[str, Any]:
    """Only the customer's own orders; others are not found."""
    return await core.customer_order(me.customer_id, order_id)


@router.get(
    "/orders/{order_id}/invoice.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The sales invoice"}},
)
async def my_invoice(core: Core, me: Customer, order_id: Id) -> Response:
    """The sales invoice (فاکتور فروش) of the customer's own paid order as a PDF; 409 while it is not paid."""
    return pdf_response(await core.invoices.sales_invoice(order_id, customer_id=me.customer_id))


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
async def cancel(core: Core, me: Customer, order_id: Id) -> dict[str, Any]:
    return await core.cancel_by_customer(me.customer_id, order_id)


@router.post(
    "/orders/{order_id}/pay",
    responses={503: {"description": "The payment gateway is unavailable"}},
    response_model=PaymentStartOut,
)
async def pay(core: Core, me: Customer, order_id: Id) -> dict[str, Any]:
    """Open a payment session; send the buyer to ``redirect_url``."""
    return await core.payments.start(order_id, me.customer_id)


@router.get("/payments/callback", response_model=PaymentOutcomeOut)
async def payment_callback(
    core: Core,
    authority: Annotated[str, Query(alias="Authority", min_length=1, max_length=64)],
    status: Annotated[str, Query(alias="Status", min_length=1, max_length=8)],
) -> dict[str, Any]:
    """Where the gateway sends the buyer back. ``Status`` is not trusted: the payment is verified server to
    server with the amount from our records."""
    outcome = await core.payments.callback(authority, status)
    await core.publish_events()  # the SMS consumer texts the buyer; a failure here leaves it to the relay job
    return outcome

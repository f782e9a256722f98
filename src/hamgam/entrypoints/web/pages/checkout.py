"""Checkout: delivery address (Iranian validation: mobile, 10-digit postal code, any digits), shipping method,
summary; the order holds its stock and the buyer goes to the payment gateway, then comes back to a clear
result page (paid, failed or cancelled)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query

from hamgam.domain.errors import InvalidInput, OutOfStock, PaymentUnavailable, StoreError
from hamgam.domain.orders import OrderStatus
from hamgam.domain.places import canonical_province, provinces
from hamgam.entrypoints.web.deps import AnyPage, CustomerPage, Page
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import AddressFields, Id, field_errors, page_router, parse_int
from hamgam.settings import Settings

router = page_router()
RETURN_PATH = "/checkout/return"
Field = Annotated[str, Form(max_length=500)]


def return_url(settings: Settings) -> str:
    """Where the gateway sends buyers back: built from configuration only (iran.md §1.6.6)."""
    base = settings.shop.public_base_url or f"http://{settings.api_host}:{settings.api_port}"
    return base.rstrip("/") + RETURN_PATH


def _province_of(values: dict, addresses: list[dict]) -> str | None:
    """The province the order would go to: the chosen saved address's, or the one typed in the new address."""
    chosen = values.get("address_id") or "new"
    if chosen == "new":
        return values.get("province") or None
    return next((a["province"] for a in addresses if str(a["id"]) == chosen), None)


def _vat_added(page: Page) -> bool:
    """Whether VAT comes on top of the prices shown."""
    shop = page.container.settings.shop
    return not shop.prices_include_vat and shop.charge_vat


async def _form(page: Page, *, values: dict | None = None, errors: dict | None = None, status_code: int = 200):
    core, user = page.core, page.user
    assert user is not None
    cid = await core.carts.resolve(customer_id=user.customer_id, guest_cart_id=None)
    view = await core.carts.view(cid)
    if not view["lines"]:
        return page.redirect("/cart", flash=N_("Your cart is empty."), kind="error")
    addresses = await core.accounts.addresses(user.customer_id)
    profile = await core.accounts.profile(user.customer_id)
    values = values or {
        "mobile": profile["mobile"],
        "recipient_name": profile.get("full_name") or "",
        "address_id": str(addresses[-1]["id"]) if addresses else "new",
    }
    quote = await core.checkout.quote(
        user.customer_id,
        shipping_method=values.get("shipping_method"),
        province=_province_of(values, addresses),
    )
    values["shipping_method"] = quote["shipping_method"]
    return page.render(
        "store/checkout.html",
        status_code=status_code,
        cart=view,
        addresses=addresses,
        quote=quote,
        vat_added=_vat_added(page),
        values=values,
        errors=errors or {},
        places=provinces(),
    )


@router.get("/checkout")
async def checkout_form(page: CustomerPage):
    return await _form(page)


@router.post("/checkout/summary")
async def checkout_summary(
    page: CustomerPage,
    shipping_method: Annotated[str, Form(max_length=32)] = "",
    address_id: Annotated[str, Form(max_length=20)] = "new",
    province: Field = "",
):
    """The order summary for the method and province chosen so far (htmx swaps it in as the buyer picks), with
    each method's cost there swapped in beside it. Posted (the form carries its CSRF token), changes nothing."""
    user = page.user
    assert user is not None
    values = {"shipping_method": shipping_method, "address_id": address_id, "province": province}
    addresses = await page.core.accounts.addresses(user.customer_id) if address_id != "new" else []
    quote = await page.core.checkout.quote(
        user.customer_id, shipping_method=shipping_method or None, province=_province_of(values, addresses)
    )
    cart = await page.core.carts.view(await page.core.carts.resolve(customer_id=user.customer_id, guest_cart_id=None))
    return page.render(
        "store/checkout.html",
        block="summary",
        cart=cart,
        quote=quote,
        oob=True,
        vat_added=_vat_added(page),
    )


@router.get("/places/cities")
async def city_field(
    page: AnyPage,
    province: Annotated[str, Query(max_length=100)] = "",
    city: Annotated[str, Query(max_length=100)] = "",
    prefix: Annotated[str, Query(max_length=20, pattern=r"^[a-z0-9_-]*$")] = "",
):
    """The city list of the province chosen (htmx swaps it in when the province changes)."""
    return page.render(
        "_city_field.html",
        places=provinces(),
        values={"province": canonical_province(province) or "", "city": city},
        errors={},
        prefix=prefix,
    )


@router.post("/checkout")
async def place(
    page: CustomerPage,
    new_address: AddressFields,
    shipping_method: Annotated[str, Form(max_length=32)] = "",
    address_id: Annotated[str, Form(max_length=20)] = "new",
    save_address: Annotated[str, Form(max_length=5)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
):
    user = page.user
    assert user is not None
    values = {
        "shipping_method": shipping_method,
        "address_id": address_id,
        **new_address.values(),
        "save_address": save_address,
        "note": note,
    }
    methods = {m.code: m for m in await page.core.checkout.shipping_methods()}
    method = methods.get(shipping_method)
    errors: dict[str, str] = {}
    if method is None:
        errors["shipping_method"] = page.locale.gettext(N_("Choose a shipping method."))
    address, saved_id = None, None
    if method is None or method.needs_address:
        if address_id == "new":
            try:
                address = new_address.parse()
            except InvalidInput as exc:
                errors |= field_errors(page, exc)
        else:
            saved_id = parse_int(address_id, low=1)
            if saved_id is None:
                errors["address_id"] = page.locale.gettext(N_("Choose an address."))
    if errors:
        return await _form(page, values=values, errors=errors, status_code=400)
    try:
        if address is not None and save_address:
            saved_id = (await page.core.accounts.add_address(user.customer_id, address))["id"]
            address = None
        order = await page.core.checkout.place_order(
            user.customer_id,
            shipping_method=shipping_method,
            address=address,
            address_id=saved_id,
            note=note.strip() or None,
        )
    except InvalidInput as exc:
        return await _form(page, values=values, errors=field_errors(page, exc), status_code=400)
    except (OutOfStock, StoreError) as exc:
        return await _form(page, values=values, errors={"form": page.error_text(exc)}, status_code=409)
    page.session.set("cart_n", 0)
    return await _pay(page, order["id"])


async def _pay(page: Page, order_id: int):
    assert page.user is not None
    try:
        started = await page.core.payments.start(
            order_id, page.user.customer_id, callback_url=return_url(page.container.settings)
        )
    except PaymentUnavailable:
        return page.redirect(
            f"/account/orders/{order_id}",
            flash=N_("The payment gateway did not answer. Your order is kept; try paying again."),
            kind="error",
        )
    return page.redirect(started["redirect_url"])


@router.post("/account/orders/{order_id}/pay")
async def pay(page: CustomerPage, order_id: Id):
    return await _pay(page, order_id)


@router.get(RETURN_PATH)
async def gateway_return(
    page: AnyPage,
    authority: Annotated[str, Query(alias="Authority", min_length=1, max_length=64)],
    status: Annotated[str, Query(alias="Status", min_length=1, max_length=8)],
):
    """The gateway's redirect back. ``Status`` is not trusted: the gateway is asked, and the page tells the buyer
    what it answered (paid, not paid yet, failed, or returned when the order did not need this payment)."""
    outcome = await page.core.payments.callback(authority, status)
    await page.core.publish_events()
    kind = _OUTCOMES.get(outcome["payment_status"], "pending")
    return page.redirect(f"/account/orders/{outcome['order_id']}/result?outcome={kind}")


#: What the result page says for each payment state after the gateway was asked.
_OUTCOMES = {
    "paid": "paid",
    "failed": "failed",
    "reversed": "returned",
    "refund_due": "returned",
}


@router.get("/account/orders/{order_id}/result")
async def result(page: CustomerPage, order_id: Id, outcome: Annotated[str, Query(max_length=16)] = "pending"):
    assert page.user is not None
    order = await page.core.customer_order(page.user.customer_id, order_id)
    status = OrderStatus(order["status"])
    # The query only picks the message; what it claims is checked against the order and its payments.
    returned = [p for p in order["payments"] if p["status"] in ("reversed", "refund_due")]
    if outcome == "returned" and returned:
        pass
    elif status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        outcome = "paid"
    elif outcome not in ("failed", "pending"):
        outcome = "pending"
    payment = next((p for p in reversed(order["payments"]) if p["status"] == "paid"), None)
    return page.render(
        "store/result.html",
        order=order,
        outcome=outcome,
        payment=payment,
        returned=returned[-1] if returned else None,
        can_pay=status is OrderStatus.PENDING_PAYMENT,
    )

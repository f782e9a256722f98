"""Account: log in by mobile with a one-time code (signing up on first use) or a password (then a code too for
staff), log out, set the password, orders with their status and Jalali dates, addresses."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Form, Query

from hamgam.domain.accounts import Factor
from hamgam.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited, StoreError, Unauthorized
from hamgam.domain.orders import SOLD, OrderStatus, buyer_timeline
from hamgam.domain.places import provinces
from hamgam.entrypoints.web.deps import AnyPage, CustomerPage, Page, safe_next
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import (
    MAX_PAGE,
    AddressFields,
    AddressForm,
    Id,
    document_response,
    field_errors,
    page_router,
    parse_int,
)
from hamgam.entrypoints.web.routing import with_retry_after
from hamgam.services.store.core import CodeRequired

router = page_router()
Next = Annotated[str, Form(max_length=300)]
Mobile = Annotated[str, Form(max_length=32)]

STATUS_LABELS = {
    "pending_payment": N_("Awaiting payment"),
    "paid": N_("Paid"),
    "sent_to_accounting": N_("Being processed"),
    "invoiced": N_("Invoiced"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired (not paid in time)"),
}
#: What a buyer reads of their order (``hamgam.domain.orders.BuyerState``): never the accounting steps.
BUYER_STATE_LABELS = {
    "awaiting_payment": N_("Awaiting payment"),
    "paid": N_("Paid"),
    "preparing": N_("Being prepared"),
    "shipped": N_("Has been shipped"),
    "delivered": N_("Has been delivered"),
    "cancelled": N_("Has been cancelled"),
}
#: The carriers (``hamgam.domain.shipping.Carrier``) by name.
CARRIER_LABELS = {"post": N_("Post"), "tipax": N_("Tipax"), "courier": N_("Courier")}
#: How a refund reached the buyer, in the buyer's words (``hamgam.domain.refunds.RefundMethod``).
BUYER_REFUND_LABELS = {
    "card_to_card": N_("paid to your card"),
    "gateway_reversal": N_("returned to the card you paid with"),
    "cash": N_("in cash"),
    "credit": N_("as store credit"),
}
PER_PAGE = 20


async def log_in(page: Page, customer: dict[str, Any], factors: Iterable[Factor]) -> None:
    """Start a gateway session, proved by ``factors``, for the customer in the cookie and merge the guest cart
    into theirs."""
    guest = page.session.get("cart")
    if guest:
        try:
            await page.core.carts.merge_into_customer(uuid.UUID(guest), customer["id"])
        except ValueError:
            pass
    pair = await page.core.tokens.issue(customer["id"], factors=factors)
    page.session.login(pair.access_token, pair.refresh_token)
    cid = await page.core.carts.resolve(customer_id=customer["id"], guest_cart_id=None)
    view = await page.core.carts.view(cid)
    page.session.set("cart_n", sum(line["quantity"] for line in view["lines"]))


def _login_page(
    page: Page,
    *,
    next_url: str,
    step: str = "mobile",
    mobile: str = "",
    error: str | None = None,
    status_code: int = 200,
    mode: str = "otp",
    challenge: str = "",
):
    return page.render(
        "store/login.html",
        status_code=status_code,
        next_url=safe_next(next_url),
        step=step,
        mobile=mobile,
        error=error,
        mode=mode,
        challenge=challenge,
    )


def _login_refused(page: Page, exc: StoreError, *, next_url: str, **form: str):
    """The login page again with what went wrong: 429 with ``Retry-After`` when rate limited, 400 otherwise."""
    status = 429 if isinstance(exc, RateLimited) else 400
    return with_retry_after(
        _login_page(page, next_url=next_url, error=page.error_text(exc), status_code=status, **form), exc
    )


@router.get("/login")
async def login_form(
    page: AnyPage,
    next: Annotated[str, Query(max_length=300)] = "/",
    mode: Annotated[str, Query(max_length=10)] = "otp",
):
    if page.user is not None:
        return page.redirect(safe_next(next))
    return _login_page(page, next_url=next, mode="password" if mode == "password" else "otp")


@router.post("/login/otp")
async def otp_request(page: AnyPage, mobile: Mobile, next: Next = "/"):
    try:
        sent = await page.core.accounts.request_otp(mobile, client=page.client)
    except (InvalidInput, RateLimited) as exc:
        return _login_refused(page, exc, next_url=next, mobile=mobile)
    return _login_page(page, next_url=next, step="code", mobile=sent["mobile"])


@router.post("/login/otp/verify")
async def otp_verify(page: AnyPage, mobile: Mobile, code: Annotated[str, Form(max_length=12)], next: Next = "/"):
    from hamgam.domain.persian import to_latin_digits

    try:
        customer = await page.core.accounts.verify_otp(mobile, to_latin_digits(code).strip())
    except (InvalidInput, Unauthorized, RateLimited) as exc:
        return _login_refused(page, exc, next_url=next, step="code", mobile=mobile)
    await log_in(page, customer, (Factor.OTP,))
    return page.redirect(safe_next(next), flash=N_("You are logged in."))


@router.post("/login/password")
async def password_login(
    page: AnyPage, mobile: Mobile, password: Annotated[str, Form(max_length=128)], next: Next = "/"
):
    try:
        result = await page.core.password_login(mobile, password, client=page.client)
    except (InvalidInput, Unauthorized, RateLimited) as exc:
        return _login_refused(page, exc, next_url=next, mobile=mobile, mode="password")
    if isinstance(result, CodeRequired):
        return _login_page(page, next_url=next, step="second_factor", mobile=result.mobile, challenge=result.challenge)
    await log_in(page, result, (Factor.PASSWORD,))
    return page.redirect(safe_next(next), flash=N_("You are logged in."))


@router.post("/login/password/verify")
async def password_login_code(
    page: AnyPage,
    challenge: Annotated[str, Form(max_length=1000)],
    code: Annotated[str, Form(max_length=12)],
    next: Next = "/",
):
    """The second step of a staff login: the code texted after the right password."""
    from hamgam.domain.persian import to_latin_digits

    try:
        customer = await page.core.finish_password_login(challenge, to_latin_digits(code).strip())
    except (InvalidInput, Unauthorized, RateLimited) as exc:
        return _login_refused(page, exc, next_url=next, step="second_factor", challenge=challenge)
    await log_in(page, customer, (Factor.PASSWORD, Factor.OTP))
    return page.redirect(safe_next(next), flash=N_("You are logged in."))


@router.post("/logout")
async def logout(page: AnyPage):
    refresh = page.session.get("rt")
    if refresh:
        try:
            await page.core.tokens.revoke(refresh)
        except StoreError:
            pass
    page.session.logout()
    return page.redirect("/", flash=N_("You are logged out."))


@router.get("/account")
async def account(page: CustomerPage):
    assert page.user is not None
    profile = await page.core.accounts.profile(page.user.customer_id)
    orders, total = await page.core.customer_orders(page.user.customer_id, offset=0, limit=5)
    waiting = await page.core.restock.pending(page.user.customer_id)
    return page.render(
        "store/account.html", profile=profile, orders=orders, total=total, labels=BUYER_STATE_LABELS, waiting=waiting
    )


@router.post("/account/restock/{request_id}/cancel")
async def cancel_restock(page: CustomerPage, request_id: Id):
    """Stop waiting for a product («خبرم کن»): no SMS will be sent for it."""
    assert page.user is not None
    try:
        await page.core.restock.cancel(page.user.customer_id, request_id)
    except NotFound as exc:
        return page.redirect("/account", flash=page.error_text(exc), kind="error")
    return page.redirect("/account", flash=N_("You will not be texted about that product."))


@router.post("/account/profile")
async def save_profile(
    page: CustomerPage,
    full_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    national_code: Annotated[str, Form(max_length=20)] = "",
):
    """Name, email and national code (checked; left empty, it is kept as it was)."""
    assert page.user is not None
    try:
        await page.core.accounts.update_profile(
            page.user.customer_id,
            full_name=full_name,
            email=email,
            national_code=national_code if national_code.strip() else None,
        )
    except InvalidInput as exc:
        return page.redirect("/account", flash=page.error_text(exc), kind="error")
    return page.redirect("/account", flash=N_("Your details were saved."))


@router.post("/account/password")
async def set_password(page: CustomerPage, password: Annotated[str, Form(max_length=128)]):
    """Set or change the password; every other session of the account ends (this one stays)."""
    assert page.user is not None
    try:
        await page.core.accounts.set_password(
            page.user.customer_id, password, session=page.user.session_id, two_factor=page.user.two_factor
        )
    except (InvalidInput, Forbidden) as exc:
        return page.redirect("/account", flash=page.error_text(exc), kind="error")
    return page.redirect("/account", flash=N_("Password saved. Your other sessions were logged out."))


@router.get("/account/orders")
async def orders(page: CustomerPage, page_: Annotated[str | None, Query(alias="page", max_length=10)] = None):
    assert page.user is not None
    number = parse_int(page_, low=1, high=MAX_PAGE) or 1
    items, total = await page.core.customer_orders(
        page.user.customer_id, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
    )
    return page.render(
        "store/orders.html",
        orders=items,
        total=total,
        page_number=number,
        pages=max(1, -(-total // PER_PAGE)),
        labels=BUYER_STATE_LABELS,
    )


@router.get("/account/orders/{order_id}")
async def order(page: CustomerPage, order_id: Id):
    assert page.user is not None
    found = await page.core.customer_order(page.user.customer_id, order_id)
    return page.render(
        "store/order.html",
        order=found,
        labels=BUYER_STATE_LABELS,
        carriers=CARRIER_LABELS,
        refund_methods=BUYER_REFUND_LABELS,
        timeline=buyer_timeline(found["events"]),
        can_pay=found["status"] == OrderStatus.PENDING_PAYMENT,
        has_invoice=OrderStatus(found["status"]) in SOLD,
    )


@router.get("/account/orders/{order_id}/invoice.pdf")
async def invoice(page: CustomerPage, order_id: Id):
    """The sales invoice of the customer's own paid order (another customer's is not found)."""
    assert page.user is not None
    try:
        document = await page.core.invoices.sales_invoice(order_id, customer_id=page.user.customer_id)
    except Conflict as exc:
        return page.redirect(f"/account/orders/{order_id}", flash=page.error_text(exc), kind="error")
    return document_response(document)


@router.post("/account/orders/{order_id}/cancel")
async def cancel(page: CustomerPage, order_id: Id):
    assert page.user is not None
    try:
        await page.core.cancel_by_customer(page.user.customer_id, order_id)
    except StoreError as exc:
        return page.redirect(f"/account/orders/{order_id}", flash=page.error_text(exc), kind="error")
    return page.redirect(f"/account/orders/{order_id}", flash=N_("The order was cancelled."))


async def _addresses(page: Page, *, values: dict | None = None, errors: dict | None = None, status_code: int = 200):
    assert page.user is not None
    return page.render(
        "store/addresses.html",
        status_code=status_code,
        addresses=await page.core.accounts.addresses(page.user.customer_id),
        values=values or {},
        errors=errors or {},
        places=provinces(),
    )


@router.get("/account/addresses")
async def addresses(page: CustomerPage):
    return await _addresses(page)


@router.post("/account/addresses")
async def add_address(page: CustomerPage, form: AddressFields):
    assert page.user is not None
    try:
        address = form.parse()
    except InvalidInput as exc:
        return await _addresses(page, values=form.values(), errors=field_errors(page, exc), status_code=400)
    await page.core.accounts.add_address(page.user.customer_id, address)
    return page.redirect("/account/addresses", flash=N_("Address saved."))


def _back(next_: str | None) -> str:
    """Only back to checkout or the address book."""
    return "/checkout" if next_ == "/checkout" else "/account/addresses"


async def _edit_address(page: Page, address_id: int, values: dict, back: str, *, errors=None, status_code=200):
    return page.render(
        "store/address_edit.html",
        status_code=status_code,
        address_id=address_id,
        values=values,
        errors=errors or {},
        places=provinces(),
        back=back,
    )


@router.get("/account/addresses/{address_id}/edit")
async def edit_address(
    page: CustomerPage, address_id: Id, next_: Annotated[str | None, Query(alias="next", max_length=20)] = None
):
    assert page.user is not None
    found = next((a for a in await page.core.accounts.addresses(page.user.customer_id) if a["id"] == address_id), None)
    if found is None:
        return page.redirect("/account/addresses", flash=N_("Address not found."), kind="error")
    values = {k: found.get(k) or "" for k in AddressForm.model_fields}
    return await _edit_address(page, address_id, values, _back(next_))


@router.post("/account/addresses/{address_id}/edit")
async def save_address(
    page: CustomerPage,
    address_id: Id,
    form: AddressFields,
    next_: Annotated[str, Form(alias="next", max_length=20)] = "",
):
    assert page.user is not None
    back = _back(next_)
    try:
        await page.core.accounts.update_address(page.user.customer_id, address_id, form.parse())
    except InvalidInput as exc:
        errors = field_errors(page, exc)
        return await _edit_address(page, address_id, form.values(), back, errors=errors, status_code=400)
    except NotFound:
        return page.redirect("/account/addresses", flash=N_("Address not found."), kind="error")
    return page.redirect(back, flash=N_("Address saved."))


@router.post("/account/addresses/{address_id}/delete")
async def delete_address(page: CustomerPage, address_id: Id):
    assert page.user is not None
    await page.core.accounts.delete_address(page.user.customer_id, address_id)
    return page.redirect("/account/addresses", flash=N_("Address removed."))

"""The cart: a guest's (its id kept in the session) or the logged-in customer's. Plain forms; with htmx the
quantity forms swap the cart block in place."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form

from hamgam.domain.errors import NotFound, OutOfStock, StoreError
from hamgam.entrypoints.web.deps import AnyPage, Page, safe_next
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import page_router, parse_int

router = page_router()
Qty = Annotated[str, Form(max_length=10)]
DetailId = Annotated[int, Form(ge=1, le=2**63 - 1)]


async def cart_id(page: Page, *, create: bool) -> uuid.UUID | None:
    """The cart this browser works on; a guest cart is created on first use when ``create``."""
    carts = page.core.carts
    if page.user is not None:
        return await carts.resolve(customer_id=page.user.customer_id, guest_cart_id=None)
    raw = page.session.get("cart")
    if raw:
        try:
            return await carts.resolve(customer_id=None, guest_cart_id=uuid.UUID(raw))
        except (NotFound, ValueError):
            page.session.pop("cart")
    if not create:
        return None
    new = await carts.create_guest_cart(client=page.client)
    page.session.set("cart", str(new))
    return new


def remember_count(page: Page, view: dict) -> None:
    page.session.set("cart_n", sum(line["quantity"] for line in view["lines"]))


async def _render_cart(page: Page, view: dict | None, error: str | None = None):
    if view is not None:
        remember_count(page, view)
    block = "cart" if page.htmx else None
    return page.render(
        "store/cart.html",
        block=block,
        cart=view,
        error=error,
        status_code=400 if error and page.htmx else 200,
    )


@router.get("/cart")
async def show(page: AnyPage):
    cid = await cart_id(page, create=False)
    return await _render_cart(page, await page.core.carts.view(cid) if cid else None)


#: Form fields of a product page's selectors: ``prop:<property code>`` = the chosen value.
CHOICE_PREFIX = "prop:"


async def chosen_detail(page: Page, product_id: int) -> int | None:
    """The detail a product page's selectors name (one ``prop:<code>`` field per property), or None when the
    product has no variant on sale with that combination."""
    form = await page.request.form()
    choice = {
        str(key).removeprefix(CHOICE_PREFIX): str(value)[:200]
        for key, value in form.multi_items()
        if str(key).startswith(CHOICE_PREFIX) and isinstance(value, str)
    }
    try:
        return await page.core.catalog.variant_detail(product_id, choice)
    except NotFound:
        return None


@router.post("/cart/add")
async def add(
    page: AnyPage,
    detail_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None,
    product_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None,
    quantity: Qty = "1",
    back: Annotated[str, Form(max_length=300)] = "/",
):
    """Add a detail, named by ``detail_id`` or by a product page's choice (``product_id`` and its
    ``prop:<code>`` selectors)."""
    qty = parse_int(quantity, low=1, high=10_000) or 1
    if detail_id is None:
        detail_id = await chosen_detail(page, product_id) if product_id is not None else None
        if detail_id is None:
            return page.redirect(safe_next(back), flash=N_("This combination is not available."), kind="error")
    cid = await cart_id(page, create=True)
    assert cid is not None
    current = await page.core.carts.view(cid)
    have = next((ln["quantity"] for ln in current["lines"] if ln["product_detail_id"] == detail_id), 0)
    try:
        view = await page.core.carts.set_line(cid, detail_id, have + qty)
    except OutOfStock:
        return page.redirect(safe_next(back), flash=N_("Not enough stock for that quantity."), kind="error")
    except StoreError as exc:
        return page.redirect(safe_next(back), flash=page.error_text(exc), kind="error")
    remember_count(page, view)
    return page.redirect("/cart", flash=N_("Added to your cart."))


@router.post("/cart/update")
async def update(page: AnyPage, detail_id: DetailId, quantity: Qty):
    qty = parse_int(quantity, low=0, high=10_000)
    cid = await cart_id(page, create=False)
    if cid is None:
        return page.redirect("/cart")
    error = None
    try:
        view = await page.core.carts.set_line(cid, detail_id, qty if qty is not None else 1)
    except StoreError as exc:
        error, view = page.error_text(exc), await page.core.carts.view(cid)
    if page.htmx:
        return await _render_cart(page, view, error)
    remember_count(page, view)
    return page.redirect("/cart", flash=error, kind="error") if error else page.redirect("/cart")


@router.post("/cart/remove")
async def remove(page: AnyPage, detail_id: DetailId):
    cid = await cart_id(page, create=False)
    if cid is None:
        return page.redirect("/cart")
    view = await page.core.carts.remove_line(cid, detail_id)
    if page.htmx:
        return await _render_cart(page, view)
    remember_count(page, view)
    return page.redirect("/cart", flash=N_("Removed from your cart."))

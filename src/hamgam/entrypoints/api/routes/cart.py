"""The cart: a guest's (``X-Cart-Token``) or, with a token, the customer's."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from hamgam.entrypoints.api.deps import CartToken, ClientKey, Core, Id, MaybeUser
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.responses import CartOut, CartTokenOut
from hamgam.entrypoints.api.schemas import CartLineIn

router = APIRouter(prefix="/cart", tags=["cart"], responses=ERROR_RESPONSES)


async def _cart_id(core: Core, user: MaybeUser, token: uuid.UUID | None) -> uuid.UUID:
    return await core.carts.resolve(customer_id=user.customer_id if user else None, guest_cart_id=token)


@router.post("", status_code=201)
async def create_cart(core: Core, client: ClientKey) -> CartTokenOut:
    """A new guest cart; send its ``cart_token`` as ``X-Cart-Token`` (and when logging in, to merge it). Rate
    limited per client address; a guest cart unchanged for 30 days (by default) expires."""
    return CartTokenOut(cart_token=await core.carts.create_guest_cart(client=client))


@router.get("", response_model=CartOut)
async def get_cart(core: Core, user: MaybeUser, x_cart_token: CartToken = None) -> dict[str, Any]:
    return await core.carts.view(await _cart_id(core, user, x_cart_token))


@router.put("/lines/{product_detail_id}", response_model=CartOut)
async def set_line(
    core: Core, user: MaybeUser, product_detail_id: Id, body: CartLineIn, x_cart_token: CartToken = None
) -> dict[str, Any]:
    """Set a line's quantity (0 removes it)."""
    return await core.carts.set_line(await _cart_id(core, user, x_cart_token), product_detail_id, body.quantity)


@router.delete("/lines/{product_detail_id}", response_model=CartOut)
async def remove_line(
    core: Core, user: MaybeUser, product_detail_id: Id, x_cart_token: CartToken = None
) -> dict[str, Any]:
    return await core.carts.remove_line(await _cart_id(core, user, x_cart_token), product_detail_id)

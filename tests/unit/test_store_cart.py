"""Carts against in-memory repositories: what may go in a cart, guest carts and their merge at login."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.domain.errors import Conflict, InvalidInput, NotFound, OutOfStock, RateLimited
from hamgam.services.store import jobs
from hamgam.services.store.cart import CartService
from hamgam.settings import ShopSettings
from tests.fakes.store import StoreData, store_uow


def cart_service(data: StoreData, **store: object) -> CartService:
    return CartService(store_uow(data), ShopSettings(**store), MemoryRateLimiter())


def shop() -> StoreData:
    data = StoreData()
    data.add_product(1, price_rial=1_000_000, on_hand=3)
    data.add_product(2, price_rial=0, on_hand=9)  # no price: not on sale
    return data


async def test_lines_are_checked_against_what_is_on_sale_now() -> None:
    data = shop()
    carts = cart_service(data, max_line_quantity=5)
    cart_id = await carts.create_guest_cart(client="10.0.0.1")
    with pytest.raises(NotFound):
        await carts.set_line(cart_id, 2, 1)
    with pytest.raises(NotFound):
        await carts.set_line(cart_id, 404, 1)
    with pytest.raises(OutOfStock):
        await carts.set_line(cart_id, 1, 4)
    with pytest.raises(InvalidInput):
        await carts.set_line(cart_id, 1, 6)
    view = await carts.set_line(cart_id, 1, 2)
    assert view["items_rial"] == 2_000_000
    assert (view["lines"][0]["unit_price_rial"], view["lines"][0]["purchasable"]) == (1_000_000, True)
    # the price and stock are read live: a line above what is left stays, but is not counted
    data.products[1].on_hand = 1
    view = await carts.view(cart_id)
    assert (view["lines"][0]["available"], view["lines"][0]["purchasable"], view["items_rial"]) == (1, False, 0)
    # quantity 0 removes the line
    assert (await carts.set_line(cart_id, 1, 0))["lines"] == []


async def test_guest_carts_are_rate_limited_per_address() -> None:
    carts = cart_service(shop(), cart_creates=2)
    await carts.create_guest_cart(client="10.0.0.1")
    await carts.create_guest_cart(client="10.0.0.1")
    with pytest.raises(RateLimited):
        await carts.create_guest_cart(client="10.0.0.1")
    await carts.create_guest_cart(client="10.0.0.2")


async def test_login_merges_the_guest_cart_once_with_quantities_capped() -> None:
    data = shop()
    data.add_product(3, on_hand=50)
    carts = cart_service(data, max_line_quantity=10)
    mine = await carts.resolve(customer_id=7, guest_cart_id=None)
    await carts.set_line(mine, 3, 8)
    guest = await carts.create_guest_cart(client="10.0.0.1")
    await carts.set_line(guest, 3, 5)
    await carts.set_line(guest, 1, 1)
    # when the guest logs in
    assert await carts.merge_into_customer(guest, 7) == mine
    # then the lines add up, capped at the line limit, and the guest cart is gone for good
    assert [(ln["product_detail_id"], ln["quantity"]) for ln in (await carts.view(mine))["lines"]] == [(3, 10), (1, 1)]
    with pytest.raises(NotFound):
        await carts.resolve(customer_id=None, guest_cart_id=guest)
    with pytest.raises(Conflict):
        await carts.set_line(guest, 1, 1)
    # and merging again changes nothing
    assert await carts.merge_into_customer(guest, 7) == mine
    assert len((await carts.view(mine))["lines"]) == 2


async def test_expired_guest_carts_answer_like_unknown_ones_and_are_purged() -> None:
    data = shop()
    carts = cart_service(data, guest_cart_ttl_s=3600)
    old, fresh = await carts.create_guest_cart(client="a"), await carts.create_guest_cart(client="a")
    customer = await carts.resolve(customer_id=7, guest_cart_id=None)
    for cart_id in (old, customer):
        data.carts[cart_id]["updated_at"] -= dt.timedelta(hours=2)
    with pytest.raises(NotFound):
        await carts.resolve(customer_id=None, guest_cart_id=old)
    with pytest.raises(NotFound):
        await carts.resolve(customer_id=None, guest_cart_id=uuid.uuid4())
    assert await carts.resolve(customer_id=None, guest_cart_id=fresh) == fresh
    assert await jobs.purge_guest_carts(store_uow(data), 3600) == 1
    assert set(data.carts) == {fresh, customer}

"""Carts: a guest's (identified by its random id, the guest's bearer secret) or a customer's (one active cart
per customer). On login the guest cart is merged into the customer's. Nothing is reserved until checkout;
prices and availability are read live from the catalogue each time the cart is shown.

Guest carts are created at most ``shop.cart_creates`` times per client address per window, and expire
``shop.guest_cart_ttl_s`` after their last change: an expired or merged guest cart answers like an unknown one,
and the store jobs purge them (``jobs.purge_guest_carts``).
"""

from __future__ import annotations

import uuid
from typing import Any

from hamgam.domain.checkout import check_quantity
from hamgam.domain.errors import Conflict, NotFound, OutOfStock, RateLimited
from hamgam.domain.persian import to_persian_digits
from hamgam.ports import RateLimiter
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.settings import ShopSettings


class CartService:
    def __init__(self, uow: UnitOfWorkFactory[StoreUnitOfWork], shop: ShopSettings, limiter: RateLimiter) -> None:
        self._uow = uow
        self._shop = shop
        self._limiter = limiter

    # --- identity ---

    async def create_guest_cart(self, *, client: str) -> uuid.UUID:
        """A new guest cart; rate limited per client address (``RateLimited``)."""
        retry_after = await self._limiter.hit(
            f"cart:ip:{client}", limit=self._shop.cart_creates, window_s=self._shop.cart_window_s
        )
        if retry_after is not None:
            wait = to_persian_digits(str(retry_after))
            raise RateLimited(
                f"سبدهای خرید زیادی ساخته شد؛ {wait} ثانیه دیگر دوباره تلاش کنید — too many carts, "
                f"retry in {retry_after}s",
                retry_after,
            )
        cart_id = uuid.uuid4()
        async with self._uow() as uow:
            await uow.carts.create_guest(cart_id)
        return cart_id

    async def resolve(self, *, customer_id: int | None, guest_cart_id: uuid.UUID | None) -> uuid.UUID:
        """The cart a request works on: the customer's when logged in, else the guest's (must be active)."""
        if customer_id is not None:
            async with self._uow() as uow:
                return await uow.carts.customer_cart(customer_id)
        if guest_cart_id is None:
            raise NotFound("سبد خرید پیدا نشد — no cart: create one first (POST /cart)")
        async with self._uow() as uow:
            found = await uow.carts.guest_live(guest_cart_id, self._shop.guest_cart_ttl_s)
        if not found:
            raise NotFound("سبد خرید پیدا نشد — cart not found")
        return guest_cart_id

    # --- lines ---

    async def set_line(self, cart_id: uuid.UUID, product_detail_id: int, quantity: int) -> dict[str, Any]:
        """Put ``quantity`` units of a detail in the cart (0 removes it). The detail must be on sale with a
        price, and the quantity within what is available now (checked again, atomically, at checkout)."""
        if quantity == 0:
            return await self.remove_line(cart_id, product_detail_id)
        check_quantity(quantity, self._shop.max_line_quantity)
        async with self._uow() as uow:
            found = await uow.catalog.sellable([product_detail_id])
            if not found or found[0].price_rial <= 0:
                raise NotFound(
                    "کالا برای فروش موجود نیست — product is not on sale", product_detail_id=product_detail_id
                )
            if quantity > found[0].available:
                raise OutOfStock(product_detail_id, found[0].available)
            await uow.carts.put_line(cart_id, product_detail_id, quantity)
            await self._touch(uow, cart_id)
        return await self.view(cart_id)

    async def remove_line(self, cart_id: uuid.UUID, product_detail_id: int) -> dict[str, Any]:
        async with self._uow() as uow:
            await uow.carts.remove_line(cart_id, product_detail_id)
            await self._touch(uow, cart_id)
        return await self.view(cart_id)

    async def clear(self, cart_id: uuid.UUID) -> None:
        async with self._uow() as uow:
            await uow.carts.clear(cart_id)

    async def _touch(self, uow: StoreUnitOfWork, cart_id: uuid.UUID) -> None:
        if await uow.carts.touch(cart_id) != "active":
            raise Conflict("این سبد خرید دیگر فعال نیست — this cart is no longer active")

    async def view(self, cart_id: uuid.UUID) -> dict[str, Any]:
        """The cart with live prices: each line's unit price, total and availability; totals in Rial over the
        lines that can be bought now."""
        async with self._uow() as uow:
            return await self.view_in(uow, cart_id)

    async def view_in(self, uow: StoreUnitOfWork, cart_id: uuid.UUID) -> dict[str, Any]:
        rows = await uow.carts.lines(cart_id)
        details = {d.detail_id: d for d in await uow.catalog.sellable([d for d, _ in rows])}
        lines: list[dict[str, Any]] = []
        for detail_id, quantity in rows:
            d = details.get(detail_id)
            on_sale = d is not None and d.price_rial > 0
            lines.append(
                {
                    "product_detail_id": detail_id,
                    "product_id": d.product_id if d else None,
                    "name": d.name if d else None,
                    "variant": d.variant if d else "",
                    "quantity": quantity,
                    "unit_price_rial": d.price_rial if d and on_sale else None,
                    "total_rial": d.price_rial * quantity if d and on_sale else None,
                    "available": d.available if d else 0,
                    "purchasable": d is not None and on_sale and d.available >= quantity,
                }
            )
        items = sum(line["total_rial"] or 0 for line in lines if line["purchasable"])
        return {"id": cart_id, "lines": lines, "items_rial": items}

    # --- login ---

    async def merge_into_customer(self, guest_cart_id: uuid.UUID, customer_id: int) -> uuid.UUID:
        """Move a guest cart's lines into the customer's cart (quantities add up, capped at the line limit) and
        mark the guest cart merged. Idempotent: a merged, expired or unknown guest cart changes nothing."""
        async with self._uow() as uow:
            target = await uow.carts.customer_cart(customer_id)
            guest = await uow.carts.merge_guest(guest_cart_id, self._shop.guest_cart_ttl_s)
            if guest is None or guest == target:
                return target
            await uow.carts.add_lines_from(target, guest_cart_id, cap=self._shop.max_line_quantity)
        return target

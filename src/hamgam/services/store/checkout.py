"""Checkout: turn the customer's cart into an order with its stock held, in one transaction.

Either the order exists with every line reserved (``pending_payment``, held until ``reserved_until``) and the
cart is closed, or nothing changed and the buyer is told which line is short.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hamgam.domain.checkout import Address, PricedLine, totals
from hamgam.domain.errors import Conflict, InvalidInput, NotFound
from hamgam.domain.orders import OrderStatus
from hamgam.domain.shipping_rates import ShippingRate, cart_weight_g, choose, shipping_cost
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store import reservations
from hamgam.services.store.orders import get_order, record_event
from hamgam.settings import ShopSettings


class CheckoutService:
    def __init__(self, uow: UnitOfWorkFactory[StoreUnitOfWork], shop: ShopSettings) -> None:
        self._uow = uow
        self._shop = shop

    async def shipping_methods(self, *, active_only: bool = True) -> list[ShippingRate]:
        """The merchant's methods by position (only those on offer, unless ``active_only`` is False)."""
        async with self._uow() as uow:
            return await uow.shipping.list(active_only=active_only)

    async def quote(
        self, customer_id: int, *, shipping_method: str | None = None, province: str | None = None
    ) -> dict[str, Any]:
        """What the customer's cart would cost now: ``items_rial``, ``vat_rial``, ``shipping_rial``,
        ``total_rial`` for ``shipping_method`` (the first on offer when None or unknown) sent to ``province``,
        with every method on offer and its cost there (``methods``). The same rule ``place_order`` charges by;
        nothing is held."""
        async with self._uow() as uow:
            methods = await uow.shipping.list(active_only=True)
            cart_id = await uow.carts.customer_cart(customer_id)
            rows = await uow.carts.lines(cart_id, by_detail=True)
            lines = await self._priced(uow, rows)
            weight = await self._weight(uow, lines)
        items = totals(lines, 0, prices_include_vat=self._shop.prices_include_vat).items_rial
        costs = {m.code: shipping_cost(m, province=province, items_rial=items, weight_g=weight) for m in methods}
        chosen = next((m for m in methods if m.code == shipping_method), methods[0] if methods else None)
        sums = totals(lines, costs[chosen.code] if chosen else 0, prices_include_vat=self._shop.prices_include_vat)
        return {
            "items_rial": sums.items_rial,
            "vat_rial": sums.vat_rial,
            "shipping_rial": sums.shipping_rial,
            "total_rial": sums.total_rial,
            "shipping_method": chosen.code if chosen else None,
            "needs_address": chosen.needs_address if chosen else True,
            "methods": [
                {"code": m.code, "title": m.title, "kind": str(m.kind), "cost_rial": costs[m.code]} for m in methods
            ],
        }

    async def place_order(
        self,
        customer_id: int,
        *,
        shipping_method: str,
        address: Address | None = None,
        address_id: int | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Create a ``pending_payment`` order from the customer's cart and hold its stock for
        ``shop.reservation_ttl_s``. The shipping cost is the merchant's rule (``domain.shipping_rates``) for the
        chosen method, the address's province and the cart; a pickup method needs no address. Raises
        ``InvalidInput`` (empty cart, bad shipping or address), ``Conflict`` (a line no longer on sale) or
        ``OutOfStock`` (nothing is held then).

        The cart is locked first, so a double-submitted checkout makes one order, not two.
        """
        async with self._uow() as uow:
            method = choose(await uow.shipping.list(active_only=True), shipping_method)
            cart_id = await uow.carts.customer_cart(customer_id)
            await uow.carts.lock(cart_id)
            rows = await uow.carts.lines(cart_id, by_detail=True)
            if not rows:
                raise InvalidInput("سبد خرید خالی است — the cart is empty", field="cart")
            delivery = await self._address(uow, customer_id, address, address_id, required=method.needs_address)
            lines = await self._priced(uow, rows, strict=True)
            weight = await self._weight(uow, lines)
            include_vat = self._shop.prices_include_vat
            items = totals(lines, 0, prices_include_vat=include_vat).items_rial
            province = delivery.province if delivery is not None and method.needs_address else None
            cost = shipping_cost(method, province=province, items_rial=items, weight_g=weight)
            sums = totals(lines, cost, prices_include_vat=include_vat)
            until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._shop.reservation_ttl_s)
            order_id = await uow.orders.create(
                customer_id=customer_id,
                status=str(OrderStatus.PENDING_PAYMENT),
                items_rial=sums.items_rial,
                vat_rial=sums.vat_rial,
                shipping_rial=sums.shipping_rial,
                total_rial=sums.total_rial,
                prices_include_vat=include_vat,
                shipping_method=method.code,
                address=delivery.as_dict() if delivery is not None else {},
                note=note,
                reserved_until=until,
            )
            await uow.orders.add_lines(order_id, lines)
            await record_event(uow, order_id, None, str(OrderStatus.PENDING_PAYMENT), f"customer:{customer_id}", None)
            await reservations.reserve(uow, order_id, [(ln.product_detail_id, ln.quantity) for ln in lines], until)
            await uow.carts.mark_ordered(cart_id)
        return await get_order(self._uow, order_id, customer_id=customer_id)

    async def _priced(
        self, uow: StoreUnitOfWork, rows: list[tuple[int, int]], *, strict: bool = False
    ) -> list[PricedLine]:
        """The cart's lines at today's prices and VAT rates; a line no longer on sale is a ``Conflict`` when
        ``strict``, left out otherwise (a quote shows what can still be bought)."""
        details = {d.detail_id: d for d in await uow.catalog.sellable([d for d, _ in rows])}
        for detail_id, _ in rows:
            found = details.get(detail_id)
            if strict and (found is None or found.price_rial <= 0):
                raise Conflict(
                    "یکی از کالاهای سبد دیگر فروخته نمی‌شود — a cart item is no longer on sale",
                    product_detail_id=detail_id,
                )
        rows = [(d, q) for d, q in rows if d in details and details[d].price_rial > 0]
        rates = await uow.catalog.product_rates(
            sorted({details[d].product_id for d, _ in rows}), charge_vat=self._shop.charge_vat
        )
        return [
            PricedLine(
                d,
                details[d].product_id,
                details[d].name,
                quantity,
                details[d].price_rial,
                rates[details[d].product_id],
                details[d].variant,
            )
            for d, quantity in rows
        ]

    @staticmethod
    async def _weight(uow: StoreUnitOfWork, lines: list[PricedLine]) -> float:
        weights = await uow.shipping.weights_g(sorted({ln.product_id for ln in lines}))
        return cart_weight_g((ln.quantity, weights.get(ln.product_id)) for ln in lines)

    async def _address(
        self,
        uow: StoreUnitOfWork,
        customer_id: int,
        address: Address | None,
        address_id: int | None,
        *,
        required: bool = True,
    ) -> Address | None:
        if address is not None and address_id is not None:
            raise InvalidInput(
                "یک نشانی بدهید: address یا address_id — give exactly one of address, address_id",
                field="address",
            )
        if address is None and address_id is None:
            if not required:
                return None
            raise InvalidInput(
                "یک نشانی بدهید: address یا address_id — give exactly one of address, address_id",
                field="address",
            )
        if address is not None:
            return address
        assert address_id is not None
        found = await uow.carts.saved_address(customer_id, address_id)
        if found is None:
            raise NotFound("نشانی پیدا نشد — address not found", field="address_id")
        return found

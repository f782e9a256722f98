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
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store import reservations
from hamgam.services.store.orders import get_order, record_event
from hamgam.settings import ShippingMethod, ShopSettings


class CheckoutService:
    def __init__(self, uow: UnitOfWorkFactory[StoreUnitOfWork], shop: ShopSettings) -> None:
        self._uow = uow
        self._shop = shop

    def shipping_methods(self) -> list[ShippingMethod]:
        return list(self._shop.shipping_methods)

    def _shipping(self, code: str) -> ShippingMethod:
        for method in self._shop.shipping_methods:
            if method.code == code:
                return method
        codes = ", ".join(m.code for m in self._shop.shipping_methods)
        raise InvalidInput(
            f"روش ارسال نامعتبر است — unknown shipping method (one of: {codes})", field="shipping_method"
        )

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
        ``shop.reservation_ttl_s``. Raises ``InvalidInput`` (empty cart, bad shipping or address),
        ``Conflict`` (a line no longer on sale) or ``OutOfStock`` (nothing is held then).

        The cart is locked first, so a double-submitted checkout makes one order, not two.
        """
        method = self._shipping(shipping_method)
        async with self._uow() as uow:
            cart_id = await uow.carts.customer_cart(customer_id)
            await uow.carts.lock(cart_id)
            rows = await uow.carts.lines(cart_id, by_detail=True)
            if not rows:
                raise InvalidInput("سبد خرید خالی است — the cart is empty", field="cart")
            delivery = await self._address(uow, customer_id, address, address_id)
            details = {d.detail_id: d for d in await uow.catalog.sellable([d for d, _ in rows])}
            for detail_id, _ in rows:
                found = details.get(detail_id)
                if found is None or found.price_rial <= 0:
                    raise Conflict(
                        "یکی از کالاهای سبد دیگر فروخته نمی‌شود — a cart item is no longer on sale",
                        product_detail_id=detail_id,
                    )
            rates = await uow.catalog.product_rates(
                sorted({details[d].product_id for d, _ in rows}), charge_vat=self._shop.charge_vat
            )
            lines = [
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
            include_vat = self._shop.prices_include_vat
            sums = totals(lines, method.cost_rial, prices_include_vat=include_vat)
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
                address=delivery.as_dict(),
                note=note,
                reserved_until=until,
            )
            await uow.orders.add_lines(order_id, lines)
            await record_event(uow, order_id, None, str(OrderStatus.PENDING_PAYMENT), f"customer:{customer_id}", None)
            await reservations.reserve(uow, order_id, [(ln.product_detail_id, ln.quantity) for ln in lines], until)
            await uow.carts.mark_ordered(cart_id)
        return await get_order(self._uow, order_id, customer_id=customer_id)

    async def _address(
        self, uow: StoreUnitOfWork, customer_id: int, address: Address | None, address_id: int | None
    ) -> Address:
        if (address is None) == (address_id is None):
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

"""Checkout: turn the customer's cart into an order with its stock held, in one transaction.

Either the order exists with every line reserved (``pending_payment``, held until ``reserved_until``) and the
cart is closed, or nothing changed and the buyer is told which line is short.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.catalog_read import sellable_details
from hamgam.adapters.db.vat_read import product_rates
from hamgam.domain.checkout import Address, PricedLine, totals
from hamgam.domain.errors import Conflict, InvalidInput, NotFound
from hamgam.domain.orders import OrderStatus
from hamgam.services.store import reservations
from hamgam.services.store.cart import CartService
from hamgam.services.store.orders import get_order, record_event
from hamgam.settings import ShippingMethod, StoreSettings, SyncSettings


class CheckoutService:
    def __init__(
        self, engine: AsyncEngine, rules: SyncSettings, store: StoreSettings, carts: CartService
    ) -> None:
        self._engine = engine
        self._rules = rules
        self._store = store
        self._carts = carts

    def shipping_methods(self) -> list[ShippingMethod]:
        return list(self._store.shipping_methods)

    def _shipping(self, code: str) -> ShippingMethod:
        for method in self._store.shipping_methods:
            if method.code == code:
                return method
        codes = ", ".join(m.code for m in self._store.shipping_methods)
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
        ``store.reservation_ttl_s``. Raises ``InvalidInput`` (empty cart, bad shipping or address),
        ``Conflict`` (a line no longer on sale) or ``OutOfStock`` (nothing is held then).

        The cart row is locked first, so a double-submitted checkout makes one order, not two.
        """
        method = self._shipping(shipping_method)
        async with self._engine.begin() as conn:
            cart_id = await self._carts.customer_cart(conn, customer_id)
            await conn.execute(text("SELECT 1 FROM cart WHERE id = :c FOR UPDATE"), {"c": cart_id})
            rows = (
                await conn.execute(
                    text(
                        "SELECT product_detail_id, quantity FROM cart_line WHERE cart_id = :c ORDER BY product_detail_id"
                    ),
                    {"c": cart_id},
                )
            ).all()
            if not rows:
                raise InvalidInput("سبد خرید خالی است — the cart is empty", field="cart")
            delivery = await self._address(conn, customer_id, address, address_id)
            details = {
                d.detail_id: d for d in await sellable_details(conn, self._rules, [r[0] for r in rows])
            }
            for detail_id, _ in rows:
                d = details.get(detail_id)
                if d is None or d.price_rial <= 0:
                    raise Conflict(
                        "یکی از کالاهای سبد دیگر فروخته نمی‌شود — a cart item is no longer on sale",
                        product_detail_id=detail_id,
                    )
            rates = await product_rates(
                conn, sorted({details[d].product_id for d, _ in rows}), charge_vat=self._store.charge_vat
            )
            lines = [
                PricedLine(
                    d, details[d].product_id, details[d].name, quantity, details[d].price_rial,
                    rates[details[d].product_id],
                )
                for d, quantity in rows
            ]
            include_vat = self._store.prices_include_vat
            sums = totals(lines, method.cost_rial, prices_include_vat=include_vat)
            until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._store.reservation_ttl_s)
            order_id = (
                await conn.execute(
                    text("""INSERT INTO store_order (customer_id, status, items_rial, vat_rial, shipping_rial,
                                total_rial, prices_include_vat, shipping_method, address, note, reserved_until)
                            VALUES (:c, :s, :i, :v, :sh, :t, :pv, :m, CAST(:a AS jsonb), :n, :u) RETURNING id"""),
                    {
                        "c": customer_id,
                        "s": str(OrderStatus.PENDING_PAYMENT),
                        "i": sums.items_rial,
                        "v": sums.vat_rial,
                        "pv": include_vat,
                        "sh": sums.shipping_rial,
                        "t": sums.total_rial,
                        "m": method.code,
                        "a": orjson.dumps(delivery.as_dict()).decode(),
                        "n": note,
                        "u": until,
                    },
                )
            ).scalar_one()
            await conn.execute(
                text("""INSERT INTO order_line (order_id, product_detail_id, product_id, name, quantity,
                            unit_price_rial, total_rial, tax_percent, charge_percent)
                        VALUES (:o, :d, :p, :n, :q, :u, :t, :tp, :cp)"""),
                [
                    {
                        "o": order_id,
                        "d": ln.product_detail_id,
                        "p": ln.product_id,
                        "n": ln.name,
                        "q": ln.quantity,
                        "u": ln.unit_price_rial,
                        "t": ln.total_rial,
                        "tp": ln.rates.tax,
                        "cp": ln.rates.charge,
                    }
                    for ln in lines
                ],
            )
            await record_event(
                conn, order_id, None, str(OrderStatus.PENDING_PAYMENT), f"customer:{customer_id}", None
            )
            await reservations.reserve(
                conn, self._rules, order_id, [(ln.product_detail_id, ln.quantity) for ln in lines], until
            )
            await conn.execute(
                text("UPDATE cart SET status = 'ordered', updated_at = now() WHERE id = :c"), {"c": cart_id}
            )
        return await get_order(self._engine, order_id, customer_id=customer_id)

    async def _address(
        self, conn: Any, customer_id: int, address: Address | None, address_id: int | None
    ) -> Address:
        if (address is None) == (address_id is None):
            raise InvalidInput(
                "یک نشانی بدهید: address یا address_id — give exactly one of address, address_id",
                field="address",
            )
        if address is not None:
            return address
        row = (
            (
                await conn.execute(
                    text("""SELECT title, recipient_name, mobile, province, city, line, postal_code FROM customer_address
                        WHERE id = :id AND customer_id = :c AND deleted_at IS NULL"""),
                    {"id": address_id, "c": customer_id},
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("نشانی پیدا نشد — address not found", field="address_id")
        return Address(**row)

"""Carts and their lines (``cart``, ``cart_line``) and the saved addresses checkout reads
(``hamgam.ports.store.CartRepository``)."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.checkout import Address

#: A guest cart the request may use: active and changed within the time to live (``:ttl`` seconds).
GUEST_CART_LIVE = "customer_id IS NULL AND status = 'active' AND updated_at > now() - make_interval(secs => :ttl)"


class SqlCartRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def create_guest(self, cart_id: uuid.UUID) -> None:
        await self._conn.execute(text("INSERT INTO cart (id) VALUES (:id)"), {"id": cart_id})

    async def customer_cart(self, customer_id: int) -> uuid.UUID:
        # Race-safe through the partial unique index of active customer carts.
        await self._conn.execute(
            text("""INSERT INTO cart (id, customer_id) VALUES (:id, :c)
                    ON CONFLICT (customer_id) WHERE status = 'active' AND customer_id IS NOT NULL DO NOTHING"""),
            {"id": uuid.uuid4(), "c": customer_id},
        )
        found: uuid.UUID = (
            await self._conn.execute(
                text("SELECT id FROM cart WHERE customer_id = :c AND status = 'active'"), {"c": customer_id}
            )
        ).scalar_one()
        return found

    async def guest_live(self, cart_id: uuid.UUID, ttl_s: int) -> bool:
        found = await self._conn.scalar(
            text(f"SELECT 1 FROM cart WHERE id = :id AND {GUEST_CART_LIVE}"), {"id": cart_id, "ttl": ttl_s}
        )
        return bool(found)

    async def lock(self, cart_id: uuid.UUID) -> None:
        await self._conn.execute(text("SELECT 1 FROM cart WHERE id = :c FOR UPDATE"), {"c": cart_id})

    async def lines(self, cart_id: uuid.UUID, *, by_detail: bool = False) -> list[tuple[int, int]]:
        order = "product_detail_id" if by_detail else "added_at, product_detail_id"
        rows = await self._conn.execute(
            text(f"SELECT product_detail_id, quantity FROM cart_line WHERE cart_id = :c ORDER BY {order}"),
            {"c": cart_id},
        )
        return [(int(row[0]), int(row[1])) for row in rows.all()]

    async def put_line(self, cart_id: uuid.UUID, product_detail_id: int, quantity: int) -> None:
        await self._conn.execute(
            text("""INSERT INTO cart_line (cart_id, product_detail_id, quantity) VALUES (:c, :d, :q)
                    ON CONFLICT (cart_id, product_detail_id) DO UPDATE SET quantity = EXCLUDED.quantity"""),
            {"c": cart_id, "d": product_detail_id, "q": quantity},
        )

    async def remove_line(self, cart_id: uuid.UUID, product_detail_id: int) -> None:
        await self._conn.execute(
            text("DELETE FROM cart_line WHERE cart_id = :c AND product_detail_id = :d"),
            {"c": cart_id, "d": product_detail_id},
        )

    async def clear(self, cart_id: uuid.UUID) -> None:
        await self._conn.execute(text("DELETE FROM cart_line WHERE cart_id = :c"), {"c": cart_id})

    async def touch(self, cart_id: uuid.UUID) -> str | None:
        status = await self._conn.scalar(
            text("UPDATE cart SET updated_at = now() WHERE id = :c RETURNING status"), {"c": cart_id}
        )
        return None if status is None else str(status)

    async def mark_ordered(self, cart_id: uuid.UUID) -> None:
        await self._conn.execute(
            text("UPDATE cart SET status = 'ordered', updated_at = now() WHERE id = :c"), {"c": cart_id}
        )

    async def merge_guest(self, guest_cart_id: uuid.UUID, ttl_s: int) -> uuid.UUID | None:
        merged: uuid.UUID | None = await self._conn.scalar(
            text(f"""UPDATE cart SET status = 'merged', updated_at = now()
                     WHERE id = :g AND {GUEST_CART_LIVE} RETURNING id"""),
            {"g": guest_cart_id, "ttl": ttl_s},
        )
        return merged

    async def add_lines_from(self, target: uuid.UUID, source: uuid.UUID, *, cap: int) -> None:
        await self._conn.execute(
            text("""INSERT INTO cart_line (cart_id, product_detail_id, quantity)
                    SELECT :t, product_detail_id, quantity FROM cart_line WHERE cart_id = :g
                    ON CONFLICT (cart_id, product_detail_id)
                    DO UPDATE SET quantity = LEAST(cart_line.quantity + EXCLUDED.quantity, :cap)"""),
            {"t": target, "g": source, "cap": cap},
        )

    async def purge_guests(self, ttl_s: int, limit: int) -> int:
        # Uses the partial index ix_cart_guest_updated_at; merged carts go too (merging touched them).
        rows = await self._conn.execute(
            text("""DELETE FROM cart WHERE id IN (
                        SELECT id FROM cart
                        WHERE customer_id IS NULL AND updated_at < now() - make_interval(secs => :ttl)
                        LIMIT :n FOR UPDATE SKIP LOCKED)
                    RETURNING id"""),
            {"ttl": ttl_s, "n": limit},
        )
        return len(rows.all())

    async def saved_address(self, customer_id: int, address_id: int) -> Address | None:
        row = (
            (
                await self._conn.execute(
                    text("""SELECT title, recipient_name, mobile, province, city, line, postal_code
                        FROM customer_address WHERE id = :id AND customer_id = :c AND deleted_at IS NULL"""),
                    {"id": address_id, "c": customer_id},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else Address(**row)

"""Gateway payments of orders (``payment``) (``hamgam.ports.store.PaymentRepository``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


class SqlPaymentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, *, order_id: int, provider: str, authority: str, amount_rial: int) -> None:
        await self._conn.execute(
            text("""INSERT INTO payment (order_id, provider, authority, amount_rial)
                    VALUES (:o, :p, :a, :m)"""),
            {"o": order_id, "p": provider, "a": authority, "m": amount_rial},
        )

    async def lock(self, authority: str) -> dict[str, Any] | None:
        row = (
            (await self._conn.execute(text("SELECT * FROM payment WHERE authority = :a FOR UPDATE"), {"a": authority}))
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    async def set_status(self, authority: str, status: str, *, error: str | None) -> None:
        await self._conn.execute(
            text("UPDATE payment SET status = :s, error = :e, checked_at = now() WHERE authority = :a"),
            {"a": authority, "s": status, "e": error},
        )

    async def mark_paid(self, authority: str, *, ref_id: int | str | None, card_pan: str | None) -> None:
        await self._conn.execute(
            text("""UPDATE payment SET status = 'paid', ref_id = :r, card_pan = :p, verified_at = now(),
                        checked_at = now(), error = NULL WHERE authority = :a"""),
            {"a": authority, "r": ref_id, "p": card_pan},
        )

    async def mark_refund_due(
        self, authority: str, *, ref_id: int | str | None, card_pan: str | None, error: str
    ) -> None:
        await self._conn.execute(
            text("""UPDATE payment SET status = 'refund_due', ref_id = :r, card_pan = :p,
                        verified_at = now(), checked_at = now(), error = :e WHERE authority = :a"""),
            {"a": authority, "r": ref_id, "p": card_pan, "e": error},
        )

    async def mark_reversed(self, authority: str, *, error: str) -> None:
        await self._conn.execute(
            text("""UPDATE payment SET status = 'reversed', reversed_at = now(), checked_at = now(),
                        error = :e WHERE authority = :a AND status = 'refund_due'"""),
            {"a": authority, "e": error},
        )

    async def note_refund_failure(self, authority: str, *, error: str) -> None:
        await self._conn.execute(
            text("""UPDATE payment SET error = :e, checked_at = now()
                    WHERE authority = :a AND status = 'refund_due'"""),
            {"a": authority, "e": error},
        )

    async def note_checked(self, authority: str, *, error: str) -> None:
        await self._conn.execute(
            text("""UPDATE payment SET checked_at = now(), error = :e
                    WHERE authority = :a AND status IN ('pending', 'failed')"""),
            {"a": authority, "e": error},
        )

    async def outcome(self, authority: str) -> dict[str, Any] | None:
        row = (
            (
                await self._conn.execute(
                    text("""SELECT p.order_id, p.status AS payment_status, p.ref_id, p.amount_rial,
                            o.status AS order_status
                        FROM payment p JOIN store_order o ON o.id = p.order_id WHERE p.authority = :a"""),
                    {"a": authority},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    async def to_reconcile(self, listed: Sequence[str], *, after_s: float, limit: int) -> list[tuple[str, str]]:
        rows = await self._conn.execute(
            text("""SELECT p.authority, p.status FROM payment p JOIN store_order o ON o.id = p.order_id
                WHERE p.status NOT IN ('paid', 'reversed', 'refund_due') AND (
                    p.authority = ANY(CAST(:listed AS text[]))
                    OR p.status = 'unknown'
                    OR (p.status = 'verifying' AND p.checked_at < now() - make_interval(secs => :after))
                    OR (o.status = 'pending_payment' AND p.status <> 'verifying' AND (
                        coalesce(p.checked_at, p.created_at) < now() - make_interval(secs => :after)
                        OR (o.reserved_until < now()
                            AND (p.checked_at IS NULL OR p.checked_at < o.reserved_until)))))
                ORDER BY o.reserved_until, p.id LIMIT :n"""),
            {"listed": list(listed), "after": after_s, "n": limit},
        )
        return [(str(a), str(s)) for a, s in rows.all()]

    async def fail_pending(self, order_ids: Sequence[int], *, error: str) -> None:
        await self._conn.execute(
            text("UPDATE payment SET status = 'failed', error = :e WHERE order_id = ANY(:ids) AND status = 'pending'"),
            {"ids": list(order_ids), "e": error},
        )

"""Payments through the ``PaymentGateway`` port (iran.md §1.6): request and redirect, callback, server-to-server
verify with the amount from our database under a row lock, reconciliation of payments whose callback never came.

Guarantees: an order is paid at most once (the payment row is locked before verify, a paid payment is never
verified again, and a unique index allows one ``paid`` payment per order); the gateway's callback parameters
are never trusted; a timeout during verify leaves the payment ``unknown`` (stock kept) for the reconciler.
When an order becomes paid, the same transaction writes its ``export_job`` and its ``order.paid`` event.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.domain.errors import Conflict, NotFound, PaymentUnavailable
from hamgam.domain.orders import OrderStatus
from hamgam.domain.payments import PaymentGatewayRejected, PaymentGatewayUnavailable, VerifyStatus
from hamgam.ports import PaymentGateway
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.store.orders import lock_order, transition

log = structlog.get_logger(__name__)


class PaymentService:
    def __init__(
        self,
        engine: AsyncEngine,
        gateway: PaymentGateway,
        *,
        callback_url: str,
        provider: str,
        give_up_after_s: float,
        reconcile_after_s: float,
        exports: ExportOutbox | None = None,
    ) -> None:
        self._engine = engine
        #: Writes the order's export job (and its client ids) in the transaction that makes it paid.
        self._exports = exports or ExportOutbox(None)
        self._gateway = gateway
        self._callback_url = callback_url
        self._provider = provider
        self._give_up_after_s = give_up_after_s
        self._reconcile_after_s = reconcile_after_s

    async def start(self, order_id: int, customer_id: int, *, callback_url: str | None = None) -> dict[str, Any]:
        """Open a gateway session for the customer's pending order and return where to send the buyer.

        The amount is the order's total from our database; the session is stored before the redirect.
        ``callback_url`` replaces the configured callback (the pages return buyers to a page of their own); it
        must come from configuration too, never from the request."""
        async with self._engine.connect() as conn:
            order = (
                (
                    await conn.execute(
                        text("""SELECT o.id, o.status, o.total_rial, o.reserved_until > now() AS held, c.mobile
                            FROM store_order o JOIN customer c ON c.id = o.customer_id
                            WHERE o.id = :id AND o.customer_id = :c"""),
                        {"id": order_id, "c": customer_id},
                    )
                )
                .mappings()
                .first()
            )
        if order is None:
            raise NotFound("سفارش پیدا نشد — order not found", order_id=order_id)
        if order["status"] != OrderStatus.PENDING_PAYMENT or not order["held"]:
            raise Conflict(
                "این سفارش در انتظار پرداخت نیست — this order is not awaiting payment", status=order["status"]
            )
        try:
            session = await self._gateway.request_payment(
                amount_rial=order["total_rial"],
                callback_url=callback_url or self._callback_url,
                description=f"سفارش {order_id}",
                mobile=order["mobile"],
                order_id=str(order_id),
            )
        except PaymentGatewayUnavailable as exc:
            raise PaymentUnavailable(
                "درگاه پرداخت پاسخ نداد؛ دوباره تلاش کنید — the payment gateway is unavailable",
                error=str(exc),
            ) from exc
        except PaymentGatewayRejected as exc:
            log.error("payments.request_rejected", order_id=order_id, error=str(exc))
            raise PaymentUnavailable(
                "درگاه پرداخت درخواست را نپذیرفت — the payment gateway refused the request", error=str(exc)
            ) from exc
        async with self._engine.begin() as conn:
            await conn.execute(
                text("""INSERT INTO payment (order_id, provider, authority, amount_rial)
                        VALUES (:o, :p, :a, :m)"""),
                {"o": order_id, "p": self._provider, "a": session.authority, "m": order["total_rial"]},
            )
        return {
            "order_id": order_id,
            "authority": session.authority,
            "redirect_url": session.redirect_url,
            "amount_rial": order["total_rial"],
        }

    async def callback(self, authority: str, status: str) -> dict[str, Any]:
        """The buyer's browser came back. ``Status`` is not proof: OK leads to a verify, NOK marks the session
        failed (the order stays payable until its reservation ends). Unknown authority: ``NotFound``."""
        if status.upper() != "OK":
            async with self._engine.begin() as conn:
                pay = await self._lock_payment(conn, authority)
                if pay["status"] == "pending":
                    await self._set(conn, authority, "failed", error="cancelled by the buyer (Status=NOK)")
                    pay["status"] = "failed"
            return await self.outcome(authority)
        return await self.verify(authority, final=True)

    async def verify(self, authority: str, *, final: bool = True) -> dict[str, Any]:
        """Verify the session server-to-server with the stored amount, under ``SELECT … FOR UPDATE`` of the
        payment and then its order; apply a success exactly once. ``final=False`` keeps an unpaid session
        pending (the buyer may still be at the bank) instead of failing it."""
        async with self._engine.begin() as conn:
            pay = await self._lock_payment(conn, authority)
            if pay["status"] in ("paid", "failed"):
                return await self._outcome_in(conn, authority)
            order = await lock_order(conn, pay["order_id"])
            if order["status"] != OrderStatus.PENDING_PAYMENT:
                # Not verifying leaves the money unverified, and the gateway returns it to the payer.
                await self._set(conn, authority, "failed", error=f"order is {order['status']}; not verified")
                return await self._outcome_in(conn, authority)
            if order["total_rial"] != pay["amount_rial"]:
                await self._set(
                    conn, authority, "failed", error="payment amount differs from the order total"
                )
                return await self._outcome_in(conn, authority)
            try:
                result = await self._gateway.verify(authority, pay["amount_rial"])
            except PaymentGatewayUnavailable as exc:
                await self._set(conn, authority, "unknown", error=str(exc))
                log.warning("payments.verify_unknown", authority=authority, error=str(exc))
                return await self._outcome_in(conn, authority)
            except PaymentGatewayRejected as exc:
                await self._set(conn, authority, "failed", error=str(exc))
                return await self._outcome_in(conn, authority)
            if result.is_success:
                await conn.execute(
                    text("""UPDATE payment SET status = 'paid', ref_id = :r, card_pan = :p, verified_at = now(),
                                checked_at = now(), error = NULL WHERE authority = :a"""),
                    {"a": authority, "r": result.ref_id, "p": result.card_pan},
                )
                await transition(
                    conn,
                    pay["order_id"],
                    OrderStatus.PAID,
                    actor=f"payment:{authority}",
                    reason=f"ref_id {result.ref_id}",
                )
                await self._exports.write(conn, pay["order_id"])
                log.info("payments.paid", order_id=pay["order_id"], ref_id=result.ref_id)
            elif result.status is VerifyStatus.NOT_PAID and not final:
                await self._set(conn, authority, "pending", error=result.message)
            else:
                await self._set(
                    conn, authority, "failed", error=f"{result.status} ({result.code}) {result.message}"
                )
            return await self._outcome_in(conn, authority)

    async def reconcile(self) -> int:
        """Verify sessions whose callback never came: ``unknown`` ones, those the gateway lists as paid but
        unverified, and pending ones older than the reservation (then failed if still unpaid). Returns how
        many payments were checked. Safe to run anywhere, any number of times."""
        try:
            paid_at_gateway = {u.authority for u in await self._gateway.unverified()}
        except (PaymentGatewayUnavailable, PaymentGatewayRejected) as exc:
            log.warning("payments.unverified_failed", error=str(exc))
            paid_at_gateway = set()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("""SELECT authority, status, created_at < now() - make_interval(secs => :gu) AS stale
                            FROM payment WHERE status = 'unknown'
                               OR (status = 'pending' AND created_at < now() - make_interval(secs => :after))
                            ORDER BY id LIMIT 500"""),
                    {"after": self._reconcile_after_s, "gu": self._give_up_after_s},
                )
            ).all()
        checked = 0
        for authority, status, stale in rows:
            if status == "unknown" or stale or authority in paid_at_gateway:
                await self.verify(authority, final=bool(stale))
                checked += 1
        return checked

    async def outcome(self, authority: str) -> dict[str, Any]:
        async with self._engine.connect() as conn:
            return await self._outcome_in(conn, authority)

    async def _outcome_in(self, conn: AsyncConnection, authority: str) -> dict[str, Any]:
        row = (
            (
                await conn.execute(
                    text("""SELECT p.order_id, p.status AS payment_status, p.ref_id, p.amount_rial, o.status AS order_status
                        FROM payment p JOIN store_order o ON o.id = p.order_id WHERE p.authority = :a"""),
                    {"a": authority},
                )
            )
            .mappings()
            .one()
        )
        return dict(row)

    async def _lock_payment(self, conn: AsyncConnection, authority: str) -> dict[str, Any]:
        row = (
            (
                await conn.execute(
                    text("SELECT * FROM payment WHERE authority = :a FOR UPDATE"), {"a": authority}
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("پرداخت پیدا نشد — unknown payment authority")
        return dict(row)

    async def _set(self, conn: AsyncConnection, authority: str, status: str, *, error: str | None) -> None:
        await conn.execute(
            text("UPDATE payment SET status = :s, error = :e, checked_at = now() WHERE authority = :a"),
            {"a": authority, "s": status, "e": error},
        )

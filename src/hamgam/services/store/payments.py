"""Payments through the ``FullPaymentGateway`` port (iran.md §1.6): request and redirect, callback, server-to-server
verify with the amount from our database, reconciliation, and giving back money an order did not need.

Only the gateway decides: the buyer's callback (``Status=OK`` or ``NOK``) is a hint to ask the gateway now, never a
verdict. A verify runs in three steps so that no transaction or pooled connection is held while the gateway is
awaited: (1) lock the payment and its order, mark it ``verifying``, commit; (2) await the gateway with no
connection checked out; (3) lock both again and apply the answer idempotently, re-checking the order.

Guarantees: an order is paid at most once (step 3 re-reads the order under its lock, a settled payment is never
applied again, and a unique index allows one ``paid`` payment per order); the amount verified is ours; a timeout
leaves the payment ``unknown`` (stock kept) for the reconciler; money taken for an order that was already paid,
expired or cancelled is reversed through the gateway, or marked ``refund_due`` with its amount for staff.
When an order becomes paid, the same transaction writes its ``order.paid`` event and tells the
``PaidOrderListener`` (which writes the order's export to the accounting software).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import structlog

from hamgam.domain.errors import Conflict, NotFound, PaymentUnavailable
from hamgam.domain.orders import OrderStatus
from hamgam.domain.payments import (
    SETTLED_PAYMENT_STATES,
    PaymentGatewayError,
    PaymentGatewayRejected,
    PaymentGatewayUnavailable,
    PaymentStatus,
    SessionStatus,
    VerifyResult,
    VerifyStatus,
)
from hamgam.ports import FullPaymentGateway
from hamgam.ports.store import NoPaidOrderListener, PaidOrderListener, StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store.orders import lock_order, transition

log = structlog.get_logger(__name__)

P = PaymentStatus

#: Payments the reconciler checks per run; the most urgent (holds ending first) come first.
RECONCILE_BATCH = 200
#: What an inquiry says about a session that means "the buyer paid": verify it now.
_PAID_AT_GATEWAY = frozenset({SessionStatus.PAID, SessionStatus.VERIFIED})


@dataclass(frozen=True, slots=True)
class _Claim:
    """A payment marked ``verifying`` by step 1: what step 2 sends to the gateway."""

    authority: str
    amount_rial: int


class PaymentService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[StoreUnitOfWork],
        gateway: FullPaymentGateway,
        *,
        callback_url: str,
        provider: str,
        reconcile_after_s: float,
        paid_orders: PaidOrderListener | None = None,
    ) -> None:
        self._uow = uow
        #: Told in the transaction that makes an order paid (the order's export is written there).
        self._paid_orders = paid_orders or NoPaidOrderListener()
        self._gateway = gateway
        self._callback_url = callback_url
        self._provider = provider
        self._reconcile_after_s = reconcile_after_s
        #: One verify per authority at a time in this process; concurrent callers share its answer.
        self._verifying: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def start(self, order_id: int, customer_id: int, *, callback_url: str | None = None) -> dict[str, Any]:
        """Open a gateway session for the customer's pending order and return where to send the buyer.

        The amount is the order's total from our database; the session is stored before the redirect. No
        connection is held while the gateway answers. ``callback_url`` replaces the configured callback (the
        pages return buyers to a page of their own); it must come from configuration too, never from the request."""
        async with self._uow() as uow:
            order = await uow.orders.payable(order_id, customer_id)
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
        async with self._uow() as uow:
            await uow.payments.add(
                order_id=order_id, provider=self._provider, authority=session.authority, amount_rial=order["total_rial"]
            )
        return {
            "order_id": order_id,
            "authority": session.authority,
            "redirect_url": session.redirect_url,
            "amount_rial": order["total_rial"],
        }

    async def callback(self, authority: str, status: str) -> dict[str, Any]:
        """The buyer's browser came back. ``Status`` is the buyer's word, not the gateway's: whatever it says,
        the gateway is asked (verify) and only its answer moves the payment. Unknown authority: ``NotFound``."""
        log.info("payments.callback", authority=authority, status=status[:8])
        return await self.verify(authority)

    async def verify(self, authority: str) -> dict[str, Any]:
        """Verify the session server to server with the stored amount and apply the answer once; return the
        outcome. Concurrent calls for one authority in this process share one gateway call; across processes the
        gateway's idempotent verify (101) and step 3's locks keep the effect single."""
        running = self._verifying.get(authority)
        if running is None:
            running = asyncio.ensure_future(self._verify(authority))
            self._verifying[authority] = running
            running.add_done_callback(lambda done: self._forget(authority, done))
        # A caller that goes away (the buyer closed the page) does not abort the verify for the others.
        return await asyncio.shield(running)

    def _forget(self, authority: str, done: asyncio.Future[dict[str, Any]]) -> None:
        if self._verifying.get(authority) is done:
            del self._verifying[authority]

    async def _verify(self, authority: str) -> dict[str, Any]:
        claim = await self._claim(authority)
        if claim is None:
            return await self.outcome(authority)
        try:
            result = await self._gateway.verify(authority, claim.amount_rial)
        except PaymentGatewayUnavailable as exc:
            log.warning("payments.verify_unknown", authority=authority, error=str(exc))
            return await self._record(authority, P.UNKNOWN, str(exc))
        except PaymentGatewayRejected as exc:
            return await self._record(authority, P.FAILED, str(exc))
        reverse = await self._apply(authority, result)
        if reverse:
            await self._reverse(authority)
        return await self.outcome(authority)

    async def _claim(self, authority: str) -> _Claim | None:
        """Step 1: lock the payment and its order; mark the payment ``verifying`` unless it is settled or its
        amount is not the order's. Commits before the gateway is called."""
        async with self._uow() as uow:
            pay = await self._lock_payment(uow, authority)
            if pay["status"] in SETTLED_PAYMENT_STATES:
                return None
            order = await lock_order(uow, pay["order_id"])
            if order["status"] == OrderStatus.PENDING_PAYMENT and order["total_rial"] != pay["amount_rial"]:
                await self._set(uow, authority, P.FAILED, error="payment amount differs from the order total")
                return None
            await self._set(uow, authority, P.VERIFYING, error=pay["error"])
            return _Claim(authority, pay["amount_rial"])

    async def _apply(self, authority: str, result: VerifyResult) -> bool:
        """Step 3: apply the gateway's answer under the locks of the payment and its order, re-checking both.
        Returns True when the payment took money its order did not need (to be reversed now)."""
        async with self._uow() as uow:
            pay = await self._lock_payment(uow, authority)
            if pay["status"] in SETTLED_PAYMENT_STATES:
                return False  # another verify applied this session meanwhile
            order = await lock_order(uow, pay["order_id"])
            pending = order["status"] == OrderStatus.PENDING_PAYMENT
            if result.is_success and pending:
                await uow.payments.mark_paid(authority, ref_id=result.ref_id, card_pan=result.card_pan)
                await transition(
                    uow,
                    pay["order_id"],
                    OrderStatus.PAID,
                    actor=f"payment:{authority}",
                    reason=f"ref_id {result.ref_id}",
                )
                await self._paid_orders.order_paid(uow, pay["order_id"])
                log.info("payments.paid", order_id=pay["order_id"], ref_id=result.ref_id)
                return False
            if result.is_success:
                # Money the order did not need (paid by another session, expired, cancelled): give it back.
                await uow.payments.mark_refund_due(
                    authority,
                    ref_id=result.ref_id,
                    card_pan=result.card_pan,
                    error=f"order was {order['status']} when this payment was verified; to be reversed",
                )
                log.warning("payments.unneeded", order_id=pay["order_id"], authority=authority)
                return True
            detail = f"{result.status} ({result.code}) {result.message}".strip()
            if result.status is VerifyStatus.NOT_PAID:
                held = pending and await uow.orders.still_held(order["id"])
                await self._set(uow, authority, P.PENDING if held else P.FAILED, error=f"not paid yet: {detail}")
            else:
                await self._set(uow, authority, P.FAILED, error=detail)
            return False

    async def _reverse(self, authority: str) -> None:
        """Give back a verified payment its order did not need; when the gateway will not, it stays
        ``refund_due`` (with its amount, listed for staff) and the reason is recorded."""
        try:
            answer = await self._gateway.reverse(authority)
        except PaymentGatewayError as exc:
            reason = f"reverse failed: {exc}"
        else:
            if answer.reversed:
                async with self._uow() as uow:
                    await uow.payments.mark_reversed(
                        authority, error="not needed by its order; reversed through the gateway"
                    )
                log.info("payments.reversed", authority=authority)
                return
            reason = f"reverse refused ({answer.code}) {answer.message}"
        async with self._uow() as uow:
            await uow.payments.note_refund_failure(
                authority, error=f"not needed by its order; refund by hand: {reason}"
            )
        log.error("payments.refund_due", authority=authority, reason=reason)

    async def reconcile(self) -> int:
        """Recheck every payment of an order still waiting for payment (pending and failed ones), every payment
        whose verify outcome is unknown or never finished (``verifying``), whatever its order's state (the money
        may have moved), and any session the gateway lists as paid but unverified. Sessions the gateway says
        are paid (unVerified, or inquiry ``paid``/``verified``) are verified; the others get their ``checked_at``
        (the expiry job waits for a check after the hold ended). Bounded per run, most urgent first; safe to run
        anywhere, any number of times. Returns how many payments were checked."""
        try:
            paid_at_gateway = sorted({u.authority for u in await self._gateway.unverified()})
        except PaymentGatewayError as exc:
            log.warning("payments.unverified_failed", error=str(exc))
            paid_at_gateway = []
        async with self._uow() as uow:
            rows = await uow.payments.to_reconcile(
                paid_at_gateway, after_s=self._reconcile_after_s, limit=RECONCILE_BATCH
            )
        listed = set(paid_at_gateway)
        for authority, status in rows:
            if authority in listed or status in (P.UNKNOWN, P.VERIFYING):
                await self.verify(authority)
            else:
                await self._inquire(authority)
        return len(rows)

    async def _inquire(self, authority: str) -> None:
        """Ask the gateway where a session stands without changing it; verify it when the buyer paid."""
        try:
            answer = await self._gateway.inquiry(authority)
        except PaymentGatewayUnavailable as exc:
            log.warning("payments.inquiry_failed", authority=authority, error=str(exc))
            return  # not checked: asked again next run, and the order keeps its stock meanwhile
        except PaymentGatewayRejected as exc:
            await self._record(authority, P.FAILED, f"inquiry refused: {exc}")
            return
        if answer.status in _PAID_AT_GATEWAY:
            await self.verify(authority)
            return
        if answer.status is SessionStatus.UNKNOWN:
            log.warning("payments.inquiry_unreadable", authority=authority, message=answer.message)
            return  # an answer we cannot read is no check: asked again next run
        async with self._uow() as uow:
            await uow.payments.note_checked(authority, error=f"gateway says {answer.status}")

    async def outcome(self, authority: str) -> dict[str, Any]:
        async with self._uow() as uow:
            row = await uow.payments.outcome(authority)
        if row is None:
            raise NotFound("پرداخت پیدا نشد — unknown payment authority")
        return row

    async def _record(self, authority: str, status: PaymentStatus, error: str) -> dict[str, Any]:
        """Record a gateway answer that settles nothing, unless another verify settled the payment meanwhile."""
        async with self._uow() as uow:
            pay = await self._lock_payment(uow, authority)
            if pay["status"] not in SETTLED_PAYMENT_STATES:
                await self._set(uow, authority, status, error=error)
        return await self.outcome(authority)

    async def _lock_payment(self, uow: StoreUnitOfWork, authority: str) -> dict[str, Any]:
        row = await uow.payments.lock(authority)
        if row is None:
            raise NotFound("پرداخت پیدا نشد — unknown payment authority")
        return row

    async def _set(self, uow: StoreUnitOfWork, authority: str, status: PaymentStatus, *, error: str | None) -> None:
        await uow.payments.set_status(authority, str(status), error=error)

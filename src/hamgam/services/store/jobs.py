"""Background jobs of the store: expire unpaid orders (their stock comes back), reconcile payments, relay
events, drop old rate-limit windows and one-time codes, and purge expired guest carts. Each is safe to
run in several replicas at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.domain.orders import OrderStatus
from hamgam.services.store.orders import transition

log = structlog.get_logger(__name__)

#: Orders expired per transaction; the job loops until none is left.
EXPIRE_BATCH = 100
#: Guest carts purged per transaction.
PURGE_BATCH = 1000


async def release_expired(engine: AsyncEngine) -> int:
    """Expire ``pending_payment`` orders whose hold ended and release their stock.

    Nothing paid is left unverified: an order expires only once every payment of it was checked with the
    gateway after its hold ended and found not paid (the reconciler does that, before this job runs). Skips
    orders locked by a verify in progress (``SKIP LOCKED``), orders with a payment being verified or whose
    verify outcome is ``unknown`` (iran.md §1.6.5: keep the stock until the reconciler knows), and orders with a
    payment not checked since the hold ended. Returns how many expired.
    """
    expired = 0
    while True:
        async with engine.begin() as conn:
            ids = (
                (
                    await conn.execute(
                        text("""SELECT o.id FROM store_order o
                            WHERE o.status = 'pending_payment' AND o.reserved_until < now()
                              AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.order_id = o.id
                                  AND (p.status IN ('unknown', 'verifying')
                                       OR (p.status IN ('pending', 'failed')
                                           AND (p.checked_at IS NULL OR p.checked_at < o.reserved_until))))
                            ORDER BY o.id LIMIT :n FOR UPDATE SKIP LOCKED"""),
                        {"n": EXPIRE_BATCH},
                    )
                )
                .scalars()
                .all()
            )
            for order_id in ids:
                await transition(
                    conn,
                    order_id,
                    OrderStatus.EXPIRED,
                    actor="job:expire",
                    reason="payment not received in time",
                )
            # The gateway said these sessions were not paid after the hold ended; one paid later is found by
            # the reconciler (unVerified) and given back.
            await conn.execute(
                text("""UPDATE payment SET status = 'failed', error = 'not paid before the order expired'
                        WHERE order_id = ANY(:ids) AND status = 'pending'"""),
                {"ids": list(ids)},
            )
        expired += len(ids)
        if len(ids) < EXPIRE_BATCH:
            return expired


async def cleanup(engine: AsyncEngine) -> None:
    """Forget rate-limit windows older than a day and one-time codes older than a day."""
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM rate_limit_hit WHERE window_start < now() - interval '1 day'"))
        await conn.execute(text("DELETE FROM otp_code WHERE created_at < now() - interval '1 day'"))


async def purge_guest_carts(engine: AsyncEngine, ttl_s: int) -> int:
    """Delete guest carts (and their lines) unchanged for ``ttl_s`` seconds (merged ones included: merging
    touches them), whose tokens already answer like unknown ones (``cart.GUEST_CART_LIVE``). Uses the partial
    index ``ix_cart_guest_updated_at``. Returns how many."""
    purged = 0
    while True:
        async with engine.begin() as conn:
            n = len(
                (
                    await conn.execute(
                        text("""DELETE FROM cart WHERE id IN (
                                    SELECT id FROM cart
                                    WHERE customer_id IS NULL AND updated_at < now() - make_interval(secs => :ttl)
                                    LIMIT :n FOR UPDATE SKIP LOCKED)
                                RETURNING id"""),
                        {"ttl": ttl_s, "n": PURGE_BATCH},
                    )
                ).all()
            )
        purged += n
        if n < PURGE_BATCH:
            if purged:
                log.info("store.guest_carts_purged", carts=purged)
            return purged


async def run_forever(
    jobs: list[Callable[[], Awaitable[object]]], interval_s: float, stop: asyncio.Event
) -> None:
    """Run each job every ``interval_s`` until ``stop`` is set; a failing job is logged, never fatal."""
    while not stop.is_set():
        for job in jobs:
            try:
                await job()
            except Exception:
                log.exception("store.job_failed", job=getattr(job, "__qualname__", repr(job)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)

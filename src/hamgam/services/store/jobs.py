"""Background jobs of the store: expire unpaid orders (their stock comes back), reconcile payments, relay
events, drop old rate-limit windows and one-time codes, and purge expired guest carts. Each is safe to
run in several replicas at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from hamgam.domain.orders import OrderStatus
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store.orders import transition

log = structlog.get_logger(__name__)

#: Orders expired per transaction; the job loops until none is left.
EXPIRE_BATCH = 100
#: Guest carts purged per transaction.
PURGE_BATCH = 1000


async def release_expired(uow_factory: UnitOfWorkFactory[StoreUnitOfWork]) -> int:
    """Expire ``pending_payment`` orders whose hold ended and release their stock.

    Nothing paid is left unverified: an order expires only once every payment of it was checked with the
    gateway after its hold ended and found not paid (the reconciler does that, before this job runs). Skips
    orders locked by a verify in progress, orders with a payment being verified or whose verify outcome is
    ``unknown`` (iran.md §1.6.5: keep the stock until the reconciler knows), and orders with a payment not
    checked since the hold ended. Returns how many expired.
    """
    expired = 0
    while True:
        async with uow_factory() as uow:
            ids = await uow.orders.lock_expirable(EXPIRE_BATCH)
            for order_id in ids:
                await transition(
                    uow,
                    order_id,
                    OrderStatus.EXPIRED,
                    actor="job:expire",
                    reason="payment not received in time",
                )
            # The gateway said these sessions were not paid after the hold ended; one paid later is found by
            # the reconciler (unVerified) and given back.
            await uow.payments.fail_pending(ids, error="not paid before the order expired")
        expired += len(ids)
        if len(ids) < EXPIRE_BATCH:
            return expired


async def cleanup(uow_factory: UnitOfWorkFactory[StoreUnitOfWork]) -> None:
    """Forget rate-limit windows older than a day and one-time codes older than a day."""
    async with uow_factory() as uow:
        await uow.housekeeping.forget_old_windows_and_codes()


async def purge_guest_carts(uow_factory: UnitOfWorkFactory[StoreUnitOfWork], ttl_s: int) -> int:
    """Delete guest carts (and their lines) unchanged for ``ttl_s`` seconds (merged ones included: merging
    touches them), whose tokens already answer like unknown ones (``CartRepository.guest_live``). Returns how
    many."""
    purged = 0
    while True:
        async with uow_factory() as uow:
            n = await uow.carts.purge_guests(ttl_s, PURGE_BATCH)
        purged += n
        if n < PURGE_BATCH:
            if purged:
                log.info("store.guest_carts_purged", carts=purged)
            return purged


async def run_forever(jobs: list[Callable[[], Awaitable[object]]], interval_s: float, stop: asyncio.Event) -> None:
    """Run each job every ``interval_s`` until ``stop`` is set; a failing job is logged, never fatal."""
    while not stop.is_set():
        for job in jobs:
            try:
                await job()
            except Exception:
                log.exception("store.job_failed", job=getattr(job, "__qualname__", repr(job)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)

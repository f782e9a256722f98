"""The stock reservation ledger and its per-detail counter, through the store's unit of work.

Sellable = Mahak stock − (held + committed + sent) for the detail (``hamgam.domain.stock.available``). A
reservation raises the detail's counter only while the result stays within Mahak's stock (one conditional
update: concurrent buyers serialise on the counter, and the loser's update changes nothing). Lines are always
locked in detail-id order, so two checkouts never deadlock.

Ledger states: ``held`` (until ``expires_at``) → ``committed`` (paid) → ``sent`` (sent to Mahak, not yet
invoiced) → ``invoiced`` (Mahak's stock now reflects it); or → ``released`` (expired, cancelled). The
counter changes only when a row enters or leaves the holding states, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hamgam.domain.errors import OutOfStock
from hamgam.ports.store import StoreUnitOfWork

HOLDING = ("held", "committed", "sent")


async def reserve(
    uow: StoreUnitOfWork, order_id: int, lines: Sequence[tuple[int, int]], expires_at: dt.datetime
) -> None:
    """Hold ``(product_detail_id, quantity)`` lines for ``order_id`` until ``expires_at``, all or nothing.

    Must run inside the caller's unit of work (which also creates the order): on ``OutOfStock`` the caller
    rolls back and nothing stays held. Locks the counters in detail-id order.
    """
    ordered = sorted(lines)
    await uow.stock.ensure_counters([d for d, _ in ordered])
    for detail_id, quantity in ordered:
        if not await uow.stock.try_reserve(detail_id, quantity):
            found = await uow.catalog.sellable([detail_id])
            raise OutOfStock(detail_id, found[0].available if found else 0)
    await uow.stock.add_holds(order_id, ordered, state="held", expires_at=expires_at)


async def move(uow: StoreUnitOfWork, order_id: int, from_states: Sequence[str], to_state: str) -> int:
    """Move the order's ledger rows from ``from_states`` to ``to_state``; when they leave the holding states
    the counters go down by their quantities. Returns the rows moved. Idempotent (moved rows no longer match).
    """
    moved = await uow.stock.move(order_id, from_states, to_state)
    if to_state not in HOLDING:
        for detail_id, quantity in sorted(moved):
            await uow.stock.lower_counter(detail_id, quantity)
    return len(moved)


async def release(uow: StoreUnitOfWork, order_id: int) -> int:
    """Give the order's stock back (expired or cancelled)."""
    return await move(uow, order_id, HOLDING, "released")


async def commit_paid(uow: StoreUnitOfWork, order_id: int) -> int:
    """Paid: the hold no longer expires; it lasts until the order is invoiced in Mahak or cancelled."""
    return await move(uow, order_id, ("held",), "committed")


async def mark_sent_to_mahak(uow: StoreUnitOfWork, order_id: int) -> int:
    """For the exporter: the order is in Mahak but not invoiced; its units still count against stock."""
    return await move(uow, order_id, ("held", "committed"), "sent")


async def mark_invoiced(uow: StoreUnitOfWork, order_id: int) -> int:
    """For the exporter: Mahak invoiced the order, so its stock figure now includes these units.

    Call it once the sync has brought the post-invoice stock (not merely when the invoice is created), or the
    units would count twice in the other direction for a moment (an oversell window).
    """
    return await move(uow, order_id, ("held", "committed", "sent"), "invoiced")

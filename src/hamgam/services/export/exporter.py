"""Exporting one job: a paid order (with its customer, visitor link, lines and receipt) becomes one Mahak sales
invoice in ONE SaveAllData, exactly once (invariant 6).

Steps, each safe to interrupt:

1. Take the customer's advisory lock (exports of one customer never overlap: they share a person and a link).
2. If an earlier attempt may have reached Mahak (``sent_at`` set on the job, or on a client id this job would
   send: a customer's person and visitor link sent with an earlier order), read back what Mahak holds under
   those client ids and record it. Nothing is resent before that.
3. Build the request from what is still missing (empty: Mahak holds everything). Local checks refuse a bad
   line before anything is sent.
4. Commit ``sent_at`` (and the read-back cursors), then send.
5. Check every per-item result: record what Mahak holds, even when other items were refused. A refusal is
   permanent (``ExportRejected``, shown to staff); a client id Mahak says it already holds is in doubt
   (``ExportInDoubt``: the next attempt reads back).
6. In one transaction: the job is ``sent`` with Mahak's ids, the customer keeps its Mahak person, and the order
   goes to ``sent_to_accounting`` through ``orders.transition`` (so the stock ledger follows).

A crash or timeout anywhere leaves either nothing sent (the retry sends) or ``sent_at`` set (the retry reads
back first), so Mahak ends with one invoice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog

from hamgam.domain.export import (
    KIND_BY_SAVE_LIST,
    ClientKind,
    ExportInDoubt,
    ExportRejected,
    ItemError,
    JobKind,
    JobStatus,
    Outcome,
    classify_item,
    client_id_column,
    order_key,
)
from hamgam.domain.orders import OrderStatus
from hamgam.ports.export import ExportBundle, ExportUnitOfWork, MahakForExport, SaveAllResult
from hamgam.ports.locks import Locks
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.export.readback import read_back
from hamgam.services.export.request import Plan, build_plan
from hamgam.settings import ExportSettings, SyncSettings

log = structlog.get_logger(__name__)

#: Lock name of per-customer exports (the customer id is its key).
CUSTOMER_LOCK = "export.customer"
#: Seconds between tries of a busy customer lock.
LOCK_POLL_S = 0.05
#: Test hooks, called with the job id: ``before_send``, ``after_answer`` (before anything is recorded),
#: ``before_commit`` (the final transaction is open).
Hook = Callable[[int], Awaitable[None]]


class CustomerBusy(Exception):
    """Another export of the same customer held the lock too long; transient."""


class Exporter:
    """Exports jobs; ``mahak`` is the Mahak adapter (``MahakClient``)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[ExportUnitOfWork],
        locks: Locks,
        mahak: MahakForExport,
        outbox: ExportOutbox,
        export: ExportSettings,
        sync: SyncSettings,
        *,
        hooks: dict[str, Hook] | None = None,
    ) -> None:
        self.uow = uow
        self.locks = locks
        self.mahak = mahak
        self.outbox = outbox
        self.settings = export
        self.sync = sync
        self.hooks = hooks or {}

    async def export(self, job_id: int, *, replayed: bool = False) -> str:
        """Bring job ``job_id`` to a final state; returns its status. Idempotent: a settled job is left alone.

        ``replayed`` (a staff replay) puts a rejected or failed job back to ``pending`` first.
        Raises ``ExportRejected`` (permanent), ``ExportInDoubt``/``MahakTransient``/``CustomerBusy`` (retry).
        """
        async with self.uow() as uow:
            customer_id = await uow.jobs.customer_of(job_id)
        if customer_id is None:
            raise ValueError(f"export job {job_id} does not exist")
        async with self._customer_lock(customer_id):
            if replayed:
                async with self.uow() as uow:
                    await uow.jobs.reopen(job_id)
            return await self._export_locked(job_id)

    async def _export_locked(self, job_id: int) -> str:
        bundle = await self._load(job_id)
        job, order = bundle.job, bundle.order
        if job["status"] != JobStatus.PENDING:
            return str(job["status"])
        kind = JobKind(job["kind"])
        if kind is JobKind.SALE and job["sent_at"] is None and order["status"] != OrderStatus.PAID:
            return await self._not_sent(job_id, order["status"])
        session = self.mahak.session or await self.mahak.login()
        if bundle.maybe_in_mahak():
            found = await read_back(self.mahak, bundle, session.sync_id)
            if found:
                async with self.uow() as uow:
                    await uow.jobs.confirm(found)
                bundle = await self._load(job_id)
        async with self.uow() as uow:
            plan = await build_plan(
                uow.mahak_data, bundle, visitor_id=session.visitor_id, export=self.settings, sync=self.sync
            )
        if not plan.empty:
            await self._hook("before_send", job_id)
            # Committed before the request leaves: from now on a retry (or another job carrying one of these
            # client ids) reads back before it resends.
            async with self.uow() as uow:
                await uow.jobs.mark_sending(job_id, self.mahak.wire_body(plan.request), list(plan.items.values()))
            result = await self.mahak.save_all(plan.request)
            await self._hook("after_answer", job_id)
            outcome = interpret(plan, result)
            async with self.uow() as uow:
                await uow.jobs.confirm({cid: hit for (_, cid), hit in outcome.confirmed.items()})
            if outcome.rejected:
                first = outcome.rejected[0]
                raise ExportRejected(f"Mahak refused {first.list}[{first.index}]: {first.error}", outcome.rejected)
            if outcome.in_doubt:
                raise ExportInDoubt(
                    "Mahak reports client ids it already holds; reading back before anything is resent: "
                    + "; ".join(f"{i.list}[{i.index}] {i.error}" for i in outcome.in_doubt)
                )
            bundle = await self._load(job_id)
        return await self._finalize(bundle, plan)

    async def _finalize(self, bundle: ExportBundle, plan: Plan) -> str:
        job = bundle.job
        order_rec = bundle.record(ClientKind.ORDER, order_key(job["id"]))
        assert order_rec is not None and order_rec.confirmed
        async with self.uow() as uow:
            order = await uow.orders.lock(job["order_id"])
            await uow.jobs.record_sent(job["id"], order_rec)
            if job["kind"] == JobKind.SALE:
                person = bundle.record(ClientKind.PERSON, f"customer:{order['customer_id']}")
                person_id = (person.mahak_id if person else None) or plan.person_id
                await uow.orders.keep_mahak_person(order["customer_id"], person_id)
                if order["status"] == OrderStatus.PAID:
                    await uow.transitions.transition(
                        order["id"],
                        OrderStatus.SENT_TO_ACCOUNTING,
                        actor=f"exporter:job:{job['id']}",
                        reason=f"Mahak order {order_rec.mahak_id} (code {order_rec.code})",
                    )
                elif order["status"] == OrderStatus.CANCELLED:  # cancelled while in flight: give it back
                    await self.outbox.write_in(uow, order["id"], JobKind.RETURN)
            await self._hook("before_commit", job["id"])
        log.info(
            "export.sent",
            job_id=job["id"],
            order_id=job["order_id"],
            kind=job["kind"],
            mahak_order_id=order_rec.mahak_id,
            code=order_rec.code,
        )
        return JobStatus.SENT

    async def _not_sent(self, job_id: int, order_status: str) -> str:
        """The order left ``paid`` before anything was sent: cancelled (nothing to export) or moved by staff."""
        status = JobStatus.CANCELLED if order_status == OrderStatus.CANCELLED else JobStatus.FLAGGED
        async with self.uow() as uow:
            await uow.jobs.set_status(
                job_id,
                status,
                error=None if status is JobStatus.CANCELLED else f"order is {order_status}; not exported",
            )
        return status

    async def _load(self, job_id: int) -> ExportBundle:
        async with self.uow() as uow:
            bundle = await uow.jobs.load(job_id)
        if bundle is None:
            raise ValueError(f"export job {job_id} does not exist")
        return bundle

    async def _hook(self, name: str, job_id: int) -> None:
        hook = self.hooks.get(name)
        if hook is not None:
            await hook(job_id)

    @contextlib.asynccontextmanager
    async def _customer_lock(self, customer_id: int) -> AsyncIterator[None]:
        """A cluster-wide lock per customer: released when the block ends or the process dies."""
        lock = self.locks.lock(CUSTOMER_LOCK, int(customer_id) % 2_147_483_647)
        try:
            await asyncio.wait_for(lock.acquire(wait=True, poll_s=LOCK_POLL_S), self.settings.lock_timeout_s)
        except TimeoutError:
            await lock.release()  # in case it was taken as the wait ran out
            raise CustomerBusy(f"another export of customer {customer_id} is still running") from None
        try:
            yield
        finally:
            await lock.release()


def interpret(plan: Plan, result: SaveAllResult) -> Outcome:
    """Every per-item result of one SaveAllData, parents first. An item Mahak did not report is in doubt."""
    outcome = Outcome()
    doubtful_parents: set[str] = set()
    for save_list in ("people", "visitor_people", "orders", "order_details", "receipts"):
        kind = KIND_BY_SAVE_LIST[save_list]
        reported = {item.index: item for item in getattr(result, save_list)}
        sent = [(index, cid) for (name, index), (_, cid) in plan.items.items() if name == save_list]
        for index, client_id in sorted(sent):
            item = reported.get(index)
            if item is None:
                outcome.in_doubt.append(ItemError(save_list, index, client_id, None, "Mahak did not report it"))
                doubtful_parents.add(client_id_column(kind).lower())
                continue
            before = len(outcome.rejected)
            classify_item(
                kind,
                client_id,
                index,
                item.result,
                item.entity_id,
                item.row_version,
                item.entity_code,
                [(e.property, e.error) for e in item.errors],
                doubtful_parents,
                outcome,
            )
            if not item.result and len(outcome.rejected) == before:
                doubtful_parents.add(client_id_column(kind).lower())
    return outcome

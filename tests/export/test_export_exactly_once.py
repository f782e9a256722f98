"""Exactly once (invariant 6): a crash or a timeout at every step of an export ends with one invoice in Mahak —
before the send, after the send before the answer, after the answer before anything is recorded, and inside the
final transaction — and Mahak's duplicate client id behaviour ("reject" or "update") never matters."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.export.conftest import WAIT_S, ExportWorld, running
from tests.queue_helpers import eventually


class Crash(BaseException):
    """The process dies here: nothing after this point runs, nothing is settled."""


def crash_once(step: str, fired: list[int]) -> dict:
    """Hooks that crash the exporter once at ``step``, noting the job in ``fired``."""

    async def hook(job_id: int) -> None:
        if not fired:
            fired.append(job_id)
            raise Crash(step)

    return {step: hook}


async def _paid(world: ExportWorld, lines: int = 2) -> int:
    await world.sync()
    details = await world.sellable(lines)
    customer = await world.customer("09120000001", "رضا کریمی")
    return await world.paid_order(customer, [(d, 1) for d, _ in details])


async def _true(value: bool) -> bool:
    return value


def _assert_one_invoice(world: ExportWorld, lines: int = 2) -> dict:
    invoices = world.mahak_orders()
    assert len(invoices) == 1, invoices
    details = [d for d in world.mahak_rows("OrderDetail") if d["OrderId"] == invoices[0]["OrderId"]]
    receipts = [r for r in world.mahak_rows("Receipt") if r["OrderId"] == invoices[0]["OrderId"]]
    assert len(details) == lines and len(receipts) == 1
    assert len([p for p in world.mahak_rows("Person") if p["Mobile"] == "09120000001"]) == 1
    return invoices[0]


@pytest.mark.parametrize("step", ["before_send", "after_answer", "before_commit"])
async def test_export_crash_at_each_step_ends_with_one_invoice(fresh_mahak, make_world, step: str) -> None:
    # given a paid order and an exporter that dies at one step of its export
    async with make_world(fresh_mahak, workers=1) as world:  # one consumer: its death stops the exporter
        order_id = await _paid(world)
        fired: list[int] = []
        async with running(world, crash_once(step, fired)):
            await eventually(lambda: _true(bool(fired)), timeout_s=WAIT_S)  # the crash; the delivery stays unsettled
        assert (await world.job(order_id))["status"] == "pending"
    # when a new process starts on the same database and the message comes back
    async with make_world(fresh_mahak) as world:
        async with running(world):
            [job] = await world.wait_jobs({"sent"})
        # then Mahak holds exactly one invoice, sent by exactly one SaveAllData (a retry reads back, never resends)
        invoice = _assert_one_invoice(world)
        assert job["mahak_order_id"] == invoice["OrderId"]
        assert await world.order_status(order_id) == "sent_to_accounting"
        assert world.sim.control.stats()["requests"].get("/api/v3/sync/savealldata", 0) == 1


@pytest.mark.parametrize("duplicate_client_id", ["update", "reject"])
async def test_export_timeout_after_send_reads_back_and_ends_with_one_invoice(
    fresh_mahak, make_world, duplicate_client_id: str
) -> None:
    # given Mahak saves the invoice only after the client gave up waiting (timeout 1 s, answer after 1.5 s)
    fresh_mahak.control.set_switches(duplicate_client_id=duplicate_client_id)
    async with make_world(fresh_mahak) as world:
        order_id = await _paid(world)
        fresh_mahak.control.add_fault("timeout", "savealldata", param=1.5)
        # when the exporter runs (the first attempt times out, the next ones read back before resending)
        async with running(world):
            await world.wait_jobs({"sent"})
            # let the late original finish on the server (saved, or dropped with its client): no request in flight
            await eventually(lambda: _true(fresh_mahak.control.stats()["in_flight"] == 0), timeout_s=WAIT_S)
        # then one invoice, whatever Mahak does with a repeated client id
        _assert_one_invoice(world)
        job = await world.job(order_id)
        assert job["attempts"] >= 1 and job["sent_at"] is not None
        assert await world.order_status(order_id) == "sent_to_accounting"


@pytest.mark.parametrize("fault", ["drop", "server_error"])
async def test_export_transport_failure_retries_to_one_invoice(fresh_mahak, make_world, fault: str) -> None:
    # given a SaveAllData that fails twice in transport (connection dropped / HTTP 5xx)
    async with make_world(fresh_mahak) as world:
        order_id = await _paid(world)
        fresh_mahak.control.add_fault(fault, "savealldata", times=2)
        # when the exporter runs
        async with running(world):
            await world.wait_jobs({"sent"})
        # then the retries read back, find nothing, send once more: one invoice
        _assert_one_invoice(world)
        assert await world.order_status(order_id) == "sent_to_accounting"


@pytest.mark.parametrize("duplicate_client_id", ["update", "reject"])
async def test_export_person_client_id_already_in_mahak_ends_correct(
    fresh_mahak, make_world, duplicate_client_id: str
) -> None:
    # given a customer whose person Mahak already holds, while our record of it was lost (a restore)
    fresh_mahak.control.set_switches(duplicate_client_id=duplicate_client_id)
    async with make_world(fresh_mahak) as world:
        await world.sync()
        (d1, _), (d2, _) = await world.sellable(2)
        customer = await world.customer("09120000001", "رضا کریمی")
        first = await world.paid_order(customer, [(d1, 1)])
        async with running(world):
            await world.wait_jobs({"sent"})
        async with world.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE mahak_client_id SET mahak_id = NULL, confirmed_at = NULL "
                    "WHERE kind IN ('person', 'visitor_person')"
                )
            )
            await conn.execute(text("UPDATE customer SET mahak_person_id = NULL"))
        # when the same customer's second order is exported (its request carries the person's client id again)
        second = await world.paid_order(customer, [(d2, 1)])
        async with world.engine.begin() as conn:
            await conn.execute(text("DELETE FROM person"))  # not matched by mobile: the person must be sent
        async with running(world):
            jobs = await world.wait_jobs({"sent"})
        # then two invoices for one person, each order sent once
        assert len(jobs) == 2
        invoices = world.mahak_orders()
        assert len(invoices) == 2 and len({i["PersonId"] for i in invoices}) == 1
        assert len([p for p in world.mahak_rows("Person") if p["Mobile"] == "09120000001"]) == 1
        assert {await world.order_status(first), await world.order_status(second)} == {"sent_to_accounting"}


async def test_a_person_and_link_sent_with_an_earlier_order_are_read_back_before_the_next_order_resends_them(
    fresh_mahak, make_world
) -> None:
    # given Mahak refuses a client id it already holds, and a first order whose person and visitor link reached
    # Mahak while the answer was lost (our records of them stay unconfirmed)
    fresh_mahak.control.set_switches(duplicate_client_id="reject")
    async with make_world(fresh_mahak) as world:
        await world.sync()
        (d1, _), (d2, _) = await world.sellable(2)
        customer = await world.customer("09120000001", "رضا کریمی")
        first = await world.paid_order(customer, [(d1, 1)])
        async with running(world):
            await world.wait_jobs({"sent"})
        async with world.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE mahak_client_id SET mahak_id = NULL, confirmed_at = NULL "
                    "WHERE kind IN ('person', 'visitor_person')"
                )
            )
            await conn.execute(text("UPDATE customer SET mahak_person_id = NULL"))
            await conn.execute(text("DELETE FROM person"))  # not matched by mobile either
        # when the same customer's second order is exported
        second = await world.paid_order(customer, [(d2, 1)])
        async with running(world):
            await world.wait_jobs({"sent"})
        # then it read Mahak back first: its one request carried no person and no link, nothing was refused
        async with world.engine.connect() as conn:
            job = (
                (
                    await conn.execute(
                        text("SELECT attempts, request FROM export_job WHERE order_id = :o"), {"o": second}
                    )
                )
                .mappings()
                .one()
            )
        assert job["attempts"] == 1
        assert not job["request"].get("people") and not job["request"].get("visitorPeople")
        invoices = world.mahak_orders()
        assert len(invoices) == 2 and len({i["PersonId"] for i in invoices}) == 1
        assert len([p for p in world.mahak_rows("Person") if p["Mobile"] == "09120000001"]) == 1
        assert {await world.order_status(first), await world.order_status(second)} == {"sent_to_accounting"}

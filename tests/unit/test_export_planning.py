"""Export planning against in-memory repositories and a fake Mahak: which jobs and client ids an order gets, what
one SaveAllData carries, how Mahak's answer and a read-back settle a job, and the invoice totals check."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from hamgam.domain.export import ClientKind, ExportRejected, JobKind, detail_key, order_key, person_key
from hamgam.domain.invoice import InvoiceLine
from hamgam.ports.export import SyncedTotals
from hamgam.services.export.exporter import Exporter, interpret
from hamgam.services.export.outbox import ExportOutbox, job_message
from hamgam.services.export.readback import read_back
from hamgam.services.export.request import build_plan
from hamgam.services.export.totals import MISMATCH_PREFIX, compare_totals
from hamgam.settings import ExportSettings, SyncSettings
from tests.fakes.export import ExportState, FakeExportUnitOfWork, FakeLocks, FakeMahak, FakeQueue

VISITOR = 3


def world(*, transactional_queue: bool = False) -> tuple[ExportState, ExportOutbox, FakeMahak, Exporter]:
    state = ExportState()

    def uow() -> FakeExportUnitOfWork:
        return FakeExportUnitOfWork(state, transactional_queue=transactional_queue)

    outbox = ExportOutbox(None, uow=uow)
    mahak = FakeMahak(visitor_id=VISITOR)
    exporter = Exporter(uow, FakeLocks(), mahak, outbox, ExportSettings(), SyncSettings())
    return state, outbox, mahak, exporter


async def paid(
    state: ExportState,
    outbox: ExportOutbox,
    order_id: int,
    customer_id: int = 1,
    lines: list[tuple[int, int, int]] | None = None,
    kind: JobKind = JobKind.SALE,
) -> int | None:
    if order_id not in state.orders:
        state.add_order(order_id, customer_id, lines or [(12, 2, 50_000), (11, 1, 30_000)])
    async with FakeExportUnitOfWork(state) as uow:
        return await outbox.write_in(uow, order_id, kind)


async def test_a_paid_sale_gets_one_job_with_a_client_id_for_every_record_once() -> None:
    state, outbox, _, _ = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    assert set(state.client_ids) == {
        (ClientKind.ORDER, order_key(job_id)),
        (ClientKind.ORDER_DETAIL, detail_key(job_id, 11)),
        (ClientKind.ORDER_DETAIL, detail_key(job_id, 12)),
        (ClientKind.RECEIPT, order_key(job_id)),
        (ClientKind.PERSON, person_key(1)),
        (ClientKind.VISITOR_PERSON, person_key(1)),
    }
    ids = {key: row["client_id"] for key, row in state.client_ids.items()}
    assert len(set(ids.values())) == len(ids)  # every record its own client id

    # writing it again is a no-op: no second job, no id changed
    assert await paid(state, outbox, 1) is None
    assert len(state.jobs) == 1
    assert {key: row["client_id"] for key, row in state.client_ids.items()} == ids


async def test_a_customers_second_order_reuses_its_person_ids_and_a_return_gets_no_person_or_receipt() -> None:
    state, outbox, _, _ = world()
    first = await paid(state, outbox, 1)
    person_ids = {k: state.client_ids[k]["client_id"] for k in state.client_ids if k[1] == person_key(1)}
    second = await paid(state, outbox, 2, lines=[(13, 1, 10_000)])
    assert {k: state.client_ids[k]["client_id"] for k in state.client_ids if k[1] == person_key(1)} == person_ids
    assert second is not None and first is not None and second != first

    returned = await paid(state, outbox, 2, kind=JobKind.RETURN)
    assert returned is not None
    kinds = {kind for (kind, _), row in state.client_ids.items() if row["job_id"] == returned}
    assert kinds == {ClientKind.ORDER, ClientKind.ORDER_DETAIL}


async def test_a_queue_that_enqueues_in_the_transaction_carries_the_job_message_with_it() -> None:
    state = ExportState()
    outbox = ExportOutbox(FakeQueue(), topic="export.orders")
    state.add_order(1, 1, [(12, 1, 1_000)])
    async with FakeExportUnitOfWork(state, transactional_queue=True) as uow:
        job_id = await outbox.write_in(uow, 1)
    assert job_id is not None
    assert state.published == [("export.orders", job_message(job_id), f"export-job-{job_id}")]
    assert state.jobs[job_id]["published_at"] is not None


async def test_the_relay_publishes_unpublished_jobs_once_and_marks_them() -> None:
    state, _, _, _ = world()
    queue = FakeQueue()
    outbox = ExportOutbox(queue, uow=lambda: FakeExportUnitOfWork(state))  # RabbitMQ: nothing in the transaction
    state.add_order(1, 1, [(12, 1, 1_000)])
    async with FakeExportUnitOfWork(state) as uow:
        job_id = await outbox.write_in(uow, 1)
    assert queue.published == [] and job_id is not None
    assert await outbox.relay() == 1
    assert await outbox.relay() == 0
    assert queue.published == [("export.orders", job_message(job_id), f"export-job-{job_id}")]


async def test_a_new_customer_plan_carries_the_person_link_order_lines_and_receipt_in_one_request() -> None:
    state, outbox, _, exporter = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    bundle = await FakeExportUnitOfWork(state).jobs.load(job_id)
    assert bundle is not None
    state.people.clear()
    plan = await build_plan(
        FakeExportUnitOfWork(state).mahak_data, bundle, visitor_id=VISITOR, export=exporter.settings, sync=exporter.sync
    )
    assert sorted(name for name, _ in plan.items) == [
        "order_details",
        "order_details",
        "orders",
        "people",
        "receipts",
        "visitor_people",
    ]
    person = state.client_ids[(ClientKind.PERSON, person_key(1))]["client_id"]
    assert plan.request.orders[0].person_client_id == person  # the order names the person sent with it
    assert plan.request.receipts[0].cash_amount == Decimal(130_000)
    assert [d.product_detail_id for d in plan.request.order_details] == [11, 12]
    assert plan.person_id is None


async def test_a_customer_matched_to_a_synced_person_is_not_sent_again() -> None:
    state, outbox, _, exporter = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    state.people.append({"mahak_id": 555, "mobile": "09120000001"})
    state.visitor_links.add((VISITOR, 555))
    bundle = await FakeExportUnitOfWork(state).jobs.load(job_id)
    assert bundle is not None
    plan = await build_plan(
        FakeExportUnitOfWork(state).mahak_data, bundle, visitor_id=VISITOR, export=exporter.settings, sync=exporter.sync
    )
    assert {name for name, _ in plan.items} == {"orders", "order_details", "receipts"}
    assert plan.person_id == 555 and plan.request.orders[0].person_id == 555


async def test_a_line_mahak_no_longer_has_refuses_the_export_before_anything_is_sent() -> None:
    state, outbox, mahak, exporter = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    state.lines[1][0]["detail_live"] = False
    with pytest.raises(ExportRejected) as refused:
        await exporter.export(job_id)
    assert refused.value.items[0].property == "ProductDetailId"
    assert mahak.requests == []
    assert state.jobs[job_id]["sent_at"] is None


async def test_an_export_sends_once_then_the_job_is_sent_and_the_order_moves_to_accounting() -> None:
    state, outbox, mahak, exporter = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    assert await exporter.export(job_id) == "sent"
    job = state.jobs[job_id]
    assert job["status"] == "sent" and job["mahak_order_id"] is not None and job["mahak_order_code"] is not None
    assert state.transitions == [(1, "sent_to_accounting", f"exporter:job:{job_id}")]
    assert state.customers[1]["mahak_person_id"] == mahak.saved(ClientKind.PERSON)[0].person_id

    # a second delivery of the same job changes nothing and sends nothing
    assert await exporter.export(job_id) == "sent"
    assert len(mahak.requests) == 1


async def test_an_answer_lost_after_mahak_saved_is_read_back_and_nothing_is_sent_twice() -> None:
    state, outbox, mahak, exporter = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    mahak.lose_next_answer = True
    with pytest.raises(TimeoutError):
        await exporter.export(job_id)
    assert state.jobs[job_id]["sent_at"] is not None  # committed before the request left

    assert await exporter.export(job_id) == "sent"
    assert len(mahak.requests) == 1
    assert len(mahak.saved(ClientKind.ORDER)) == 1
    assert state.jobs[job_id]["mahak_order_id"] == mahak.saved(ClientKind.ORDER)[0].order_id


async def test_read_back_finds_only_our_sync_ids_rows_and_details_only_under_a_found_order() -> None:
    state, outbox, mahak, _ = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    order_cid = state.client_ids[(ClientKind.ORDER, order_key(job_id))]["client_id"]
    detail_cid = state.client_ids[(ClientKind.ORDER_DETAIL, detail_key(job_id, 11))]["client_id"]
    state.jobs[job_id]["sent_at"] = state.orders[1]["paid_at"]
    # another client's order under the same number, and an orphan detail
    mahak.rows["Order"].append(
        SimpleNamespace(
            order_client_id=order_cid,
            order_id=9,
            order_code=None,
            person_id=1,
            deleted=False,
            row_version=5,
            create_sync_id=99,
        )
    )
    mahak.rows["OrderDetail"].append(
        SimpleNamespace(
            order_detail_client_id=detail_cid,
            order_detail_id=8,
            order_detail_code=None,
            person_id=None,
            deleted=False,
            row_version=6,
            create_sync_id=7,
        )
    )
    bundle = await FakeExportUnitOfWork(state).jobs.load(job_id)
    assert bundle is not None
    assert await read_back(mahak, bundle, sync_id=7) == {}

    mahak.rows["Order"].append(
        SimpleNamespace(
            order_client_id=order_cid,
            order_id=10,
            order_code=2010,
            person_id=4,
            deleted=False,
            row_version=7,
            create_sync_id=7,
        )
    )
    found = await read_back(mahak, bundle, sync_id=7)
    person_cid = state.client_ids[(ClientKind.PERSON, person_key(1))]["client_id"]
    assert found[order_cid] == (10, 7, "2010")
    assert found[detail_cid] == (8, 6, None)
    assert found[person_cid] == (4, None, None)  # the order names the person sent with it


async def test_an_item_mahak_did_not_report_is_in_doubt_and_a_refused_one_rejected() -> None:
    state, outbox, _, exporter = world()
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    bundle = await FakeExportUnitOfWork(state).jobs.load(job_id)
    assert bundle is not None
    plan = await build_plan(
        FakeExportUnitOfWork(state).mahak_data, bundle, visitor_id=VISITOR, export=exporter.settings, sync=exporter.sync
    )
    ok = [SimpleNamespace(index=0, result=True, entity_id=1, row_version=2, entity_code=None, errors=[])]
    refused = SimpleNamespace(
        index=0,
        result=False,
        entity_id=None,
        row_version=None,
        entity_code=None,
        errors=[SimpleNamespace(property="Mobile", error="bad mobile")],
    )
    answer = SimpleNamespace(people=[refused], visitor_people=ok, orders=ok, order_details=ok, receipts=ok)
    outcome = interpret(plan, answer)  # type: ignore[arg-type]
    assert [(e.list, e.property) for e in outcome.rejected] == [("people", "Mobile")]
    assert [(e.list, e.index) for e in outcome.in_doubt] == [("order_details", 1)]  # not reported


async def test_invoice_totals_are_recorded_and_only_differences_reported_and_cleared_once_equal() -> None:
    state, outbox, _, _ = world()
    job_id = await paid(state, outbox, 1, lines=[(12, 2, 50_000)])
    assert job_id is not None
    mahak_lines = [InvoiceLine(50_000, Decimal(2), 0, Decimal(0), Decimal(0))]
    state.synced_totals = [SyncedTotals(job_id, 1, 100_000, 0, 5_000, 0, mahak_lines)]
    async with FakeExportUnitOfWork(state) as uow:
        differing = await compare_totals(uow)
    assert differing == [
        {
            "job_id": job_id,
            "order_id": 1,
            "store_total_rial": 100_000,
            "mahak_total_rial": 105_000,
            "difference_rial": 5_000,
        }
    ]
    assert state.jobs[job_id]["error"].startswith(MISMATCH_PREFIX)

    state.synced_totals = [SyncedTotals(job_id, 1, 100_000, 0, 0, 0, mahak_lines)]
    async with FakeExportUnitOfWork(state) as uow:
        assert await compare_totals(uow) == []
    assert state.jobs[job_id]["error"] is None and state.jobs[job_id]["total_difference_rial"] == 0


async def test_a_failed_transaction_leaves_nothing_behind() -> None:
    state, outbox, _, _ = world()
    state.add_order(1, 1, [(12, 1, 1_000)])
    with pytest.raises(RuntimeError):
        async with FakeExportUnitOfWork(state) as uow:
            await outbox.write_in(uow, 1)
            raise RuntimeError("boom")
    assert state.jobs == {} and state.client_ids == {}


def test_the_export_recognises_the_replay_header_the_dead_letter_store_writes() -> None:
    from hamgam.adapters.db import dead_letters
    from hamgam.ports import export

    assert export.REPLAYED_FROM_HEADER == dead_letters.REPLAYED_FROM_HEADER


async def test_staff_replay_reopens_a_refused_job_audited_and_publishes_it_again_but_not_a_pending_one() -> None:
    from hamgam.domain.errors import Conflict
    from hamgam.services.export import admin

    state = ExportState()
    queue = FakeQueue()

    def uow() -> FakeExportUnitOfWork:
        return FakeExportUnitOfWork(state)

    outbox = ExportOutbox(queue, uow=uow)
    job_id = await paid(state, outbox, 1)
    assert job_id is not None
    with pytest.raises(Conflict):
        await admin.replay(uow, outbox, job_id, "staff:1")
    assert state.audit == [] and queue.published == []

    state.jobs[job_id].update(status="rejected", error="bad mobile")
    replayed = await admin.replay(uow, outbox, job_id, "staff:1")
    assert replayed["status"] == "pending" and {r["kind"] for r in replayed["client_ids"]} >= {"order", "receipt"}
    assert state.audit == [("staff:1", "export_job.replay", f"export_job:{job_id}")]
    assert queue.published == [("export.orders", job_message(job_id), f"export-job-{job_id}-again")]
    assert (await admin.list_jobs(uow, errors_only=True))["total"] == 1

"""The export's ports in memory: its unit of work and repositories over one ``ExportState``, cluster locks, and a
Mahak that saves SaveAllData requests and reads them back (``hamgam.ports.export``)."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace, TracebackType
from typing import Any, Self

from hamgam.adapters.mahak.export import save_all_request
from hamgam.domain.export import KIND_BY_SAVE_LIST, ClientKind, ItemError, JobKind, JobStatus
from hamgam.ports.export import ClientRecord, Confirmed, ExportBundle, SaveAllData, SyncedTotals

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@dataclass
class ExportState:
    """Every table the export reads or writes, as plain rows."""

    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: ``(kind, local key) -> mahak_client_id`` row
    client_ids: dict[tuple[ClientKind, str], dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    lines: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    payments: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: orders with a refund that completed the return of their payment
    refunded_in_full: set[int] = field(default_factory=set)
    #: Mahak's data as synced
    people: list[dict[str, Any]] = field(default_factory=list)
    person_groups: list[int] = field(default_factory=lambda: [1])
    visitor_links: set[tuple[int, int]] = field(default_factory=set)
    settings: dict[int, str] = field(default_factory=dict)
    visitors: dict[int, dict[str, Any]] = field(default_factory=dict)
    stores: list[tuple[int, str | None]] = field(default_factory=lambda: [(1, "1")])
    stock: dict[tuple[int, int], float] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)
    synced_totals: list[SyncedTotals] = field(default_factory=list)
    #: recorded effects
    transitions: list[tuple[int, str, str]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    audit: list[tuple[str, str, str]] = field(default_factory=list)
    published: list[tuple[str, bytes, str]] = field(default_factory=list)
    reports: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    next_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_order(
        self,
        order_id: int,
        customer_id: int,
        lines: Sequence[tuple[int, int, int]],
        *,
        status: str = "paid",
        mobile: str = "09120000001",
        paid_rial: int | None = None,
    ) -> None:
        """A paid order of ``(detail id, quantity, unit price)`` lines without VAT."""
        self.customers.setdefault(
            customer_id,
            {
                "id": customer_id,
                "mobile": mobile,
                "full_name": "مریم احمدی",
                "national_code": None,
                "email": None,
                "mahak_person_id": None,
            },
        )
        total = sum(q * p for _, q, p in lines)
        self.orders[order_id] = {
            "id": order_id,
            "customer_id": customer_id,
            "status": status,
            "paid_at": NOW,
            "created_at": NOW,
            "shipping_rial": 0,
            "prices_include_vat": False,
            "total_rial": total,
            "address": {
                "recipient_name": "مریم احمدی",
                "province": "تهران",
                "city": "تهران",
                "line": "خیابان انقلاب",
                "postal_code": "1314567890",
            },
        }
        self.lines[order_id] = [
            {
                "product_detail_id": d,
                "product_id": d,
                "name": f"کالای {d}",
                "quantity": q,
                "unit_price_rial": p,
                "total_rial": q * p,
                "tax_percent": 0,
                "charge_percent": 0,
                "detail_live": True,
            }
            for d, q, p in sorted(lines)
        ]
        self.payments[order_id] = {"amount_rial": paid_rial or total, "ref_id": 1000 + order_id, "verified_at": NOW}

    def job_of(self, order_id: int, kind: str = "sale") -> dict[str, Any]:
        return next(j for j in self.jobs.values() if j["order_id"] == order_id and j["kind"] == kind)


class FakeExportJobs:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def customer_of(self, job_id: int) -> int | None:
        job = self.s.jobs.get(job_id)
        return None if job is None else int(self.s.orders[job["order_id"]]["customer_id"])

    async def load(self, job_id: int) -> ExportBundle | None:
        job = self.s.jobs.get(job_id)
        if job is None:
            return None
        job = dict(job)
        order = dict(self.s.orders[job["order_id"]])
        customer_key = f"customer:{order['customer_id']}"
        if job["kind"] == "return":
            job["sale_code"] = next(
                (
                    j["mahak_order_code"]
                    for j in self.s.jobs.values()
                    if j["order_id"] == job["order_id"] and j["kind"] == "sale"
                ),
                None,
            )
        bundle = ExportBundle(
            job,
            order,
            dict(self.s.customers[order["customer_id"]]),
            [dict(line) for line in self.s.lines[job["order_id"]]],
            dict(self.s.payments[job["order_id"]]) if job["order_id"] in self.s.payments else None,
        )
        for (kind, key), r in self.s.client_ids.items():
            shared = kind in (ClientKind.PERSON, ClientKind.VISITOR_PERSON) and key == customer_key
            if r["job_id"] == job_id or shared:
                bundle.records[(kind, key)] = ClientRecord(
                    kind,
                    key,
                    r["client_id"],
                    r["mahak_id"],
                    r["row_version"],
                    r["mahak_code"],
                    r["sent_at"],
                    r["readback_from"],
                )
        return bundle

    async def reopen(self, job_id: int) -> None:
        job = self.s.jobs[job_id]
        if job["status"] in ("rejected", "failed"):
            job["status"] = "pending"

    async def readback_cursors(self) -> dict[str, int]:
        cursors = {}
        for kind in ClientKind:
            confirmed = [r["row_version"] or 0 for (k, _), r in self.s.client_ids.items() if k is kind]
            cursors[kind.entity] = max([self.s.cursors.get(kind.entity, 0), *confirmed])
        return cursors

    async def mark_sending(
        self, job_id: int, request: Mapping[str, Any], sending: Sequence[tuple[ClientKind, int]]
    ) -> None:
        cursors = await self.readback_cursors()
        for kind, client_id in sending:
            row = self._by_client_id(client_id)
            row["sent_at"] = row["sent_at"] or NOW
            row["readback_from"] = row["readback_from"] if row["readback_from"] is not None else cursors[kind.entity]
        job = self.s.jobs[job_id]
        job["attempts"] += 1
        job["sent_at"] = job["sent_at"] or NOW
        job["readback_from"] = job["readback_from"] or cursors
        job["request"] = dict(request)

    async def confirm(self, confirmed: Confirmed) -> None:
        for client_id, (mahak_id, row_version, code) in confirmed.items():
            row = self._by_client_id(client_id)
            row["mahak_id"] = mahak_id
            row["row_version"] = row_version if row_version is not None else row["row_version"]
            row["mahak_code"] = code if code is not None else row["mahak_code"]

    async def set_status(
        self, job_id: int, status: JobStatus, *, error: str | None = None, items: list[ItemError] | None = None
    ) -> None:
        self.s.jobs[job_id].update(
            status=str(status), error=error, errors=[i.as_dict() for i in items] if items else None
        )

    async def record_sent(self, job_id: int, order: ClientRecord) -> None:
        self.s.jobs[job_id].update(
            status="sent",
            mahak_order_id=order.mahak_id,
            mahak_order_code=order.code,
            mahak_order_row_version=order.row_version,
            error=None,
            errors=None,
        )

    async def lock_pending(self, job_id: int) -> bool:
        return self.s.jobs[job_id]["status"] == "pending"

    async def note_retry(self, job_id: int, error: str) -> None:
        if self.s.jobs[job_id]["status"] == "pending":
            self.s.jobs[job_id]["error"] = error

    def _by_client_id(self, client_id: int) -> dict[str, Any]:
        return next(r for r in self.s.client_ids.values() if r["client_id"] == client_id)


class FakeOutboxRecords:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def insert_job(self, order_id: int, kind: JobKind, *, published: bool) -> int | None:
        if any(j["order_id"] == order_id and j["kind"] == str(kind) for j in self.s.jobs.values()):
            return None
        job_id = max(self.s.jobs, default=0) + 1
        self.s.jobs[job_id] = {
            "id": job_id,
            "order_id": order_id,
            "kind": str(kind),
            "status": "pending",
            "attempts": 0,
            "sent_at": None,
            "readback_from": None,
            "request": None,
            "error": None,
            "errors": None,
            "published_at": NOW if published else None,
            "mahak_order_id": None,
            "mahak_order_code": None,
            "mahak_order_row_version": None,
        }
        return job_id

    async def order_customer_and_details(self, order_id: int) -> tuple[int, list[int]]:
        return self.s.orders[order_id]["customer_id"], [line["product_detail_id"] for line in self.s.lines[order_id]]

    async def allocate_client_ids(self, records: Sequence[tuple[ClientKind, str, int | None]], offset: int) -> None:
        for kind, key, job_id in records:
            if (kind, key) not in self.s.client_ids:
                self.s.client_ids[(kind, key)] = {
                    "client_id": next(self.s.next_id) + offset,
                    "job_id": job_id,
                    "mahak_id": None,
                    "row_version": None,
                    "mahak_code": None,
                    "sent_at": None,
                    "readback_from": None,
                }

    async def unpublished(self, limit: int) -> list[int]:
        return sorted(i for i, j in self.s.jobs.items() if j["published_at"] is None and j["status"] == "pending")[
            :limit
        ]

    async def mark_published(self, job_id: int) -> None:
        self.s.jobs[job_id]["published_at"] = NOW

    async def mark_unpublished(self, job_id: int) -> None:
        self.s.jobs[job_id]["published_at"] = None

    async def insert_flagged_return(self, order_id: int, error: str) -> None:
        job_id = await self.insert_job(order_id, JobKind.RETURN, published=True)
        if job_id is not None:
            self.s.jobs[job_id].update(status=str(JobStatus.FLAGGED), error=error)


class FakeOrders:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def lock(self, order_id: int) -> dict[str, Any]:
        return dict(self.s.orders[order_id])

    async def status(self, order_id: int) -> str | None:
        order = self.s.orders.get(order_id)
        return None if order is None else str(order["status"])

    async def keep_mahak_person(self, customer_id: int, person_id: int | None) -> None:
        customer = self.s.customers[customer_id]
        customer["mahak_person_id"] = customer["mahak_person_id"] or person_id


class FakeTransitions:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def transition(self, order_id: int, target: str, *, actor: str, reason: str | None = None) -> None:
        self.s.orders[order_id]["status"] = str(target)
        self.s.transitions.append((order_id, str(target), actor))


class FakeSyncedMahakData:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def live_person(self, customer: Mapping[str, Any], match_by: list[str]) -> int | None:
        for key in match_by:
            value = customer.get(key)
            found = sorted(p["mahak_id"] for p in self.s.people if value and p.get(key) == value)
            if found:
                return int(found[0])
        return None

    async def visitor_link_exists(self, visitor_id: int, person_id: int) -> bool:
        return (visitor_id, person_id) in self.s.visitor_links

    async def default_person_group(self) -> int | None:
        return min(self.s.person_groups, default=None)

    async def settings_value(self, code: int) -> str | None:
        return self.s.settings.get(code)

    async def visitor_defaults(self, visitor_id: int) -> dict[str, Any]:
        return dict(self.s.visitors.get(visitor_id, {}))

    async def live_stores(self) -> list[tuple[int, str | None]]:
        return list(self.s.stores)

    async def store_stock(self, detail_id: int, store_ids: list[int]) -> dict[int, float]:
        return {s: self.s.stock[(detail_id, s)] for s in store_ids if (detail_id, s) in self.s.stock}


class FakeFollowUps:
    """Nothing comes back from the sync in memory."""

    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def invoiced(self, stock_source: str | None, limit: int) -> list[tuple[int, int, str]]:
        return []

    async def record_invoiced(self, job_id: int, code: str) -> None:
        self.s.jobs[job_id].update(status="invoiced", mahak_order_code=code)

    async def returned_after_export(self, limit: int) -> list[tuple[int, int, dict[str, Any] | None]]:
        return [
            (j["id"], j["order_id"], j["request"])
            for j in self.s.jobs.values()
            if j["kind"] == "sale"
            and j["status"] in ("sent", "invoiced")
            and (self.s.orders[j["order_id"]]["status"] == "cancelled" or j["order_id"] in self.s.refunded_in_full)
            and not any(r["order_id"] == j["order_id"] and r["kind"] == "return" for r in self.s.jobs.values())
        ][:limit]

    async def flag(self, job_id: int, error: str) -> None:
        self.s.jobs[job_id]["error"] = error


class FakeReconciliations:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def start(self) -> int:
        run_id = len(self.s.reports) + 1
        self.s.reports[run_id] = {}
        return run_id

    async def finish(self, run_id: int, report: Mapping[str, Any]) -> None:
        self.s.reports[run_id] = report

    async def latest(self) -> dict[str, Any] | None:
        return dict(self.s.reports[max(self.s.reports)]) if self.s.reports else None

    async def paid_without_job(self) -> list[int]:
        return sorted(
            o
            for o, order in self.s.orders.items()
            if order["paid_at"] and not any(j["order_id"] == o for j in self.s.jobs.values())
        )

    async def order_cursor(self) -> int:
        return self.s.cursors.get("Order", 0)

    async def missing_in_mahak(self, cursor: int) -> list[dict[str, Any]]:
        return []

    async def present_twice(self) -> list[dict[str, Any]]:
        return []

    async def stuck(self, stuck_after_s: float) -> list[int]:
        return []

    async def exported_totals(self) -> list[SyncedTotals]:
        return list(self.s.synced_totals)

    async def record_totals(self, job_id: int, mahak_total: int, difference: int, error: str, prefix: str) -> None:
        job = self.s.jobs[job_id]
        job.update(mahak_total_rial=mahak_total, total_difference_rial=difference)
        if difference:
            job["error"] = error
        elif (job.get("error") or "").startswith(prefix):
            job["error"] = None


class FakeViews:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def search(
        self, *, status: str | None, errors_only: bool, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        rows = [
            dict(j)
            for _, j in sorted(self.s.jobs.items(), reverse=True)
            if (status is None or j["status"] == status) and (not errors_only or j["error"])
        ]
        return rows[offset : offset + limit], len(rows)

    async def get(self, job_id: int) -> dict[str, Any] | None:
        job = self.s.jobs.get(job_id)
        return dict(job) if job else None

    async def client_ids(self, job_id: int) -> list[dict[str, Any]]:
        return [
            dict(r, kind=str(k), local_key=key) for (k, key), r in self.s.client_ids.items() if r["job_id"] == job_id
        ]

    async def lock_status(self, job_id: int) -> tuple[str, str | None] | None:
        job = self.s.jobs.get(job_id)
        return (job["status"], job["error"]) if job else None


class FakeDeadLetters:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def add(
        self, *, topic: str, message_id: str, body: bytes, headers: Mapping[str, Any], error: str, attempts: int
    ) -> int:
        self.s.dead_letters.append({"topic": topic, "message_id": message_id, "body": body, "error": error})
        return len(self.s.dead_letters)


class FakeAudit:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def record(self, actor: str, action: str, target: str, details: Mapping[str, Any] | None = None) -> None:
        self.s.audit.append((actor, action, target))


class FakePublisher:
    def __init__(self, state: ExportState) -> None:
        self.s = state

    async def publish(self, topic: str, body: bytes, *, message_id: str) -> None:
        self.s.published.append((topic, body, message_id))


class FakeExportUnitOfWork:
    """One transaction over ``state``: leaving with an exception puts back every row as it was on entering."""

    def __init__(self, state: ExportState, *, transactional_queue: bool = False) -> None:
        self.state = state
        self._snapshot: ExportState | None = None
        self.jobs = FakeExportJobs(state)
        self.outbox = FakeOutboxRecords(state)
        self.orders = FakeOrders(state)
        self.transitions = FakeTransitions(state)
        self.mahak_data = FakeSyncedMahakData(state)
        self.follow_ups = FakeFollowUps(state)
        self.reconciliations = FakeReconciliations(state)
        self.views = FakeViews(state)
        self.dead_letters = FakeDeadLetters(state)
        self.audit = FakeAudit(state)
        self.publisher = FakePublisher(state) if transactional_queue else None

    async def __aenter__(self) -> Self:
        counter, self.state.next_id = self.state.next_id, itertools.count()
        self._snapshot = copy.deepcopy(self.state)
        self.state.next_id = counter  # ids are never given back, as a sequence
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None and self._snapshot is not None:
            for name in ExportState.__dataclass_fields__:
                if name != "next_id":
                    setattr(self.state, name, getattr(self._snapshot, name))
        self._snapshot = None


class FakeQueue:
    """A broker that keeps what was published (``hamgam.ports.MessageQueue``)."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes, str | None]] = []

    async def publish(
        self, topic: str, body: bytes, *, headers: Mapping[str, Any] | None = None, message_id: str | None = None
    ) -> None:
        self.published.append((topic, body, message_id))

    async def consume(self, topic: str, *, prefetch: int) -> AsyncIterator[Any]:
        return
        yield

    async def depth(self, topic: str) -> int:
        return 0

    async def close(self) -> None:
        pass


class FakeLock:
    def __init__(self, held: set[tuple[str, int | str]], key: tuple[str, int | str]) -> None:
        self._held = held
        self._key = key
        self._mine = False

    async def acquire(self, *, wait: bool = False, poll_s: float = 0.05) -> bool:
        if self._key in self._held and not self._mine:
            return False
        self._held.add(self._key)
        self._mine = True
        return True

    async def release(self) -> None:
        if self._mine:
            self._held.discard(self._key)
            self._mine = False


class FakeLocks:
    def __init__(self) -> None:
        self.held_now: set[tuple[str, int | str]] = set()

    def lock(self, name: str, key: int | str = 0) -> FakeLock:
        return FakeLock(self.held_now, (name, key))

    @contextlib.asynccontextmanager
    async def held(self, name: str, key: int | str = 0, *, wait: bool = False) -> AsyncIterator[bool]:
        lock = self.lock(name, key)
        taken = await lock.acquire()
        try:
            yield taken
        finally:
            await lock.release()


_ID_FIELD = {
    ClientKind.PERSON: ("person_client_id", "person_id", "person_code"),
    ClientKind.VISITOR_PERSON: ("visitor_person_client_id", "visitor_person_id", "visitor_person_code"),
    ClientKind.ORDER: ("order_client_id", "order_id", "order_code"),
    ClientKind.ORDER_DETAIL: ("order_detail_client_id", "order_detail_id", "order_detail_code"),
    ClientKind.RECEIPT: ("receipt_client_id", "receipt_id", "receipt_code"),
}


class FakeMahak:
    """A Mahak that saves every item of a SaveAllData and keeps it for reading back.

    ``lose_next_answer``: the next save is applied, then the answer is lost (a timeout).
    """

    def __init__(self, *, sync_id: int = 7, visitor_id: int = 3) -> None:
        self.session: SimpleNamespace | None = None
        self._login = SimpleNamespace(sync_id=sync_id, visitor_id=visitor_id)
        self.requests: list[SaveAllData] = []
        self.rows: dict[str, list[SimpleNamespace]] = {kind.entity: [] for kind in ClientKind}
        self.lose_next_answer = False
        self._ids = itertools.count(100)
        self._row_versions = itertools.count(1000)

    async def login(self) -> SimpleNamespace:
        self.session = self._login
        return self._login

    def wire_body(self, request: SaveAllData) -> dict[str, Any]:
        return save_all_request(request).to_wire()  # the real adapter's request, as the exporter keeps it

    async def save_all(self, request: SaveAllData) -> SimpleNamespace:
        self.requests.append(request)
        answer: dict[str, list[SimpleNamespace]] = {}
        people: dict[int, int] = {}  # person client id -> Mahak id, for items naming a person sent alongside
        for save_list, kind in KIND_BY_SAVE_LIST.items():
            answer[save_list] = []
            for index, item in enumerate(getattr(request, save_list)):
                client_field, id_field, code_field = _ID_FIELD[kind]
                entity_id, row_version = next(self._ids), next(self._row_versions)
                code = entity_id + 1000 if kind is ClientKind.ORDER else None
                person_id = getattr(item, "person_id", None) or people.get(getattr(item, "person_client_id", None) or 0)
                row = {
                    "person_id": person_id,
                    client_field: getattr(item, client_field),
                    id_field: entity_id,
                    code_field: code,
                    "deleted": False,
                    "row_version": row_version,
                    "create_sync_id": self._login.sync_id,
                }
                if kind is ClientKind.PERSON:
                    people[item.person_client_id] = entity_id
                self.rows[kind.entity].append(SimpleNamespace(**row))
                answer[save_list].append(
                    SimpleNamespace(
                        index=index,
                        result=True,
                        entity_id=entity_id,
                        row_version=row_version,
                        entity_code=code,
                        errors=[],
                    )
                )
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise TimeoutError("the answer was lost")
        return SimpleNamespace(**answer)

    async def iter_changes(self, entity: str, from_version: int = 0) -> AsyncIterator[SimpleNamespace]:
        yield SimpleNamespace(rows=[r for r in self.rows[str(entity)] if r.row_version > from_version])

    def saved(self, kind: ClientKind) -> list[SimpleNamespace]:
        return self.rows[kind.entity]

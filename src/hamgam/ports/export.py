"""The export's ports: its unit of work, the repositories it carries, and the collaborators it is given
(Mahak, the queue, the dead-letter store).

Implemented for PostgreSQL by ``hamgam.adapters.db.export_uow.SqlExportUnitOfWork`` and the repositories in
``hamgam.adapters.db.repositories``; in memory by ``tests/fakes/export.py``. The export reads the store's orders
only through ``OrdersForExport`` and moves them only through ``OrderTransitions``: it never imports the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from hamgam.domain.export import ClientKind, ItemError, JobKind, JobStatus
from hamgam.domain.invoice import InvoiceLine
from hamgam.ports.unit_of_work import UnitOfWork

#: Header of a message replayed from the dead-letter store: a staff replay of a refused or failed job.
REPLAYED_FROM_HEADER = "x-replayed-from"
#: A database row as the export reads it (column name -> value).
Row = dict[str, Any]
#: ``client_id -> (mahak_id, row_version, code)``: what Mahak holds under our client ids.
Confirmed = dict[int, tuple[int, int | None, str | None]]


@dataclass
class ClientRecord:
    kind: ClientKind
    local_key: str
    client_id: int
    mahak_id: int | None
    row_version: int | None
    code: str | None
    #: When the id first left, and the read-back cursor of its entity taken just before (None: never sent).
    sent_at: dt.datetime | None = None
    readback_from: int | None = None

    @property
    def confirmed(self) -> bool:
        return self.mahak_id is not None


@dataclass
class ExportBundle:
    """One job and everything its SaveAllData needs, read in one go."""

    job: Row
    order: Row
    customer: Row
    lines: list[Row]
    payment: Row | None
    records: dict[tuple[ClientKind, str], ClientRecord] = field(default_factory=dict)

    def record(self, kind: ClientKind, key: str) -> ClientRecord | None:
        return self.records.get((kind, key))

    def unconfirmed(self) -> list[ClientRecord]:
        return [r for r in self.records.values() if not r.confirmed]

    def maybe_in_mahak(self) -> list[ClientRecord]:
        """Unconfirmed records that may have reached Mahak: sent by this job, or by an earlier one (a customer's
        person and visitor link travel with the first order that needs them)."""
        sent_by_job = self.job.get("sent_at") is not None
        return [r for r in self.unconfirmed() if sent_by_job or r.sent_at is not None]


@dataclass(frozen=True)
class SyncedTotals:
    """One exported sale as Mahak holds it (synced), with what the buyer paid."""

    job_id: int
    order_id: int
    store_total_rial: int
    send_cost: int
    other_cost: int
    discount: int
    lines: list[InvoiceLine]


# --- what one SaveAllData carries (the Mahak adapter turns it into the wire request) -------------------------
# Field names follow the contract (§5) in snake case. A child names its parent by ``<parent>_client_id`` when the
# parent is new in the same request, else by id. None means "not sent".


@dataclass
class PersonSave:
    person_client_id: int
    person_id: int | None = None
    person_code: int | None = None
    person_group_id: int | None = None
    person_type: int = 0
    first_name: str | None = None
    last_name: str | None = None
    organization: str | None = None
    national_code: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    state: str | None = None
    city: str | None = None
    address: str | None = None
    postal_code: str | None = None


@dataclass
class VisitorPersonSave:
    visitor_person_client_id: int
    visitor_id: int
    person_id: int | None = None
    person_client_id: int | None = None


@dataclass
class OrderSave:
    order_client_id: int
    visitor_id: int
    order_date: dt.datetime
    person_id: int | None = None
    person_client_id: int | None = None
    order_type: int = 201
    settlement_type: int = 0
    send_cost: Decimal = Decimal(0)
    #: Other costs of the invoice (no tax on them): here the Rial the net line prices leave over.
    other_cost: Decimal | None = None
    discount: Decimal | None = None
    description: str | None = None
    #: JSON text: title, address, postalcode, mobile, cityid.
    shipping_address: str | None = None


@dataclass
class OrderDetailSave:
    order_detail_client_id: int
    product_detail_id: int
    #: Required by Mahak.
    store_id: int
    #: Unit price.
    price: Decimal
    count1: Decimal
    order_id: int | None = None
    order_client_id: int | None = None
    item_type: int = 1
    count2: Decimal | None = None
    discount: Decimal | None = None
    tax_percent: Decimal | None = None
    charge_percent: Decimal | None = None
    row_id: int | None = None
    description: str | None = None


@dataclass
class ReceiptSave:
    receipt_client_id: int
    cash_amount: Decimal
    visitor_id: int | None = None
    person_id: int | None = None
    person_client_id: int | None = None
    order_id: int | None = None
    order_client_id: int | None = None
    cash_code: int | None = None
    date: dt.datetime | None = None
    tracking_code: str | None = None
    description: str | None = None


#: One record of a SaveAllData.
SaveItem = PersonSave | VisitorPersonSave | OrderSave | OrderDetailSave | ReceiptSave


@dataclass
class SaveAllData:
    """Related records sent in one request, so Mahak links children to parents created in it. The lists are
    named as ``ClientKind.save_list`` names them."""

    people: list[PersonSave] = field(default_factory=list)
    visitor_people: list[VisitorPersonSave] = field(default_factory=list)
    orders: list[OrderSave] = field(default_factory=list)
    order_details: list[OrderDetailSave] = field(default_factory=list)
    receipts: list[ReceiptSave] = field(default_factory=list)


# --- repositories ------------------------------------------------------------------------------------------------


class ExportJobs(Protocol):
    """``export_job`` and the Mahak client ids of its records."""

    async def customer_of(self, job_id: int) -> int | None:
        """The customer whose order the job exports (None: no such job)."""

    async def load(self, job_id: int) -> ExportBundle | None:
        """The job with its order, customer, lines, payment and client records."""

    async def reopen(self, job_id: int) -> None:
        """A rejected or failed job goes back to ``pending`` (a staff replay)."""

    async def readback_cursors(self) -> dict[str, int]:
        """Per entity, a RowVersion below every row this export can create."""

    async def mark_sending(
        self, job_id: int, request: Mapping[str, Any], sending: Sequence[tuple[ClientKind, int]]
    ) -> None:
        """The job and the ``sending`` client ids are about to leave (with the read-back cursors taken now)."""

    async def confirm(self, confirmed: Confirmed) -> None:
        """Record Mahak's ids for client ids it holds."""

    async def set_status(
        self, job_id: int, status: JobStatus, *, error: str | None = None, items: list[ItemError] | None = None
    ) -> None: ...

    async def record_sent(self, job_id: int, order: ClientRecord) -> None: ...

    async def lock_pending(self, job_id: int) -> bool:
        """Lock the job's row; whether it is still ``pending``."""

    async def note_retry(self, job_id: int, error: str) -> None:
        """The error of a pending job's last attempt, for staff."""


class ExportOutboxRecords(Protocol):
    """Writing jobs (with their client ids) and marking them published."""

    async def insert_job(self, order_id: int, kind: JobKind, *, published: bool) -> int | None:
        """The new job's id, or None when the order already has a job of ``kind``."""

    async def order_customer_and_details(self, order_id: int) -> tuple[int, list[int]]: ...

    async def allocate_client_ids(self, records: Sequence[tuple[ClientKind, str, int | None]], offset: int) -> None:
        """``(kind, local key, job id)`` records get a client id each, once."""

    async def unpublished(self, limit: int) -> list[int]:
        """Pending jobs not published yet, oldest first, locked (skipping those another relay holds)."""

    async def mark_published(self, job_id: int) -> None: ...

    async def mark_unpublished(self, job_id: int) -> None: ...

    async def insert_flagged_return(self, order_id: int, error: str) -> None:
        """A ``flagged`` return job for staff (nothing to send)."""


class OrdersForExport(Protocol):
    """The store's orders as the export reads and changes them."""

    async def lock(self, order_id: int) -> Row:
        """The order row, locked for the transaction."""

    async def status(self, order_id: int) -> str | None: ...

    async def keep_mahak_person(self, customer_id: int, person_id: int | None) -> None:
        """The customer is this Mahak person (an id it already has is kept)."""


class OrderTransitions(Protocol):
    """Moves an order through the store's state machine (with its stock ledger), in the export's transaction."""

    async def transition(self, order_id: int, target: str, *, actor: str, reason: str | None = None) -> None: ...


class SyncedMahakData(Protocol):
    """What the sync brought from Mahak that an export request needs."""

    async def live_person(self, customer: Row, match_by: list[str]) -> int | None: ...

    async def visitor_link_exists(self, visitor_id: int, person_id: int) -> bool: ...

    async def default_person_group(self) -> int | None: ...

    async def settings_value(self, code: int) -> str | None: ...

    async def visitor_defaults(self, visitor_id: int) -> Row: ...

    async def live_stores(self) -> list[tuple[int, str | None]]: ...

    async def store_stock(self, detail_id: int, store_ids: list[int]) -> dict[int, float]: ...


class ExportFollowUps(Protocol):
    """Jobs the sync's data moves on: invoiced, cancelled after export."""

    async def invoiced(self, stock_source: str | None, limit: int) -> list[tuple[int, int, str]]:
        """``(job, order, invoice code)`` of sent sales whose invoice the sync pulled back with its code and
        every line, locked. With ``stock_source`` (``sync.stock_source``), only those whose lines' synced stock
        was written by the invoice's save or after it."""

    async def record_invoiced(self, job_id: int, code: str) -> None: ...

    async def returned_after_export(self, limit: int) -> list[tuple[int, int, Row | None]]:
        """``(job, order, request sent)`` of exported sales without a return whose order was cancelled or
        refunded in full since, locked."""

    async def flag(self, job_id: int, error: str) -> None: ...


class Reconciliations(Protocol):
    """Paid orders against Mahak's orders as synced, and the stored reports."""

    async def start(self) -> int: ...

    async def finish(self, run_id: int, report: Mapping[str, Any]) -> None: ...

    async def latest(self) -> Row | None: ...

    async def paid_without_job(self) -> list[int]: ...

    async def order_cursor(self) -> int: ...

    async def missing_in_mahak(self, cursor: int) -> list[Row]: ...

    async def present_twice(self) -> list[Row]: ...

    async def stuck(self, stuck_after_s: float) -> list[int]: ...

    async def exported_totals(self) -> list[SyncedTotals]: ...

    async def record_totals(self, job_id: int, mahak_total: int, difference: int, error: str, prefix: str) -> None:
        """Store the totals; ``error`` when they differ, else clear an earlier error starting with ``prefix``."""


class ExportJobViews(Protocol):
    """Export jobs as staff read them."""

    async def search(
        self, *, status: str | None, errors_only: bool, limit: int, offset: int
    ) -> tuple[list[Row], int]: ...

    async def get(self, job_id: int) -> Row | None: ...

    async def client_ids(self, job_id: int) -> list[Row]: ...

    async def lock_status(self, job_id: int) -> tuple[str, str | None] | None:
        """``(status, error)`` of the job, locked; None when there is none."""


class ExportDeadLetters(Protocol):
    """The dead-letter store, writing in the export's transaction."""

    async def add(
        self, *, topic: str, message_id: str, body: bytes, headers: Mapping[str, Any], error: str, attempts: int
    ) -> int: ...


class AuditTrail(Protocol):
    async def record(self, actor: str, action: str, target: str, details: Mapping[str, Any] | None = None) -> None: ...


class TransactionalPublisher(Protocol):
    """A queue that enqueues in the export's transaction (the PostgreSQL queue)."""

    async def publish(self, topic: str, body: bytes, *, message_id: str) -> None: ...


class ExportUnitOfWork(UnitOfWork, Protocol):
    """One export transaction and the repositories bound to it."""

    @property
    def jobs(self) -> ExportJobs: ...
    @property
    def outbox(self) -> ExportOutboxRecords: ...
    @property
    def orders(self) -> OrdersForExport: ...
    @property
    def transitions(self) -> OrderTransitions: ...
    @property
    def mahak_data(self) -> SyncedMahakData: ...
    @property
    def follow_ups(self) -> ExportFollowUps: ...
    @property
    def reconciliations(self) -> Reconciliations: ...
    @property
    def views(self) -> ExportJobViews: ...
    @property
    def dead_letters(self) -> ExportDeadLetters: ...
    @property
    def audit(self) -> AuditTrail: ...
    #: None when the queue cannot enqueue in a transaction (RabbitMQ): the relay publishes.
    @property
    def publisher(self) -> TransactionalPublisher | None: ...


# --- collaborators -----------------------------------------------------------------------------------------------


class MahakSession(Protocol):
    @property
    def sync_id(self) -> int | None: ...

    @property
    def visitor_id(self) -> int: ...


class SaveItemError(Protocol):
    #: The field Mahak blames.
    property: str | None
    error: str


class SaveItemResult(Protocol):
    @property
    def index(self) -> int:
        """Position of the item in the submitted list."""

    @property
    def result(self) -> bool: ...

    @property
    def entity_id(self) -> int | None: ...

    @property
    def row_version(self) -> int | None: ...

    @property
    def entity_code(self) -> int | None: ...

    @property
    def errors(self) -> Sequence[SaveItemError]: ...


class SaveAllResult(Protocol):
    """Mahak's per-item answer to one SaveAllData, list by list."""

    @property
    def people(self) -> Sequence[SaveItemResult]: ...

    @property
    def visitor_people(self) -> Sequence[SaveItemResult]: ...

    @property
    def orders(self) -> Sequence[SaveItemResult]: ...

    @property
    def order_details(self) -> Sequence[SaveItemResult]: ...

    @property
    def receipts(self) -> Sequence[SaveItemResult]: ...


class ChangedRow(Protocol):
    """A row Mahak changed; its entity's own fields (``order_client_id``, ``order_id``, ``order_code``…) are
    read by name."""

    @property
    def deleted(self) -> bool: ...

    @property
    def row_version(self) -> int: ...

    @property
    def create_sync_id(self) -> int | None: ...


class ChangePage(Protocol):
    @property
    def rows(self) -> Sequence[ChangedRow]: ...


class MahakForExport(Protocol):
    """What the export needs from Mahak: a session, one SaveAllData, and reading changes back."""

    @property
    def session(self) -> MahakSession | None: ...

    async def login(self) -> MahakSession: ...

    def wire_body(self, request: SaveAllData) -> Mapping[str, Any]:
        """The request as it goes to Mahak (JSON-ready), kept with the job before it leaves."""

    async def save_all(self, request: SaveAllData) -> SaveAllResult: ...

    def iter_changes(self, entity: str, from_version: int = 0) -> AsyncIterator[ChangePage]:
        """Changes of ``entity`` (named as Mahak names it, e.g. ``"OrderDetail"``) after ``from_version``."""

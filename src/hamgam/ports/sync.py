"""The sync's ports: what the fetcher, the worker pool and the scheduler need from Mahak and from persistence.

``MahakGateway`` is implemented by ``hamgam.adapters.mahak.client.MahakClient``; ``SyncRepository`` by
``hamgam.adapters.db.sync_repository.SqlSyncRepository``; ``SyncReadModel`` (what the admin panel, the CLI and
the metrics read) by ``hamgam.adapters.db.sync_reads.SyncReads``; in memory by ``tests/fakes/sync.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from hamgam.domain.dead_letters import FailedMessage
from hamgam.domain.setup_detect import Sample
from hamgam.domain.sync.batch import ApplyCounts, Batch
from hamgam.domain.sync.rejection import Rejection
from hamgam.settings import SyncSettings

#: What the gateway names an entity by (the Mahak adapter's own enum); the fetcher turns names into it.
EntityKey = TypeVar("EntityKey", contravariant=True)


class AppliedBatchListener(Protocol):
    """Told of each batch the workers applied (or found already applied: a redelivery announces again), after
    its commit; what it does must be idempotent. Raising fails the delivery, which is retried as any batch is.
    Wired in ``bootstrap`` (the store's pictures follow the Picture, PhotoGallery and Product batches)."""

    async def batch_applied(self, batch: Batch) -> None: ...


class RowViolation(Protocol):
    """A row Mahak sent that breaks the contract, kept as evidence (``row_version`` when known)."""

    @property
    def row_id(self) -> int | None: ...

    @property
    def field(self) -> str | None: ...

    @property
    def reason(self) -> str: ...

    @property
    def raw(self) -> Any: ...


class ChangePage(Protocol):
    """One page of an entity's changes: complete RowVersion groups, in RowVersion order."""

    @property
    def rows(self) -> Sequence[Any]:
        """The typed Mahak rows (the transformer maps them)."""

    @property
    def invalid(self) -> Sequence[RowViolation]: ...

    @property
    def max_row_version(self) -> int:
        """Every change up to this RowVersion is in this page or an earlier one."""

    def wire_rows(self) -> list[dict[str, Any]]:
        """``rows`` as JSON types under Mahak's names, as validated (what a batch carries to the workers)."""


class MahakRows(Protocol):
    """Reads the Mahak rows a batch carries (``ChangePage.wire_rows``) back into the typed rows the transformer
    maps; a row that no longer reads raises the adapter's contract violation (a permanent error)."""

    def read(self, entity: str, rows: Sequence[Any]) -> Sequence[Any]: ...


class MahakGateway(Protocol[EntityKey]):
    """What the fetcher reads from Mahak."""

    async def get_raw_page(self, entity: EntityKey, from_version: int, page_size: int) -> list[Any]:
        """One request: the entity's raw rows after ``from_version``, as sent (the rewind probe)."""

    def iter_changes(
        self, entity: EntityKey, from_version: int = 0, page_size: int | None = None
    ) -> AsyncIterator[ChangePage]:
        """Every change of ``entity`` after ``from_version``, page by page."""


#: ``record_batch(run_id, entity, seq, rows, rv_min, rv_max, rejected)``: the batch id.
RecordBatch = Callable[[int, str, int, int, int, int, Sequence[Rejection]], Awaitable[int]]


class SyncRepository(Protocol):
    """Runs, batches, cursors, rewinds and the applying of a batch, each call one transaction."""

    # -- cursors
    async def cursor(self, entity: str) -> int: ...

    async def advance_cursor(self, entity: str, row_version: int) -> None:
        """Move the cursor forward to ``row_version``; never backward."""

    async def highest_held(self, entity: str) -> int:
        """The highest RowVersion among the entity's rows in the store (0 when none)."""

    async def rows_held(self, entity: str) -> int: ...

    # -- rewinds
    async def open_rewind(self, entity: str) -> dict[str, Any] | None: ...

    async def record_rewind(self, entity: str, cursor: int, evidence: str) -> int:
        """Open a rewind of ``entity`` (or return the one already open), with an audit entry."""

    async def heal_rewind(self, rewind_id: int, run_id: int, cursor: int, report: dict[str, Any]) -> None: ...

    # -- runs and batches
    async def start_run(self, entity: str, kind: str, from_row_version: int) -> int:
        """Record a new run (under the entity's lock: runs still marked ``running`` were cut short)."""

    async def record_batch(
        self, run_id: int, entity: str, seq: int, rows: int, rv_min: int, rv_max: int, rejected: Sequence[Rejection]
    ) -> int: ...

    def batch_recording(self) -> AbstractAsyncContextManager[RecordBatch]:
        """``record_batch`` for many pages in a row (one connection held while the block runs)."""

    async def note_fetched(self, run_id: int, requests: int, to_row_version: int) -> None: ...

    async def run_progress(self, run_id: int) -> dict[str, int]:
        """Batches of the run by status: ``pending``, ``applied``, ``dead``."""

    async def settled_top(self, run_id: int) -> int | None:
        """The highest RowVersion of the run's settled prefix: the batches (in fetch order) before its first
        pending one; ``None`` when that prefix is empty (``hamgam.domain.sync.cursor.settled_top``)."""

    async def finish_run(
        self, run_id: int, status: str, error: str | None = None, report: dict[str, Any] | None = None
    ) -> None: ...

    async def run(self, run_id: int) -> dict[str, Any]: ...

    async def mark_vanished(self, entity: str, run_id: int, up_to_row_version: int | None) -> int: ...

    # -- the worker's side
    async def apply_batch(self, batch: Batch) -> ApplyCounts | None:
        """Apply ``batch`` (store rows) once, in one transaction, recording the rows its mapping rejected in the
        same one; ``None`` when it was already applied (a redelivery)."""

    async def note_retry(self, batch_id: int, run_id: int, error: str) -> None: ...

    async def dead_letter_batch(self, letter: FailedMessage, batch_id: int | None, run_id: int | None) -> None:
        """Store the dead letter and settle its batch as dead, in one transaction."""

    # -- on-demand runs
    async def request_run(self, entity: str | None, kind: str, requested_by: str) -> int: ...

    async def take_requests(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class SyncStatusRows:
    """Per entity name: what the sync status is made of (``hamgam.services.sync.status``)."""

    verified: dict[str, dict[str, Any]]
    open_rewinds: dict[str, dict[str, Any]]
    last_rewinds: dict[str, dt.datetime]
    last_runs: dict[str, dict[str, Any]]
    successes: dict[str, dt.datetime]
    cursors: dict[str, int]
    rejected_open: dict[str, int]


@dataclass(frozen=True)
class StockCounts:
    #: Details on sale, and how many of them have stock under the stock source.
    details: int
    in_stock: int
    #: Warehouse (Mahak "Store") id -> details with stock there, whatever the source.
    warehouses_holding: dict[int, int] = field(default_factory=dict)


class SetupSamples(Protocol):
    """A sample of Mahak's product details for the first-run setup's guesses (``hamgam.domain.setup_detect``)."""

    async def setup_samples(self, limit: int) -> list[Sample]:
        """Up to ``limit`` details on sale, each with its ten prices, discount, the stock on its visitor link
        and per store. From the synced tables the prices are the stored Rial; from Mahak, Mahak's own unit."""


class SyncReadModel(Protocol):
    """What staff, the CLI and the metrics read about the sync (and the export's alerts); nothing is written."""

    async def status_rows(self) -> SyncStatusRows:
        """Each entity's last run, last success, cursor, last verification, open and last rewind, open rejected
        rows: read together, in one connection."""

    async def dead_letters_waiting(self) -> int:
        """Dead letters neither replayed nor purged."""

    async def recent_runs(self, *, entity: str | None = None, limit: int = 20) -> list[dict[str, Any]]: ...

    async def open_rejected(self, *, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        """The newest open rejected rows, and how many are open in all."""

    async def runs_for_series(self, entity: str, limit: int) -> tuple[list[dict[str, Any]], dt.datetime | None]:
        """The last ``limit`` runs of ``entity``, oldest first, and the start of the last success before them."""

    async def runs_page(self, *, entity: str | None, limit: int, offset: int) -> list[dict[str, Any]]: ...

    async def batches_of_run(self, run_id: int) -> list[dict[str, Any]]: ...

    async def rejected_page(self, *, entity: str | None, limit: int, offset: int) -> list[dict[str, Any]]: ...

    async def audit_trail(self, target: str, *, limit: int = 50) -> list[dict[str, Any]]: ...

    async def export_failed_orders(self, statuses: Sequence[str]) -> dict[str, int]:
        """Orders with an export job in each of ``statuses`` (only the statuses present)."""

    async def export_total_mismatches(self) -> int: ...

    async def mahak_circuit_open(self) -> bool: ...

    async def stock_counts(self, rules: SyncSettings) -> StockCounts: ...

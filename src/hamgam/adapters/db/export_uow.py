"""The export's unit of work over PostgreSQL (``hamgam.ports.export.ExportUnitOfWork``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.dead_letters import DeadLetterStore
from hamgam.adapters.db.repositories.export_follow_ups import SqlExportFollowUps
from hamgam.adapters.db.repositories.export_jobs import SqlExportJobs
from hamgam.adapters.db.repositories.export_outbox import SqlExportOutboxRecords
from hamgam.adapters.db.repositories.export_reconciliation import SqlReconciliations
from hamgam.adapters.db.repositories.export_views import SqlExportJobViews
from hamgam.adapters.db.repositories.orders_for_export import SqlOrdersForExport
from hamgam.adapters.db.repositories.synced_mahak import SqlSyncedMahakData
from hamgam.adapters.db.schema.sync import audit_log
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork
from hamgam.ports.export import OrderTransitions, TransactionalPublisher

#: Builds the order state machine over a connection (the store's, given by the composition root).
TransitionsFactory = Callable[[AsyncConnection], OrderTransitions]


class _NoTransitions:
    async def transition(self, order_id: int, target: str, *, actor: str, reason: str | None = None) -> None:
        raise RuntimeError("this export unit of work was built without the store's order transitions")


class BoundDeadLetters:
    """The dead-letter store writing in one transaction."""

    def __init__(self, store: DeadLetterStore, connection: AsyncConnection) -> None:
        self._store = store
        self._conn = connection

    async def add(
        self, *, topic: str, message_id: str, body: bytes, headers: Mapping[str, Any], error: str, attempts: int
    ) -> int:
        return await self._store.add(
            topic=topic,
            message_id=message_id,
            body=body,
            headers=headers,
            error=error,
            attempts=attempts,
            connection=self._conn,
        )


class BoundAudit:
    """The audit log written in one transaction (it commits or rolls back with the change it describes)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def record(self, actor: str, action: str, target: str, details: Mapping[str, Any] | None = None) -> None:
        await self._conn.execute(
            insert(audit_log).values(
                actor=actor, action=action, target=target, details=dict(details) if details is not None else None
            )
        )


class BoundPublisher:
    """A queue that enqueues in the transaction (``publish_in``)."""

    def __init__(self, queue: Any, connection: AsyncConnection) -> None:
        self._queue = queue
        self._conn = connection

    async def publish(self, topic: str, body: bytes, *, message_id: str) -> None:
        await self._queue.publish_in(self._conn, topic, body, message_id=message_id)


class SqlExportUnitOfWork(SqlUnitOfWork):
    """One export transaction with every export repository bound to its connection.

    ``queue``: publishes in the transaction when it can (``publish_in``, the PostgreSQL queue);
    ``transitions``: the store's order state machine over a connection.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        queue: object | None = None,
        transitions: TransitionsFactory | None = None,
    ) -> None:
        super().__init__(engine)
        self._queue = queue
        self._transitions = transitions

    @classmethod
    def joining_with(
        cls, connection: AsyncConnection, *, queue: object | None = None, transitions: TransitionsFactory | None = None
    ) -> Self:
        """``joining`` with the collaborators set before the repositories are bound."""
        uow = cls.__new__(cls)
        uow._queue = queue
        uow._transitions = transitions
        uow._engine = None
        uow._connection = connection
        uow._transaction = None
        uow._bind(connection)
        return uow

    def _bind(self, connection: AsyncConnection) -> None:
        queue = getattr(self, "_queue", None)
        transitions = getattr(self, "_transitions", None)
        self.jobs = SqlExportJobs(connection)
        self.outbox = SqlExportOutboxRecords(connection)
        self.orders = SqlOrdersForExport(connection)
        self.transitions: OrderTransitions = transitions(connection) if transitions else _NoTransitions()
        self.mahak_data = SqlSyncedMahakData(connection)
        self.follow_ups = SqlExportFollowUps(connection)
        self.reconciliations = SqlReconciliations(connection)
        self.views = SqlExportJobViews(connection)
        self.dead_letters = BoundDeadLetters(DeadLetterStore(connection.engine), connection)
        self.audit = BoundAudit(connection)
        self.publisher: TransactionalPublisher | None = (
            BoundPublisher(queue, connection) if hasattr(queue, "publish_in") else None
        )


def export_joiner(
    queue: object | None = None, transitions: TransitionsFactory | None = None
) -> Callable[[object], SqlExportUnitOfWork]:
    """Joins the export's repositories to a transaction another unit of work owns (given as its connection)."""

    def join(transaction: object) -> SqlExportUnitOfWork:
        if not isinstance(transaction, AsyncConnection):
            raise TypeError(f"an export can only join a PostgreSQL transaction, not {type(transaction).__name__}")
        return SqlExportUnitOfWork.joining_with(transaction, queue=queue, transitions=transitions)

    return join

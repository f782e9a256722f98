"""The store's unit of work over PostgreSQL (``hamgam.ports.store.StoreUnitOfWork``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.audit import SqlAuditLog
from hamgam.adapters.db.repositories.carts import SqlCartRepository
from hamgam.adapters.db.repositories.event_outbox import SqlEventOutbox
from hamgam.adapters.db.repositories.orders import SqlOrderRepository
from hamgam.adapters.db.repositories.payments import SqlPaymentRepository
from hamgam.adapters.db.repositories.refunds import SqlRefundRepository
from hamgam.adapters.db.repositories.restock import SqlRestockRequests
from hamgam.adapters.db.repositories.shipments import SqlShipmentRepository
from hamgam.adapters.db.repositories.shipping_methods import SqlShippingMethodRepository
from hamgam.adapters.db.repositories.stock import SqlStockLedger
from hamgam.adapters.db.repositories.store_catalog import SqlSellableReader
from hamgam.adapters.db.repositories.store_jobs import SqlHousekeeping
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork
from hamgam.settings import SyncSettings


class SqlStoreUnitOfWork(SqlUnitOfWork):
    """One store transaction with every store repository bound to its connection.

    ``rules`` are the merchant's stock and price rules: what is sellable (and so reservable) depends on them.
    """

    catalog: SqlSellableReader
    carts: SqlCartRepository
    orders: SqlOrderRepository
    payments: SqlPaymentRepository
    shipments: SqlShipmentRepository
    shipping: SqlShippingMethodRepository
    refunds: SqlRefundRepository
    stock: SqlStockLedger
    events: SqlEventOutbox
    housekeeping: SqlHousekeeping
    restock: SqlRestockRequests

    #: A joined unit of work (``joining``) gets the default rules: it only moves what checkout reserved.
    _rules: SyncSettings | None = None

    def __init__(self, engine: AsyncEngine, rules: SyncSettings | None = None) -> None:
        super().__init__(engine)
        self._rules = rules

    def _bind(self, connection: AsyncConnection) -> None:
        rules = self._rules or SyncSettings()
        self.catalog = SqlSellableReader(connection, rules)
        self.carts = SqlCartRepository(connection)
        self.orders = SqlOrderRepository(connection)
        self.payments = SqlPaymentRepository(connection)
        self.shipments = SqlShipmentRepository(connection)
        self.shipping = SqlShippingMethodRepository(connection)
        self.refunds = SqlRefundRepository(connection)
        self.stock = SqlStockLedger(connection, rules)
        self.events = SqlEventOutbox(connection)
        self.housekeeping = SqlHousekeeping(connection)
        self.restock = SqlRestockRequests(connection)
        self.audit = SqlAuditLog(connection)

"""The store's persistence ports: its unit of work and the repositories it carries.

Implemented for PostgreSQL by ``hamgam.adapters.db.store_uow.SqlStoreUnitOfWork``; in memory by
``tests/fakes``.
"""

from __future__ import annotations

from typing import Protocol

from hamgam.ports.unit_of_work import UnitOfWork


class StoreUnitOfWork(UnitOfWork, Protocol):
    """One store transaction and the repositories bound to it."""

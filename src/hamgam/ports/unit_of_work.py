"""The unit of work: one database transaction that the services hold without knowing the database.

A service opens one with ``async with self._uow() as uow:`` and reaches persistence only through the
repositories the unit of work carries (``uow.orders``, ``uow.carts``, …), all bound to the same transaction.
Leaving the block normally commits; leaving it with an exception rolls back. Each bounded context declares
its own unit of work (``hamgam.ports.store.StoreUnitOfWork``, …) listing the repositories it needs, as
read-only properties (so an implementation may hold narrower repository types); the
PostgreSQL implementations live in ``hamgam.adapters.db``, in-memory ones for unit tests in ``tests/fakes``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self, TypeVar


class UnitOfWork(Protocol):
    """One transaction: entering begins it, leaving commits it, or rolls it back when the block raised."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


U = TypeVar("U", bound=UnitOfWork, covariant=True)

#: What a service is given: a factory that opens a fresh unit of work per transaction.
UnitOfWorkFactory = Callable[[], U]

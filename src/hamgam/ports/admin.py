"""Staff's persistence ports for products: store-owned listing fields, overrides of Mahak-owned fields and
the sync's conflicts beside them, with the unit of work that binds them (and the audit log) to one transaction.

Implemented for PostgreSQL by ``hamgam.adapters.db.admin_uow.SqlAdminUnitOfWork``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from hamgam.ports.audit import AuditLog
from hamgam.ports.unit_of_work import UnitOfWork

Row = dict[str, Any]


class SlugTaken(Exception):
    """Another product already lists under this slug (nothing was written)."""


class ProductAdminRepository(Protocol):
    async def search(
        self, terms: Sequence[str], *, hidden: bool | None, offset: int, limit: int
    ) -> tuple[list[Row], int]:
        """A page of live products (hidden ones too), newest first, whose name contains or code equals every
        term, with their listing flags and open conflicts; and how many match in all."""

    async def exists(self, product_id: int) -> bool:
        """Whether the product is known (deleted ones too)."""

    async def get(self, product_id: int) -> Row | None:
        """Mahak's columns of the product."""

    async def extras(self, product_id: int) -> Row:
        """Store-owned listing fields and pictures (``{}`` for an unknown product)."""

    async def overrides(self, product_id: int) -> list[Row]: ...

    async def conflicts(self, product_id: int) -> list[Row]:
        """Every conflict of the product, open or resolved, newest first."""

    async def details(self, product_id: int) -> list[Row]: ...

    async def save_listing(self, product_id: int, changes: Mapping[str, Any]) -> None:
        """Set the given listing fields; ``SlugTaken`` when another product has the slug."""

    async def set_flag(self, product_ids: Sequence[int], column: str, value: bool) -> list[int]:
        """Set the listing flag ``column`` (``hidden`` or ``featured``) of the known products among
        ``product_ids`` to ``value``; the ids of those it changed."""

    async def set_override(
        self, product_id: int, field: str, value: Any, actor: str, *, search: str | None = None
    ) -> None:
        """Set (or replace) the override; ``search`` is its search key for a searched field (name, tags).
        The storefront's listing (``catalog_entry``) follows in the same transaction."""

    async def clear_override(self, product_id: int, field: str) -> bool:
        """Drop the override and resolve that field's open conflicts; False when there was no override."""

    async def resolve_conflict(self, conflict_id: int) -> bool:
        """Mark an open conflict resolved; False when there is no open conflict with this id."""


class AdminUnitOfWork(UnitOfWork, Protocol):
    @property
    def products(self) -> ProductAdminRepository: ...
    @property
    def audit(self) -> AuditLog: ...

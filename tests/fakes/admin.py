"""Staff's product ports in memory (``hamgam.ports.admin``), for unit tests without a database.

``AdminData`` holds the products, listings, overrides, conflicts and audit entries; a block that raises puts
them back as they were (rollback).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from hamgam.ports.admin import Row, SlugTaken
from tests.fakes.audit import FakeAuditLog

_TABLES = ("products", "listings", "overrides", "conflicts", "audit")


@dataclass
class AdminData:
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    listings: dict[int, dict[str, Any]] = field(default_factory=dict)
    overrides: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    #: id → {"product_id", "field", "resolved"}
    conflicts: dict[int, dict[str, Any]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)

    def uow(self) -> FakeAdminUnitOfWork:
        return FakeAdminUnitOfWork(self)


class FakeProductAdminRepository:
    def __init__(self, data: AdminData) -> None:
        self._data = data

    async def search(
        self, terms: Sequence[str], *, hidden: bool | None, offset: int, limit: int
    ) -> tuple[list[Row], int]:
        found = [
            {"product_id": p["product_id"], "name": p["name"], "hidden": self._listing(p["product_id"]).get("hidden")}
            for p in sorted(self._data.products.values(), key=lambda p: -p["product_id"])
            if all(t in p["name"] or t == p.get("code") for t in terms)
        ]  # fmt: skip
        for row in found:
            row["hidden"] = bool(row["hidden"])
        if hidden is not None:
            found = [r for r in found if r["hidden"] is hidden]
        return found[offset : offset + limit], len(found)

    def _listing(self, product_id: int) -> dict[str, Any]:
        return self._data.listings.get(product_id, {})

    async def exists(self, product_id: int) -> bool:
        return product_id in self._data.products

    async def get(self, product_id: int) -> Row | None:
        row = self._data.products.get(product_id)
        return None if row is None else dict(row)

    async def extras(self, product_id: int) -> Row:
        return dict(self._listing(product_id)) | {"pictures": []} if product_id in self._data.products else {}

    async def overrides(self, product_id: int) -> list[Row]:
        return [dict(o) for (p, _), o in sorted(self._data.overrides.items()) if p == product_id]

    async def conflicts(self, product_id: int) -> list[Row]:
        return [
            {"id": i, **c}
            for i, c in sorted(self._data.conflicts.items(), reverse=True)
            if c["product_id"] == product_id
        ]

    async def details(self, product_id: int) -> list[Row]:
        return []

    async def save_listing(self, product_id: int, changes: Mapping[str, Any]) -> None:
        slug = changes.get("slug")
        if slug is not None and any(
            p != product_id and listing.get("slug") == slug for p, listing in self._data.listings.items()
        ):
            raise SlugTaken(product_id)
        self._data.listings.setdefault(product_id, {}).update(changes)

    async def set_flag(self, product_ids: Sequence[int], column: str, value: bool) -> list[int]:
        changed = []
        for product_id in sorted(set(product_ids)):
            if product_id in self._data.products and bool(self._listing(product_id).get(column)) != value:
                self._data.listings.setdefault(product_id, {})[column] = value
                changed.append(product_id)
        return changed

    async def set_override(
        self, product_id: int, field: str, value: Any, actor: str, *, search: str | None = None
    ) -> None:
        self._data.overrides[(product_id, field)] = {"field": field, "value": value, "set_by": actor, "search": search}

    async def clear_override(self, product_id: int, field: str) -> bool:
        if self._data.overrides.pop((product_id, field), None) is None:
            return False
        for conflict in self._data.conflicts.values():
            if conflict["product_id"] == product_id and conflict["field"] == field:
                conflict["resolved"] = True
        return True

    async def resolve_conflict(self, conflict_id: int) -> bool:
        conflict = self._data.conflicts.get(conflict_id)
        if conflict is None or conflict["resolved"]:
            return False
        conflict["resolved"] = True
        return True


class FakeAdminUnitOfWork:
    def __init__(self, data: AdminData) -> None:
        self._data = data
        self._snapshot: dict[str, Any] | None = None
        self.products = FakeProductAdminRepository(data)
        self.audit = FakeAuditLog(data)

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy({k: getattr(self._data, k) for k in _TABLES})
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None and self._snapshot is not None:
            for name, value in self._snapshot.items():
                setattr(self._data, name, value)
        self._snapshot = None

"""The site's persistence ports in memory (``hamgam.ports.site``), for unit tests without a database.

``SiteData`` is the "database": every ``FakeSiteUnitOfWork`` opened by ``data.uow`` works on it and puts it back
as it was when its block raised (rollback). ``listed`` stands for ``catalog_entry``: the listed products, with
their offers, by id.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from hamgam.ports.site import FeedProduct, ListedProduct, Row
from tests.fakes.audit import FakeAuditLog

_NOW = dt.datetime(2026, 3, 21, 9, 0, tzinfo=dt.UTC)


def _pages() -> dict[str, dict[str, Any]]:
    titles = (("contact", "تماس با ما"), ("about", "درباره ما"), ("returns", "رویه بازگرداندن کالا"))
    return {
        slug: {"slug": slug, "title": title, "body_md": "", "position": i, "updated_by": None, "updated_at": _NOW}
        for i, (slug, title) in enumerate(titles, start=1)
    }


@dataclass
class SiteData:
    pages: dict[str, dict[str, Any]] = field(default_factory=_pages)
    settings: dict[str, str] = field(default_factory=dict)
    #: Who saved each setting, and when.
    setting_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    listed: dict[int, FeedProduct] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    #: ``(after, offset)`` of each page read in update order, for assertions.
    feed_reads: list[tuple[Any, int]] = field(default_factory=list)
    #: Units of work opened so far (each is one transaction, so one round of queries).
    opened: int = 0

    def uow(self) -> FakeSiteUnitOfWork:
        """The unit-of-work factory to give a service."""
        self.opened += 1
        return FakeSiteUnitOfWork(self)

    def _snapshot(self) -> dict[str, Any]:
        return copy.deepcopy({k: getattr(self, k) for k in ("pages", "settings", "setting_changes", "audit")})

    def _restore(self, snapshot: dict[str, Any]) -> None:
        for key, value in snapshot.items():
            setattr(self, key, value)


class FakeSitePageRepository:
    def __init__(self, data: SiteData) -> None:
        self._data = data

    async def list(self) -> list[Row]:
        pages = sorted(self._data.pages.values(), key=lambda p: (p["position"], p["slug"]))
        return [
            {"slug": p["slug"], "title": p["title"], "has_body": p["body_md"] != "", "updated_by": p["updated_by"],
             "updated_at": p["updated_at"]}
            for p in pages
        ]  # fmt: skip

    async def get(self, slug: str) -> Row | None:
        page = self._data.pages.get(slug)
        return {k: page[k] for k in ("slug", "title", "body_md", "updated_by", "updated_at")} if page else None

    async def save(self, slug: str, title: str, body_md: str, actor: str) -> bool:
        page = self._data.pages.get(slug)
        if page is None:
            return False
        page |= {"title": title, "body_md": body_md, "updated_by": actor}
        return True


class FakeSiteSettingRepository:
    def __init__(self, data: SiteData) -> None:
        self._data = data

    async def values(self) -> dict[str, str]:
        return dict(self._data.settings)

    async def changes(self) -> dict[str, Row]:
        return {k: dict(v) for k, v in self._data.setting_changes.items() if k in self._data.settings}

    async def put(self, key: str, value: str, actor: str | None = None) -> None:
        if value:
            self._data.settings[key] = value
            self._data.setting_changes[key] = {"updated_by": actor, "updated_at": _NOW}
        else:
            self._data.settings.pop(key, None)
            self._data.setting_changes.pop(key, None)


class FakeListedCatalog:
    def __init__(self, data: SiteData) -> None:
        self._data = data

    def _ids(self) -> list[int]:
        return sorted(self._data.listed)

    async def sitemap_starts(self, page_size: int) -> list[int]:
        return self._ids()[::page_size]

    async def sitemap_page(self, start: int, limit: int) -> list[ListedProduct]:
        return [ListedProduct(pid, "2026-03-21T09:00:00Z") for pid in self._ids() if pid >= start][:limit]

    async def feed_page(self, before: int | None, limit: int, *, offset: int = 0) -> list[FeedProduct]:
        self._data.feed_reads.append((before, offset))
        found = [self._data.listed[p] for p in reversed(self._ids()) if before is None or p < before]
        return found[offset : offset + limit]

    async def feed_products(self, product_ids: list[int]) -> list[FeedProduct]:
        return [self._data.listed[p] for p in sorted(set(product_ids), reverse=True) if p in self._data.listed]

    async def feed_count(self) -> int:
        return len(self._data.listed)

    async def feed_by_update(self, after: tuple[dt.datetime, int] | None, offset: int, limit: int) -> list[FeedProduct]:
        self._data.feed_reads.append((after, offset))
        ranked = sorted(self._data.listed.values(), key=lambda p: (p.updated_at, p.product_id), reverse=True)
        if after is not None:
            ranked = [p for p in ranked if (p.updated_at, p.product_id) < after]
        return ranked[offset : offset + limit]


class FakeSiteUnitOfWork:
    """One transaction over ``SiteData``: leaving the block by an exception puts the data back."""

    def __init__(self, data: SiteData) -> None:
        self._data = data
        self._snapshot: dict[str, Any] | None = None
        self.pages = FakeSitePageRepository(data)
        self.settings = FakeSiteSettingRepository(data)
        self.catalog = FakeListedCatalog(data)
        self.audit = FakeAuditLog(data)

    async def __aenter__(self) -> Self:
        self._snapshot = self._data._snapshot()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None and self._snapshot is not None:
            self._data._restore(self._snapshot)
        self._snapshot = None

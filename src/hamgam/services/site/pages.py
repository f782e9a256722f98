"""The footer pages (contact, about, returns, privacy) and trust badges staff edit in the admin panel, and the
footer every storefront page shows.

Every edit is written with its audit entry in one transaction. The footer is read on every page, so it is kept
for ``FOOTER_TTL_S``; an edit made through this service drops it at once, and other processes see the edit
within that time (no restart).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hamgam.domain.errors import NotFound
from hamgam.domain.site import BADGE_KEYS, Badges, clean_badge_codes, clean_page
from hamgam.ports.site import SiteUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory

#: Seconds a process reuses the footer it read.
FOOTER_TTL_S = 15.0
_NO_PAGE = "صفحه پیدا نشد — page not found"


@dataclass(frozen=True, slots=True)
class Footer:
    """The footer's links (pages with a body only, in order: ``slug`` and ``title``) and badges."""

    pages: list[dict[str, str]]
    badges: Badges


class SitePagesService:
    def __init__(self, uow: UnitOfWorkFactory[SiteUnitOfWork], *, clock: Callable[[], float] = time.monotonic) -> None:
        self._uow = uow
        self._clock = clock
        self._footer: tuple[float, Footer] | None = None

    async def footer(self) -> Footer:
        """The footer as of at most ``FOOTER_TTL_S`` ago (or the last edit made through this service)."""
        now = self._clock()
        if self._footer is not None and self._footer[0] > now:
            return self._footer[1]
        async with self._uow() as uow:
            pages = await uow.pages.list()
            values = await uow.settings.values()
        footer = Footer(
            [{"slug": p["slug"], "title": p["title"]} for p in pages if p["has_body"]], Badges.from_settings(values)
        )
        self._footer = (now + FOOTER_TTL_S, footer)
        return footer

    async def pages(self) -> list[dict[str, Any]]:
        """Every footer page for staff, empty ones too, in footer order."""
        async with self._uow() as uow:
            return await uow.pages.list()

    async def page(self, slug: str) -> dict[str, Any]:
        """One page (``slug``, ``title``, ``body_md``, ``updated_by``, ``updated_at``); ``NotFound`` otherwise."""
        async with self._uow() as uow:
            page = await uow.pages.get(slug)
        if page is None:
            raise NotFound(_NO_PAGE, slug=slug)
        return page

    async def published_page(self, slug: str) -> dict[str, Any]:
        """A page the storefront shows: one with a body; ``NotFound`` otherwise."""
        page = await self.page(slug)
        if not page["body_md"]:
            raise NotFound(_NO_PAGE, slug=slug)
        return page

    async def save_page(self, slug: str, title: str | None, body_md: str | None, actor: str) -> dict[str, Any]:
        """Set a page's title and Markdown body (see ``clean_page``), audited in the same transaction. The body
        is stored as typed; it is rendered with raw HTML escaped, so no markup staff type can run."""
        title, body = clean_page(title, body_md)
        async with self._uow() as uow:
            if not await uow.pages.save(slug, title, body, actor):
                raise NotFound(_NO_PAGE, slug=slug)
            await uow.audit.record(actor, "site_page.update", f"site_page:{slug}", {"title": title, "body": body})
        self._footer = None
        return await self.page(slug)

    async def badges(self) -> Badges:
        async with self._uow() as uow:
            return Badges.from_settings(await uow.settings.values())

    async def save_badges(self, values: Mapping[str, str | None], actor: str) -> Badges:
        """Set the badge codes (``""`` clears one; see ``clean_badge_codes``), audited in the same transaction."""
        cleaned = clean_badge_codes(values)
        async with self._uow() as uow:
            before = await uow.settings.values()
            changed = {k: v for k, v in cleaned.items() if before.get(k, "") != v}
            for key, value in changed.items():
                await uow.settings.put(key, value)
            if changed:
                await uow.audit.record(actor, "site_setting.update", "site_setting:badges", changed)
        self._footer = None
        return Badges.from_settings({k: cleaned[k] for k in BADGE_KEYS})

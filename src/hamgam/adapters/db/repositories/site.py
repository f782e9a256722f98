"""The site's pages, settings and catalogue walks in PostgreSQL (``hamgam.ports.site``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db import catalog_read
from hamgam.adapters.db.catalog_read import EXTRA_CATEGORY_NODE, rule_params
from hamgam.adapters.db.settings_notices import SETTINGS_CHANNEL
from hamgam.domain.listing import is_shown
from hamgam.ports.site import FeedProduct, ListedProduct, Row
from hamgam.settings import SyncSettings


class SqlSitePageRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def list(self) -> list[Row]:
        rows = await self._conn.execute(
            text("""SELECT slug, title, body_md <> '' AS has_body, updated_by, updated_at
                    FROM site_page ORDER BY position, slug""")
        )
        return [dict(r) for r in rows.mappings()]

    async def get(self, slug: str) -> Row | None:
        row = (
            (
                await self._conn.execute(
                    text("SELECT slug, title, body_md, updated_by, updated_at FROM site_page WHERE slug = :s"),
                    {"s": slug},
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def save(self, slug: str, title: str, body_md: str, actor: str) -> bool:
        result = await self._conn.execute(
            text("""UPDATE site_page SET title = :t, body_md = :b, updated_by = :a, updated_at = now()
                    WHERE slug = :s"""),
            {"s": slug, "t": title, "b": body_md, "a": actor},
        )
        return result.rowcount == 1


class SqlSiteSettingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def values(self) -> dict[str, str]:
        rows = await self._conn.execute(text("SELECT key, value FROM site_setting"))
        return {str(r.key): str(r.value) for r in rows}

    async def changes(self) -> dict[str, Row]:
        rows = await self._conn.execute(text("SELECT key, updated_by, updated_at FROM site_setting"))
        return {str(r.key): {"updated_by": r.updated_by, "updated_at": r.updated_at} for r in rows}

    async def put(self, key: str, value: str, actor: str | None = None) -> None:
        # every process hears of the change once the transaction commits (``adapters.db.settings_notices``)
        await self._conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": SETTINGS_CHANNEL})
        if not value:
            await self._conn.execute(text("DELETE FROM site_setting WHERE key = :k"), {"k": key})
            return
        await self._conn.execute(
            text("""INSERT INTO site_setting (key, value, updated_by) VALUES (:k, :v, :a)
                    ON CONFLICT (key) DO UPDATE
                    SET value = excluded.value, updated_by = excluded.updated_by, updated_at = now()"""),
            {"k": key, "v": value, "a": actor},
        )


#: Each page of the sitemap starts at every ``:size``-th listed product: one walk of the primary key.
_SITEMAP_STARTS = """SELECT product_id FROM (
    SELECT product_id, row_number() OVER (ORDER BY product_id) AS n FROM catalog_entry) x
WHERE (x.n - 1) % :size = 0 ORDER BY product_id"""

_SITEMAP_PAGE = """SELECT product_id, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS lastmod
FROM catalog_entry
WHERE product_id >= :start ORDER BY product_id LIMIT :limit"""

#: A feed page in one statement: a range of ``catalog_entry``'s primary key, each row's offer (the catalogue's
#: own ``_OFFER``: price range, list price, what is left to sell), its first store-owned picture and its
#: category's name (Mahak's category tree when it has one, else the flat ProductCategory list).
_FEED = """WITH nodes AS (
    SELECT DISTINCT ON (code) code, name FROM (
        SELECT (data->>'CategoryCode')::bigint AS code, data->>'CategoryName' AS name, row_version
        FROM extra_data WHERE item_type = {node_type} AND deleted_at IS NULL
          AND data->>'CategoryCode' ~ '^[0-9]{{1,18}}$') n
    ORDER BY code, row_version DESC)
SELECT e.product_id, e.name, coalesce(n.name, pc.name) AS category_name,
       a.min_price_rial, a.list_price_rial, coalesce(a.available, 0) AS available, l.images,
       p.created_at, p.updated_at
FROM ({entries}) e
JOIN product p ON p.mahak_id = e.product_id
CROSS JOIN LATERAL ({offer}) a
LEFT JOIN product_listing l ON l.product_id = e.product_id
LEFT JOIN nodes n ON n.code = e.category_id
LEFT JOIN product_category pc ON pc.mahak_id = e.category_id AND pc.deleted_at IS NULL
ORDER BY {order}"""
_BY_ID = "e.product_id DESC"
_BY_UPDATE = "p.updated_at DESC, e.product_id DESC"


class SqlListedCatalog:
    def __init__(self, connection: AsyncConnection, rules: SyncSettings) -> None:
        self._conn = connection
        self._rules = rules

    async def sitemap_starts(self, page_size: int) -> list[int]:
        rows = await self._conn.execute(text(_SITEMAP_STARTS), {"size": page_size})
        return [int(r.product_id) for r in rows]

    async def sitemap_page(self, start: int, limit: int) -> list[ListedProduct]:
        rows = await self._conn.execute(text(_SITEMAP_PAGE), {"start": start, "limit": limit})
        return [ListedProduct(int(r.product_id), str(r.lastmod)) for r in rows]

    async def feed_page(self, before: int | None, limit: int, *, offset: int = 0) -> list[FeedProduct]:
        below = "" if before is None else "WHERE product_id < :before"
        entries = f"""SELECT product_id, name, category_id FROM catalog_entry {below}
                      ORDER BY product_id DESC OFFSET :offset LIMIT :limit"""
        params = {"limit": limit, "offset": offset} | ({} if before is None else {"before": before})
        return await self._feed(entries, params)

    async def feed_products(self, product_ids: list[int]) -> list[FeedProduct]:
        entries = "SELECT product_id, name, category_id FROM catalog_entry WHERE product_id = ANY(:ids)"
        return await self._feed(entries, {"ids": product_ids})

    async def feed_count(self) -> int:
        return int(await self._conn.scalar(text("SELECT count(*) FROM catalog_entry")) or 0)

    async def feed_by_update(self, after: tuple[dt.datetime, int] | None, offset: int, limit: int) -> list[FeedProduct]:
        after_sql = "" if after is None else "WHERE (p.updated_at, p.mahak_id) < (:after_at, :after_id)"
        entries = f"""SELECT c.product_id, c.name, c.category_id FROM catalog_entry c
                      JOIN product p ON p.mahak_id = c.product_id {after_sql}
                      ORDER BY p.updated_at DESC, p.mahak_id DESC OFFSET :offset LIMIT :limit"""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        if after is not None:
            params |= {"after_at": after[0], "after_id": after[1]}
        return await self._feed(entries, params, order=_BY_UPDATE)

    async def _feed(self, entries: str, params: dict[str, Any], *, order: str = _BY_ID) -> list[FeedProduct]:
        sql = _FEED.format(
            node_type=EXTRA_CATEGORY_NODE, entries=entries, offer=catalog_read.offer_sql(self._rules), order=order
        )
        rows = await self._conn.execute(text(sql), rule_params(self._rules) | params)
        return [
            FeedProduct(
                product_id=r["product_id"],
                name=r["name"],
                category_name=r["category_name"],
                price_rial=r["min_price_rial"],
                list_price_rial=r["list_price_rial"],
                available=int(r["available"]),
                images=_shown_pictures(r["images"], r["product_id"]),
                created_at=r["created_at"],
                updated_at=r["updated_at"],
            )
            for r in rows.mappings()
        ]


def _shown_pictures(images: Any, product_id: int) -> list[dict[str, str]]:
    """The listing's pictures the site shows (stored, not hidden), in order."""
    if images is None:
        return []
    return [i for i in catalog_read.listing_images(images, product_id) if is_shown(i)]

"""Product images over PostgreSQL (``hamgam.ports.catalog.ImageRepository``): ``product_listing.images`` and
Mahak's ``photo_gallery`` pictures not yet in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.advisory_locks import lock_for_transaction
from hamgam.adapters.db.catalog_read import listing_images
from hamgam.ports.catalog import MahakPicture

#: Mahak's product pictures (PhotoGallery.EntityType).
PRODUCT_ENTITY_TYPE = 102
#: ``product_listing.images`` as a JSON array whatever is stored (a bad row reads as no images), for SQL that
#: walks the entries: ``jsonb_array_elements`` fails the whole statement on a non-array.
_IMAGES_ARRAY = "(CASE WHEN jsonb_typeof({0}) = 'array' THEN {0} ELSE '[]'::jsonb END)"
#: The advisory lock that serialises the appends of Mahak's pictures to one product.
IMAGES_LOCK = "hamgam.images"


class SqlImageRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def product_exists(self, product_id: int) -> bool:
        return bool(await self._conn.scalar(text("SELECT 1 FROM product WHERE mahak_id = :p"), {"p": product_id}))

    async def images(self, product_id: int) -> list[dict[str, Any]]:
        row = (
            await self._conn.execute(
                text("SELECT images FROM product_listing WHERE product_id = :p"), {"p": product_id}
            )
        ).first()
        return [] if row is None else listing_images(row.images, product_id)

    async def images_of(self, product_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        rows = await self._conn.execute(
            text("SELECT product_id, images FROM product_listing WHERE product_id = ANY(:ids)"),
            {"ids": list(product_ids)},
        )
        return {r.product_id: listing_images(r.images, r.product_id) for r in rows}

    async def append(self, product_id: int, entry: dict[str, str]) -> None:
        await self._conn.execute(
            text(f"""INSERT INTO product_listing (product_id, images) VALUES (:p, jsonb_build_array(CAST(:e AS jsonb)))
                    ON CONFLICT (product_id) DO UPDATE
                    SET images = {_IMAGES_ARRAY.format("product_listing.images")}
                                 || jsonb_build_array(CAST(:e AS jsonb)), updated_at = now()"""),
            {"p": product_id, "e": orjson.dumps(entry).decode()},
        )

    async def replace(self, product_id: int, images: list[dict[str, Any]]) -> None:
        await self._conn.execute(
            text("UPDATE product_listing SET images = CAST(:i AS jsonb), updated_at = now() WHERE product_id = :p"),
            {"p": product_id, "i": orjson.dumps(images).decode()},
        )

    async def pictures_to_attach(self, limit: int) -> list[MahakPicture]:
        rows = await self._conn.execute(
            text(f"""SELECT g.item_code AS product_id, pic.mahak_id AS picture_id, pic.url, pic.file_name,
                           jsonb_typeof(l.images) AS images_type
                    FROM photo_gallery g JOIN picture pic ON pic.mahak_id = g.picture_id
                    JOIN product p ON p.mahak_id = g.item_code AND p.deleted_at IS NULL
                    LEFT JOIN product_listing l ON l.product_id = g.item_code
                    WHERE g.entity_type = :t AND g.deleted_at IS NULL AND pic.deleted_at IS NULL
                      AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements({_IMAGES_ARRAY.format("l.images")}) e
                                      WHERE e->>'picture_id' = pic.mahak_id::text)
                    ORDER BY g.item_code, g.mahak_id LIMIT :n"""),
            {"t": PRODUCT_ENTITY_TYPE, "n": limit},
        )
        return [MahakPicture(*row.tuple()) for row in rows]

    async def lock_product(self, product_id: int) -> None:
        await lock_for_transaction(self._conn, IMAGES_LOCK, int(product_id) % 2**31)

    async def has_picture(self, product_id: int, picture_id: int) -> bool:
        found = await self._conn.scalar(
            text(f"""SELECT 1 FROM product_listing l, jsonb_array_elements({_IMAGES_ARRAY.format("l.images")}) e
                    WHERE l.product_id = :p AND e->>'picture_id' = :pic"""),
            {"p": product_id, "pic": str(picture_id)},
        )
        return bool(found)

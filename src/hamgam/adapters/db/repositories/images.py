"""Product images over PostgreSQL (``hamgam.ports.catalog.ImageRepository``): ``product_listing.images`` and
where Mahak's ``picture`` / ``photo_gallery`` rows say they should be."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.advisory_locks import lock_for_transaction
from hamgam.adapters.db.catalog_read import listing_images
from hamgam.ports.catalog import PictureState

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

    async def picture_state(self, picture_id: int) -> PictureState:
        row = (
            await self._conn.execute(
                text("SELECT url, file_name, row_version, deleted_at IS NULL AS live FROM picture WHERE mahak_id = :p"),
                {"p": picture_id},
            )
        ).first()
        # Every product a gallery row ever linked (deleted rows kept): the only ones that can list the picture.
        links = (
            await self._conn.execute(
                text(
                    """SELECT g.item_code AS product_id,
                               bool_or(g.deleted_at IS NULL AND p.deleted_at IS NULL) AS live,
                               bool_or(EXISTS (SELECT 1 FROM product_listing l,
                                                 jsonb_array_elements({images}) e
                                               WHERE l.product_id = g.item_code
                                                 AND e->>'picture_id' = :pic)) AS listed
                        FROM photo_gallery g LEFT JOIN product p ON p.mahak_id = g.item_code
                        WHERE g.picture_id = :p AND g.entity_type = :t
                        GROUP BY g.item_code ORDER BY g.item_code""".format(images=_IMAGES_ARRAY.format("l.images"))
                ),
                {"p": picture_id, "pic": str(picture_id), "t": PRODUCT_ENTITY_TYPE},
            )
        ).all()
        live = row is not None and bool(row.live)
        return PictureState(
            picture_id,
            None if row is None else row.url,
            None if row is None else row.file_name,
            0 if row is None else int(row.row_version),
            live,
            tuple(r.product_id for r in links if r.live) if live else (),
            tuple(r.product_id for r in links if r.listed),
        )

    async def pictures_to_refresh(self, limit: int, product_ids: Sequence[int] | None = None) -> list[int]:
        only = "" if product_ids is None else "AND g.item_code = ANY(:ids)"
        only_listed = "" if product_ids is None else "AND l.product_id = ANY(:ids)"
        rows = await self._conn.execute(
            text(f"""SELECT picture_id FROM (
                        SELECT pic.mahak_id AS picture_id
                        FROM photo_gallery g JOIN picture pic ON pic.mahak_id = g.picture_id
                        JOIN product p ON p.mahak_id = g.item_code AND p.deleted_at IS NULL
                        LEFT JOIN product_listing l ON l.product_id = g.item_code
                        WHERE g.entity_type = :t AND g.deleted_at IS NULL AND pic.deleted_at IS NULL {only}
                          AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements({_IMAGES_ARRAY.format("l.images")}) e
                                          WHERE e->>'picture_id' = pic.mahak_id::text
                                            AND e->>'version' = pic.row_version::text)
                        UNION
                        SELECT (e->>'picture_id')::bigint
                        FROM product_listing l, jsonb_array_elements({_IMAGES_ARRAY.format("l.images")}) e
                        WHERE e->>'source' = 'mahak' AND e->>'picture_id' ~ '^[0-9]{{1,18}}$' {only_listed}
                          AND NOT EXISTS (
                              SELECT 1 FROM photo_gallery g JOIN picture pic ON pic.mahak_id = g.picture_id
                              JOIN product p ON p.mahak_id = g.item_code AND p.deleted_at IS NULL
                              WHERE g.entity_type = :t AND g.deleted_at IS NULL AND pic.deleted_at IS NULL
                                AND g.item_code = l.product_id AND pic.mahak_id::text = e->>'picture_id')
                    ) due ORDER BY picture_id LIMIT :n"""),
            {"t": PRODUCT_ENTITY_TYPE, "n": limit, **({} if product_ids is None else {"ids": list(product_ids)})},
        )
        return [int(r.picture_id) for r in rows]

    async def lock_product(self, product_id: int) -> None:
        await lock_for_transaction(self._conn, IMAGES_LOCK, int(product_id) % 2**31)

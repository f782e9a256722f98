"""Product images: uploads checked and resized once into WebP variants, kept in the ``ObjectStore`` and listed
in the product's store-owned ``product_listing.images``; Mahak's pictures fetched and attached the same way.

An image entry is ``{"key", "url", "alt", "source"}`` (plus ``picture_id`` for Mahak's). Its variants live at
``{key}/{width}.webp`` for every configured width and never change (the key holds the content digest), so they
are served with long cache headers.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from PIL import Image, ImageOps, UnidentifiedImageError

from hamgam.domain.errors import Conflict, InvalidInput, NotFound
from hamgam.ports import ObjectStore
from hamgam.ports.catalog import CatalogUnitOfWork, PictureSource
from hamgam.ports.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)

#: Formats accepted, by what the bytes are (never by the file name or the declared type).
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
#: Largest picture accepted, in pixels (decompression bombs are refused before decoding).
MAX_PIXELS = 40_000_000
WEBP_QUALITY = 80
#: Most images kept per product.
MAX_IMAGES = 30


@dataclass(frozen=True)
class ProcessedImage:
    digest: str
    extension: str
    original: bytes
    variants: dict[int, bytes]


def process_image(data: bytes, widths: Sequence[int]) -> ProcessedImage:
    """Check that ``data`` is a real JPEG/PNG/WebP/GIF of sane size and make one WebP per width (never wider
    than the original). CPU-bound: call it in a thread. ``InvalidInput`` otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in ALLOWED_FORMATS:
                raise InvalidInput("نوع فایل پشتیبانی نمی‌شود — unsupported image type", field="image")
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise InvalidInput("ابعاد تصویر بیش از حد است — image too large", field="image")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            img: Image.Image = upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB")
            variants = {}
            for w in sorted(set(widths)):
                copy = img.copy()
                copy.thumbnail((min(w, img.width), 10 * min(w, img.width)), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                copy.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
                variants[w] = out.getvalue()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("فایل تصویر معتبر نیست — not a valid image", field="image") from None
    digest = hashlib.sha256(data).hexdigest()[:20]
    return ProcessedImage(digest, ALLOWED_FORMATS[kind], data, variants)


def variant_key(key: str, width: int) -> str:
    return f"{key}/{width}.webp"


class ImageService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[CatalogUnitOfWork],
        objects: ObjectStore,
        *,
        widths_px: Sequence[int],
        max_upload_bytes: int,
    ) -> None:
        self._uow = uow
        self.objects = objects
        self.widths_px = tuple(sorted(set(widths_px)))
        self.max_upload_bytes = max_upload_bytes

    def url(self, key: str, width: int | None = None) -> str:
        return "/media/" + variant_key(key, width or self.widths_px[-1])

    async def _store(self, key: str, image: ProcessedImage) -> None:
        await self.objects.put(f"{key}/original.{image.extension}", image.original)
        for width, data in image.variants.items():
            await self.objects.put(variant_key(key, width), data, content_type="image/webp")

    async def store_site_image(self, name: str, data: bytes) -> str:
        """Check, resize and store an image of the site itself (``name``: ``logo``); its key (``s/<name>/<digest>``),
        which the caller saves as a setting. ``InvalidInput`` as ``upload``."""
        if len(data) > self.max_upload_bytes:
            raise InvalidInput("حجم فایل بیش از حد مجاز است — file too large", field="image")
        if not data:
            raise InvalidInput("فایلی انتخاب نشده است — no file", field="image")
        image = await asyncio.to_thread(process_image, data, self.widths_px)
        key = f"s/{name}/{image.digest}"
        await self._store(key, image)
        return key

    async def images(self, product_id: int) -> list[dict[str, Any]]:
        async with self._uow() as uow:
            return await uow.images.images(product_id)

    async def upload(self, product_id: int, data: bytes, *, alt: str, actor: str) -> dict[str, str]:
        """Check, resize and store an uploaded image, then list it last among the product's images.

        Refuses (``InvalidInput``) files over ``max_upload_bytes``, anything that is not a real image of an
        allowed type, and products that already have ``MAX_IMAGES``. Uploading the same bytes twice makes
        the same key (idempotent storage), listed twice only if asked twice."""
        if len(data) > self.max_upload_bytes:
            raise InvalidInput("حجم فایل بیش از حد مجاز است — file too large", field="image")
        if not data:
            raise InvalidInput("فایلی انتخاب نشده است — no file", field="image")
        async with self._uow() as uow:
            if not await uow.images.product_exists(product_id):
                raise NotFound("کالا پیدا نشد — product not found", product_id=product_id)
        if len(await self.images(product_id)) >= MAX_IMAGES:
            raise InvalidInput("تعداد تصاویر این کالا به حداکثر رسیده است — too many images", field="image")
        image = await asyncio.to_thread(process_image, data, self.widths_px)
        key = f"p/{product_id}/{image.digest}"
        await self._store(key, image)
        entry = {"key": key, "url": self.url(key), "alt": alt.strip()[:200], "source": "upload"}
        async with self._uow() as uow:
            await uow.images.append(product_id, entry)
            await uow.audit.record(actor, "product.image.add", f"product:{product_id}", {"key": key})
        return entry

    async def _rewrite(
        self, product_id: int, images: list[dict[str, Any]], actor: str, action: str, details: dict[str, Any]
    ) -> None:
        async with self._uow() as uow:
            await uow.images.replace(product_id, images)
            await uow.audit.record(actor, action, f"product:{product_id}", details)

    async def move(self, product_id: int, key: str, delta: int, actor: str) -> None:
        """Move an image ``delta`` places (negative: earlier); the first visible image is the cover."""
        images = await self.images(product_id)
        index = next((i for i, e in enumerate(images) if e.get("key") == key), None)
        if index is None:
            raise NotFound("تصویر پیدا نشد — image not found")
        target = max(0, min(len(images) - 1, index + delta))
        images.insert(target, images.pop(index))
        await self._rewrite(product_id, images, actor, "product.image.move", {"key": key, "to": target})

    async def reorder(self, product_id: int, keys: Sequence[str], actor: str) -> None:
        """Put the product's images in the order of ``keys`` (staff dragged them; the first visible image is
        the cover). ``keys`` must name every listed image once: a list that differs (another tab added or
        removed one meanwhile) is a ``Conflict`` and changes nothing."""
        async with self._uow() as uow:
            images = await uow.images.images(product_id)
            by_key = {e.get("key"): e for e in images}
            if len(keys) != len(images) or set(keys) != set(by_key):
                raise Conflict(
                    "فهرست تصویرها در این میان تغییر کرده است؛ صفحه را دوباره باز کنید — the images changed meanwhile",
                    field="images",
                )
            ordered = [by_key[k] for k in keys]
            if ordered != images:
                await uow.images.replace(product_id, ordered)
                await uow.audit.record(actor, "product.image.reorder", f"product:{product_id}", {"keys": list(keys)})

    async def remove(self, product_id: int, key: str, actor: str) -> None:
        """Unlist an image. An uploaded one is deleted; a Mahak one stays listed as hidden, so the pictures job
        does not bring it back."""
        images = await self.images(product_id)
        entry = next((e for e in images if e.get("key") == key), None)
        if entry is None:
            raise NotFound("تصویر پیدا نشد — image not found")
        if entry.get("source") == "mahak":
            entry["hidden"] = "true"
        else:
            images.remove(entry)
        await self._rewrite(product_id, images, actor, "product.image.remove", {"key": key})
        if entry.get("source") != "mahak":
            for name in await self.objects.list(key):
                await self.objects.delete(name)

    async def covers(self, product_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The first visible image of each product that has one (for product cards)."""
        if not product_ids:
            return {}
        async with self._uow() as uow:
            found = await uow.images.images_of(product_ids)
        covers = {}
        for product_id, images in found.items():
            cover = next((e for e in images if e.get("key") and e.get("hidden") != "true"), None)
            if cover is not None:
                covers[product_id] = cover
        return covers

    async def attach_mahak_pictures(self, mahak: PictureSource, *, limit: int = 100) -> int:
        """Fetch Mahak's product pictures (``picture`` + ``photo_gallery``) not yet attached, resize them and
        list them after the product's own images. A picture that cannot be read or is not an image is listed
        hidden with its error, so it is not fetched again; a transient download error is retried next run.
        Returns how many pictures were handled. Safe to run in several processes (a duplicate is harmless:
        both store the same keys, and the listing check runs again before appending)."""
        async with self._uow() as uow:
            rows = await uow.images.pictures_to_attach(limit)
        done = 0
        for product_id, images_type in {r.product_id: r.images_type for r in rows}.items():
            if images_type not in (None, "array"):  # replaced by the first picture appended below
                log.warning("catalog.bad_listing_images", product_id=product_id, stored_type=images_type)
        for row in rows:
            product_id, picture_id = row.product_id, row.picture_id
            entry: dict[str, str] = {"source": "mahak", "picture_id": str(picture_id), "alt": ""}
            try:
                data = await mahak.download_picture(row.url or row.file_name or "")
                image = await asyncio.to_thread(process_image, data, self.widths_px)
            except InvalidInput as exc:
                entry |= {"key": f"m/{product_id}/{picture_id}", "hidden": "true", "error": exc.message[:200]}
            except ValueError as exc:  # a URL off the Mahak host: refused, not retried
                entry |= {"key": f"m/{product_id}/{picture_id}", "hidden": "true", "error": str(exc)[:200]}
            except Exception as exc:  # transient (Mahak down, timeouts): try again next run
                log.warning("images.mahak_download_failed", picture_id=picture_id, error=str(exc)[:200])
                continue
            else:
                key = f"m/{product_id}/{picture_id}-{image.digest}"
                await self._store(key, image)
                entry |= {"key": key, "url": self.url(key)}
            async with self._uow() as uow:
                await uow.images.lock_product(product_id)
                if not await uow.images.has_picture(product_id, picture_id):
                    await uow.images.append(product_id, entry)
            done += 1
        return done

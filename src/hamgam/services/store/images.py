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

from hamgam.domain.errors import Conflict, InvalidInput, NotFound, PermanentError
from hamgam.domain.listing import cover_of
from hamgam.ports import ObjectStore
from hamgam.ports.catalog import CatalogReadUnitOfWork, CatalogUnitOfWork, PictureSource
from hamgam.ports.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)

#: Formats accepted, by what the bytes are (never by the file name or the declared type).
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
#: Largest picture accepted, in pixels (decompression bombs are refused before decoding).
MAX_PIXELS = 40_000_000
WEBP_QUALITY = 80
#: Most images kept per product.
MAX_IMAGES = 30
#: Most pictures one pass over a batch's products brings up to date.
PICTURES_PER_PASS = 1_000


class UnusablePicture(PermanentError):
    """A Mahak picture that no retry can mend (not an image, or an address off the Mahak host)."""


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
        reads: UnitOfWorkFactory[CatalogReadUnitOfWork] | None = None,
    ) -> None:
        """``reads`` serves the product cards' ``covers`` (the storefront's read path); ``uow`` otherwise."""
        self._uow = uow
        self._reads: UnitOfWorkFactory[CatalogReadUnitOfWork] | UnitOfWorkFactory[CatalogUnitOfWork] = reads or uow
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
        async with self._reads() as uow:
            found = await uow.images.images_of(product_ids)
        return {product_id: cover for product_id, images in found.items() if (cover := cover_of(images))}

    async def sync_picture(self, mahak: PictureSource, picture_id: int) -> int:
        """Bring one Mahak picture's listing up to date with what the sync stored: fetched, resized and listed on
        each live product it is linked to (in place of its older version, keeping its position, alt text and a
        staff "hidden"), removed (entry and stored files) where it is no longer linked or no longer exists.
        Returns how many products changed. Idempotent: a picture already current is not downloaded again.

        A download that fails for a passing reason raises (the caller retries); a picture that is not an image
        or lives off the Mahak host is listed hidden with its error, then ``UnusablePicture`` (permanent) is
        raised so the failure is seen."""
        async with self._uow() as uow:
            state = await uow.images.picture_state(picture_id)
            listed = await uow.images.images_of(state.product_ids) if state.product_ids else {}
        version = str(state.version)
        changed = 0
        for product_id in sorted(set(state.listed_on) - set(state.product_ids)):
            changed += await self._drop_picture(product_id, picture_id)
        due = [
            p
            for p in state.product_ids
            if not any(
                e.get("picture_id") == str(picture_id) and e.get("version") == version and "error" not in e
                for e in listed.get(p, [])
            )
        ]
        if not due:
            return changed
        reference = state.url or state.file_name or ""
        problem: str | None = None
        image: ProcessedImage | None = None
        try:
            data = await mahak.download_picture(reference)
            image = await asyncio.to_thread(process_image, data, self.widths_px)
        except InvalidInput as exc:
            problem = exc.message
        except ValueError as exc:  # a URL off the Mahak host: refused, never retried
            problem = str(exc)
        for product_id in due:
            entry = {"source": "mahak", "picture_id": str(picture_id), "version": version, "alt": ""}
            if image is None:
                entry |= {"key": f"m/{product_id}/{picture_id}", "hidden": "true", "error": (problem or "")[:200]}
            else:
                key = f"m/{product_id}/{picture_id}-{image.digest}"
                await self._store(key, image)
                entry |= {"key": key, "url": self.url(key)}
            changed += await self._put_picture(product_id, entry)
        if problem is not None:
            raise UnusablePicture(f"picture {picture_id} ({reference}): {problem}"[:500])
        return changed

    async def _put_picture(self, product_id: int, entry: dict[str, str]) -> int:
        """List ``entry`` in place of the product's entry of the same Mahak picture (keeping its position, alt
        text and a staff "hidden"), or last; the replaced version's files are deleted."""
        async with self._uow() as uow:
            await uow.images.lock_product(product_id)
            images = await uow.images.images(product_id)
            index = next((i for i, e in enumerate(images) if e.get("picture_id") == entry["picture_id"]), None)
            if index is None:
                await uow.images.append(product_id, entry)
                return 1
            old = images[index]
            if old.get("hidden") == "true" and "error" not in old and "error" not in entry:
                entry = entry | {"hidden": "true"}  # staff hid this picture: a new version stays hidden
            if old.get("alt"):
                entry = entry | {"alt": str(old["alt"])}
            if old == entry:
                return 0
            images[index] = entry
            await uow.images.replace(product_id, images)
        await self._delete_files(old, keep=entry.get("key"))
        return 1

    async def _drop_picture(self, product_id: int, picture_id: int) -> int:
        """Unlist a Mahak picture from a product and delete its stored files."""
        async with self._uow() as uow:
            await uow.images.lock_product(product_id)
            images = await uow.images.images(product_id)
            gone = [e for e in images if e.get("picture_id") == str(picture_id)]
            if not gone:
                return 0
            await uow.images.replace(product_id, [e for e in images if e not in gone])
        for entry in gone:
            await self._delete_files(entry)
        return 1

    async def _delete_files(self, entry: dict[str, Any], *, keep: str | None = None) -> None:
        key = entry.get("key")
        if not isinstance(key, str) or not key.startswith("m/") or key == keep:
            return
        for name in await self.objects.list(key):
            await self.objects.delete(name)

    async def sync_products_pictures(self, mahak: PictureSource, product_ids: Sequence[int]) -> int:
        """``sync_picture`` for every picture of these products that is out of date (a product the sync just
        brought may have pictures that arrived before it). Raises the first failure after trying them all."""
        async with self._uow() as uow:
            due = await uow.images.pictures_to_refresh(PICTURES_PER_PASS, product_ids)
        changed, failure = 0, None
        for picture_id in due:
            try:
                changed += await self.sync_picture(mahak, picture_id)
            except Exception as exc:  # the others still go; the first failure is raised below
                failure = failure or exc
        if failure is not None:
            raise failure
        return changed

    async def attach_mahak_pictures(self, mahak: PictureSource, *, limit: int = 100) -> int:
        """The catch-up pass (pictures normally follow the sync through the pictures topic): bring up to
        ``limit`` out-of-date Mahak pictures up to date (``sync_picture``). A picture that is not an image is
        listed hidden with its error and not fetched again; one that cannot be downloaded now is tried on the
        next pass. Returns how many pictures were handled. Safe to run in several processes (the listing is
        rewritten under the product's lock; the stored files of one content are the same)."""
        async with self._uow() as uow:
            due = await uow.images.pictures_to_refresh(limit)
        done = 0
        for picture_id in due:
            try:
                await self.sync_picture(mahak, picture_id)
            except UnusablePicture:
                pass
            except Exception as exc:  # transient (Mahak down, timeouts): try again next pass
                log.warning("images.mahak_download_failed", picture_id=picture_id, error=str(exc)[:200])
                continue
            done += 1
        return done

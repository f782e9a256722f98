"""Images: upload checks (type by content, size, pixel count), resized variants made once and served with long
cache headers, and Mahak's pictures fetched and attached by the job."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import text

from hamgam.domain.errors import InvalidInput
from hamgam.services.store.images import process_image
from tests.web.conftest import Web


def png(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def bomb_png(side: int = 50_000) -> bytes:
    """A PNG header claiming ``side``×``side`` pixels (2.5 gigapixels) with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")
    )


def test_process_image_makes_each_width_once() -> None:
    image = process_image(png(1200, 800), [160, 480, 960])
    sizes = {w: Image.open(io.BytesIO(data)).size for w, data in image.variants.items()}
    assert sizes == {160: (160, 107), 480: (480, 320), 960: (960, 640)}
    assert all(Image.open(io.BytesIO(d)).format == "WEBP" for d in image.variants.values())
    assert image.extension == "png" and len(image.digest) == 20


@pytest.mark.parametrize("data", [b"<?php echo 1; ?>", b"GIF89a-not-really", bomb_png(), b"%PDF-1.7\n..."])
def test_process_image_refuses_non_images_and_bombs(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        process_image(data, [160])


async def test_staff_upload_shows_on_storefront_with_cache_headers(web: Web) -> None:
    await web.login_staff()
    token = await web.csrf("/admin/products/102")
    # when
    response = await web.http.post(
        "/admin/products/102/images",
        data={"csrf_token": token, "alt": "شال قرمز"},
        files={"image": ("shawl.png", png(), "image/png")},
    )
    # then
    assert response.status_code == 303
    page = (await web.http.get("/product/102")).text
    src = re.search(r'src="(/media/p/102/[0-9a-f]+/960\.webp)"', page)
    assert src and 'alt="شال قرمز"' in page
    media = await web.http.get(src.group(1))
    assert media.status_code == 200 and media.headers["content-type"] == "image/webp"
    assert media.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await web.http.get(src.group(1), headers={"If-None-Match": media.headers["etag"]})).status_code == 304
    card = (await web.http.get("/category/1")).text
    assert "/media/p/102/" in card  # the cover on product cards


async def test_upload_refuses_wrong_type_and_size(web: Web) -> None:
    await web.login_staff()
    token = await web.csrf("/admin/products/102")
    fake = await web.http.post(
        "/admin/products/102/images",
        data={"csrf_token": token},
        files={"image": ("evil.png", b"<script>alert(1)</script>", "image/png")},
    )
    big = await web.http.post(
        "/admin/products/102/images",
        data={"csrf_token": token},
        files={"image": ("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10), "image/png")},
    )
    no_csrf = await web.http.post("/admin/products/102/images", files={"image": ("a.png", png(), "image/png")})
    assert fake.status_code == 400 and "فایل تصویر معتبر نیست" in fake.text
    assert big.status_code == 400 and "حجم فایل بیش از حد مجاز است" in big.text
    assert no_csrf.status_code == 403
    assert await web.container.images.images(102) == []


async def test_media_serves_only_variants(web: Web) -> None:
    await web.container.objects.put("p/1/abc/original.png", png())
    await web.container.objects.put("exports/secret.csv", b"x")
    for path in [
        "/media/p/1/abc/original.png",
        "/media/exports/secret.csv",
        "/media/../etc/passwd",
        "/media/p/1/abc/480.webp",
    ]:
        assert (await web.http.get(path)).status_code == 404, path


class FakeMahak:
    def __init__(self, pictures: dict[str, bytes]) -> None:
        self.pictures = pictures
        self.calls: list[str] = []

    async def download_picture(self, reference: str) -> bytes:
        self.calls.append(reference)
        if reference not in self.pictures:
            raise ConnectionError("Mahak is down")
        return self.pictures[reference]


async def test_mahak_pictures_are_fetched_once_and_attached(web: Web) -> None:
    # given: two pictures of product 106 in Mahak's gallery, one of them not an image
    async with web.container.engine.begin() as conn:
        for pic, url in [(501, "Content/a.png"), (502, "Content/b.txt"), (503, "Content/down.png")]:
            await conn.execute(
                text("INSERT INTO picture (mahak_id, url, row_version) VALUES (:i, :u, 1)"), {"i": pic, "u": url}
            )
            await conn.execute(
                text("""INSERT INTO photo_gallery (mahak_id, picture_id, entity_type, item_code,
                                       row_version) VALUES (:i, :i, 102, 106, 1)"""),
                {"i": pic},
            )
    mahak = FakeMahak({"Content/a.png": png(300, 300), "Content/b.txt": b"not an image"})
    images = web.container.images
    # when: the job runs twice
    first = await images.attach_mahak_pictures(mahak)
    second = await images.attach_mahak_pictures(mahak)
    # then: a good picture is attached (shown), a bad one is listed hidden, the unreachable one retried
    listed = await images.images(106)
    assert first == 2 and second == 0
    assert mahak.calls.count("Content/a.png") == 1 and mahak.calls.count("Content/down.png") == 2
    assert [(e["picture_id"], e.get("hidden")) for e in listed] == [("501", None), ("502", "true")]
    page = (await web.http.get("/product/106")).text
    assert f"/media/{listed[0]['key']}/960.webp" in page


async def test_staff_drag_images_into_order_and_the_cover_follows(web: Web) -> None:
    await web.login_staff()
    token = await web.csrf("/admin/products/102")
    for color in ((200, 0, 0), (0, 200, 0), (0, 0, 200)):
        response = await web.http.post(
            "/admin/products/102/images",
            data={"csrf_token": token, "alt": ""},
            files={"image": ("p.png", png(color=color), "image/png")},
        )
        assert response.status_code == 303
    keys = [e["key"] for e in await web.container.images.images(102)]
    page = (await web.http.get("/admin/products/102")).text
    assert "js/sortable.min.js" in page and 'data-order-form="image-order"' in page
    assert [m for m in re.findall(r'<li data-key="([^"]+)"', page)] == keys
    # when staff drop the last image first (the script posts the new order through htmx)
    dragged = [keys[2], keys[0], keys[1]]
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    response = await web.http.post("/admin/products/102/images/order", data={"keys": dragged}, headers=htmx)
    # then the images section comes back alone, in the new order; the storefront's cover is the dragged one
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<section class="panel" id="images"')
    assert re.findall(r'<li data-key="([^"]+)"', response.text) == dragged
    assert [e["key"] for e in await web.container.images.images(102)] == dragged
    assert (await web.container.images.covers([102]))[102]["key"] == keys[2]
    async with web.container.engine.connect() as conn:
        audited = (
            (await conn.execute(text("SELECT details FROM audit_log WHERE action = 'product.image.reorder'")))
            .scalars()
            .all()
        )
    assert audited == [{"keys": dragged}]
    # when a page that missed an upload sends its stale list, nothing moves and staff are told to reload
    stale = await web.http.post("/admin/products/102/images/order", data={"keys": dragged[:2]}, headers=htmx)
    assert stale.status_code == 200 and "دوباره باز کنید" in stale.text
    assert [e["key"] for e in await web.container.images.images(102)] == dragged

"""A bad listing row stored in the database (JSON null, not a list, a list with non-objects or non-strings) is
skipped and logged by the pages and the pictures job: the rest of the page, and of the catalogue, still shows."""

from __future__ import annotations

import pytest
import structlog
from sqlalchemy import text

from hamgam.adapters.db.repositories.images import PRODUCT_ENTITY_TYPE
from tests.web.conftest import Web, web  # noqa: F401  (fixture)

BAD_IMAGES = [
    "null",
    '{"key": "p/103/x", "url": "/media/p/103/x/960.webp"}',
    '"p/103/x"',
    '["key", 7, null, [1], {"key": 5}, {"key": "p/103/ok", "url": 1}]',
]
PAGES = ["/", "/category/2", "/search?q=کتری", "/product/103", "/admin/products/103"]


async def _store_images(web: Web, product_id: int, raw: str) -> None:  # noqa: F811
    async with web.container.engine.begin() as conn:
        await conn.execute(
            text("""INSERT INTO product_listing (product_id, images, featured) VALUES (:p, CAST(:i AS jsonb), true)
                    ON CONFLICT (product_id) DO UPDATE SET images = EXCLUDED.images"""),
            {"p": product_id, "i": raw},
        )


@pytest.mark.parametrize("raw", BAD_IMAGES)
async def test_pages_skip_bad_listing_images(web: Web, raw: str) -> None:  # noqa: F811
    # given: product 103 with a bad images value, product 102 with a good one
    await _store_images(web, 103, raw)
    await _store_images(web, 102, '[{"key": "p/102/good", "url": "/media/p/102/good/960.webp", "alt": "شال"}]')
    await web.login_staff()
    # when
    with structlog.testing.capture_logs() as logs:
        responses = {path: await web.http.get(path) for path in PAGES}
    # then: every page renders as HTML, the good product keeps its picture, the bad row is logged with its id
    for path, response in responses.items():
        assert response.status_code == 200, (path, response.text[:300])
        assert "text/html" in response.headers["content-type"]
    assert "/media/p/102/good/" in responses["/"].text
    assert "کتری برقی استیل" in responses["/category/2"].text
    assert "کتری برقی استیل" in responses["/product/103"].text
    bad = [e for e in logs if e["event"] == "catalog.bad_listing_images"]
    assert bad and {e["product_id"] for e in bad} == {103}


async def test_product_api_skips_bad_listing_images(web: Web) -> None:  # noqa: F811
    # given
    await _store_images(web, 103, BAD_IMAGES[-1])
    # when
    response = await web.http.get("/api/v1/products/103")
    # then: only well-formed entries are listed
    assert response.status_code == 200, response.text
    assert response.json()["images"] == []


class _Pictures:
    """Mahak's picture download, as the job sees it: every picture is a tiny PNG."""

    def __init__(self) -> None:
        import io

        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (4, 4), "red").save(out, "PNG")
        self.data = out.getvalue()

    async def download_picture(self, url: str) -> bytes:
        return self.data


@pytest.mark.parametrize("raw", BAD_IMAGES)
async def test_pictures_job_skips_bad_listing_images(web: Web, raw: str) -> None:  # noqa: F811
    # given: Mahak pictures for products 102 and 103; 103's listing has a bad images value
    await _store_images(web, 103, raw)
    async with web.container.engine.begin() as conn:
        for n, product_id in enumerate((102, 103), start=1):
            await conn.execute(
                text("INSERT INTO picture (mahak_id, url, file_name, row_version) VALUES (:i, :u, :f, 1)"),
                {"i": n, "u": f"/pics/{n}.png", "f": f"{n}.png"},
            )
            await conn.execute(
                text("""INSERT INTO photo_gallery (mahak_id, picture_id, entity_type, item_code, row_version)
                        VALUES (:i, :i, :t, :p, 1)"""),
                {"i": n, "t": PRODUCT_ENTITY_TYPE, "p": product_id},
            )
    images = web.container.images
    assert images is not None
    # when
    handled = await images.attach_mahak_pictures(_Pictures())
    again = await images.attach_mahak_pictures(_Pictures())
    # then: both products got their picture, once, and 103's page shows it
    assert (handled, again) == (2, 0)
    for product_id in (102, 103):
        listed = await images.images(product_id)
        assert [e["picture_id"] for e in listed if e.get("source") == "mahak"] == [str(product_id - 101)]
    assert "/media/m/103/2-" in (await web.http.get("/product/103")).text


class _Refused(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"refused ({sqlstate})")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "status"), [("22023", 400), ("XX000", 500)])
async def test_page_database_error_renders_html(web: Web, monkeypatch, sqlstate: str, status: int) -> None:  # noqa: F811
    # given: the catalogue read fails in the database (a value it refuses, or anything else)
    from sqlalchemy.exc import DBAPIError

    async def refused(*args: object, **kwargs: object) -> list:
        raise DBAPIError("SELECT 1", {}, _Refused(sqlstate))

    monkeypatch.setattr(web.container.store.catalog, "newest", refused)
    # when
    response = await web.http.get("/")
    # then: the site's error page, not the JSON API's error body
    assert response.status_code == status
    assert "text/html" in response.headers["content-type"]
    assert not response.text.lstrip().startswith("{")

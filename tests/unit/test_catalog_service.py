"""The catalogue's service logic against the in-memory unit of work: no database."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from hamgam.adapters.queue.memory import MemoryQueue
from hamgam.domain.errors import Conflict, InvalidInput, NotFound
from hamgam.domain.sync.batch import Batch
from hamgam.services.store.catalog import COUNT_LIMIT, CatalogService
from hamgam.services.store.dashboard import DashboardService
from hamgam.services.store.images import MAX_IMAGES, ImageService, UnusablePicture
from hamgam.services.store.pictures import (
    PICTURES_TOPIC,
    PictureHandler,
    PicturesOnSync,
    PictureWorker,
    parse_message,
    picture_message,
)
from tests.fakes.catalog import CatalogState, FakeCatalogUnitOfWork

TREE = [
    {"code": 1, "name": "نوشیدنی", "parent_code": None},
    {"code": 2, "name": "چای", "parent_code": 1},
    {"code": 3, "name": "چای سبز", "parent_code": 2},
    {"code": 4, "name": "خوراکی", "parent_code": None},
]


def _product(product_id: int, name: str, category_id: int, price: int, available: int) -> dict:
    return {
        "product_id": product_id,
        "name": name,
        "code": None,
        "category_id": category_id,
        "min_price_rial": price,
        "max_price_rial": price,
        "available": available,
        "details": 1,
    }


@pytest.fixture
def state() -> CatalogState:
    return CatalogState(
        nodes=[dict(n) for n in TREE],
        products={
            10: _product(10, "چای سیاه", 2, 500, 3),
            11: _product(11, "چای سبز", 3, 700, 0),
            12: _product(12, "قهوه", 1, 900, 5),
            13: _product(13, "بیسکویت", 4, 100, 8),
        },
    )


def _catalog(state: CatalogState, **kwargs: float) -> CatalogService:
    return CatalogService(FakeCatalogUnitOfWork.factory(state), **kwargs)


@pytest.mark.parametrize(
    "bad",
    [{"sort": "cheapest"}, {"page": 0}, {"per_page": 101}, {"min_price_rial": 10, "max_price_rial": 5}],
)
async def test_a_bad_listing_request_is_refused_before_reading(state: CatalogState, bad: dict) -> None:
    with pytest.raises(InvalidInput):
        await _catalog(state).search(**bad)
    assert state.queries == []


async def test_a_category_lists_its_sub_categories_too(state: CatalogState) -> None:
    found = await _catalog(state).search(category=1, sort="newest")
    assert set(state.queries[0].category_ids or ()) == {1, 2, 3}
    assert [p["product_id"] for p in found["items"]] == [12, 11, 10]
    assert (found["total"], found["total_exact"], found["page"]) == (3, True, 1)


async def test_the_query_is_normalised_split_and_paged(state: CatalogState) -> None:
    await _catalog(state).search(q="  چاي   سياه چاي ", page=3, per_page=10)
    query = state.queries[0]
    # Arabic yeh spelled the Persian way, a repeated word once
    assert query.terms == ("چای", "سیاه")
    assert (query.offset, query.limit, query.count_limit) == (20, 10, COUNT_LIMIT)


async def test_the_category_tree_is_read_once_per_ttl(state: CatalogState) -> None:
    cached = _catalog(state)
    await cached.search(category=1)
    await cached.search(category=2)
    assert state.category_reads == 1
    uncached = _catalog(state, category_ttl_s=0.0)
    await uncached.categories()
    await uncached.categories()
    assert state.category_reads == 3


async def test_related_products_are_the_category_s_others_in_stock_read_once_per_ttl(state: CatalogState) -> None:
    catalog = _catalog(state)
    state.images[10] = [{"key": "hidden.webp", "hidden": "true"}, {"key": "shown.webp"}]
    drinks = state.products[12]  # category 1, with 2 and 3 under it
    # 11 is out of stock, 12 is the product itself; each with its cover, the first picture shown
    assert [(p["product_id"], p["cover"]) for p in await catalog.related(drinks)] == [(10, {"key": "shown.webp"})]
    assert [p["product_id"] for p in await catalog.related(state.products[10] | {"category_id": 1})] == [12]
    assert len(state.queries) == 1  # one category: one read
    assert (await catalog.related(state.products[10] | {"category_id": 1}))[0]["cover"] is None
    assert await catalog.related(state.products[13] | {"category_id": None}) == []
    uncached = _catalog(state, related_ttl_s=0.0)
    await uncached.related(drinks)
    await uncached.related(drinks)
    assert len(state.queries) == 3


async def test_the_tree_nests_children_under_their_parents(state: CatalogState) -> None:
    roots = await _catalog(state).categories()
    assert [r["code"] for r in roots] == [1, 4]
    assert [c["code"] for c in roots[0]["children"]] == [2]
    assert [c["code"] for c in roots[0]["children"][0]["children"]] == [3]


async def test_newest_lists_only_products_in_stock(state: CatalogState) -> None:
    items = await _catalog(state).newest(limit=2)
    assert [p["product_id"] for p in items] == [13, 12]
    assert state.queries[0].in_stock and state.queries[0].count_limit == 0


async def test_a_product_page_combines_details_names_and_store_fields(state: CatalogState) -> None:
    state.details[10] = [
        {"detail_id": 101, "properties": [{"code": 7, "value": "۱۰۰ گرم"}], "barcode": "1",
         "price_rial": 500, "stock_mahak": 5.7, "reserved": 2},
        {"detail_id": 102, "properties": None, "barcode": None, "price_rial": 600, "stock_mahak": -3, "reserved": 0},
    ]  # fmt: skip
    state.extras[10] = {
        "unit_name": "بسته", "description": None, "mahak_description": "از محک", "images": [], "pictures": [],
        "seo_title": None, "seo_description": None, "slug": "black-tea",
    }  # fmt: skip
    state.property_names = {"7": "وزن"}
    page = await _catalog(state).product(10)
    assert page["name"] == "چای سیاه"
    assert page["description"] == "از محک"  # Mahak's text when staff wrote none
    first, second = page["details"]
    assert first["available"] == 3  # five whole units less two held
    assert first["properties"] == [{"code": 7, "value": "۱۰۰ گرم", "name": "وزن"}]
    assert second["available"] == 0  # a negative stock sells nothing
    assert second["properties"] == []


async def test_a_product_not_on_sale_has_no_page(state: CatalogState) -> None:
    with pytest.raises(NotFound):
        await _catalog(state).product(99)


async def test_featured_lists_sellable_featured_products_newest_first(state: CatalogState) -> None:
    catalog = _catalog(state)
    assert await catalog.featured() == []
    assert state.queries == []  # nothing featured: no listing read
    state.featured = [10, 12, 99]  # 99 is not on sale
    assert [p["product_id"] for p in await catalog.featured()] == [12, 10]


async def test_the_dashboard_counts_from_midnight_in_tehran(state: CatalogState) -> None:
    state.figures = {"orders_today": 4}
    dashboard = DashboardService(FakeCatalogUnitOfWork.factory(state))
    # 21:00 UTC is 00:30 in Tehran (UTC+03:30): the day began half an hour ago
    figures = await dashboard.today(dt.datetime(2026, 3, 1, 21, 0, tzinfo=dt.UTC))
    (since,) = state.figures_since
    assert since.astimezone(dt.UTC) == dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC)
    assert figures == {"orders_today": 4, "since": since}


class _Objects:
    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self.stored[key] = data

    async def get(self, key: str) -> bytes | None:
        return self.stored.get(key)

    async def exists(self, key: str) -> bool:
        return key in self.stored

    async def delete(self, key: str) -> None:
        self.stored.pop(key, None)

    async def list(self, prefix: str) -> list[str]:
        return sorted(k for k in self.stored if k.startswith(prefix + "/"))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _images(state: CatalogState) -> tuple[ImageService, _Objects]:
    objects = _Objects()
    return ImageService(
        FakeCatalogUnitOfWork.factory(state), objects, widths_px=[16, 32], max_upload_bytes=10**6
    ), objects


async def test_an_upload_is_stored_listed_last_and_audited(state: CatalogState) -> None:
    state.known_products = {10}
    state.images[10] = [{"key": "p/10/old", "url": "/media/p/10/old/32.webp", "alt": "", "source": "upload"}]
    images, objects = _images(state)
    entry = await images.upload(10, _png(), alt=" قرمز ", actor="staff:1")
    assert entry["alt"] == "قرمز" and entry["source"] == "upload"
    assert [e["key"] for e in state.images[10]] == ["p/10/old", entry["key"]]
    assert {f"{entry['key']}/16.webp", f"{entry['key']}/32.webp"} <= set(objects.stored)
    assert state.audit == [("staff:1", "product.image.add", "product:10", {"key": entry["key"]})]


async def test_an_upload_is_refused_for_an_unknown_product_or_a_full_gallery(state: CatalogState) -> None:
    images, objects = _images(state)
    with pytest.raises(NotFound):
        await images.upload(10, _png(), alt="", actor="staff:1")
    state.known_products = {10}
    state.images[10] = [{"key": f"p/10/{i}", "url": "", "alt": "", "source": "upload"} for i in range(MAX_IMAGES)]
    with pytest.raises(InvalidInput):
        await images.upload(10, _png(), alt="", actor="staff:1")
    assert objects.stored == {} and state.audit == []


async def test_removing_a_mahak_picture_hides_it_and_an_upload_is_deleted(state: CatalogState) -> None:
    state.images[10] = [
        {"key": "m/10/5-x", "url": "", "alt": "", "source": "mahak", "picture_id": "5"},
        {"key": "p/10/y", "url": "", "alt": "", "source": "upload"},
    ]
    images, objects = _images(state)
    objects.stored = {"p/10/y/16.webp": b"1", "p/10/y/32.webp": b"2"}
    await images.remove(10, "m/10/5-x", "staff:1")
    await images.remove(10, "p/10/y", "staff:1")
    assert state.images[10] == [
        {"key": "m/10/5-x", "url": "", "alt": "", "source": "mahak", "picture_id": "5", "hidden": "true"}
    ]
    assert objects.stored == {}
    # the first visible image is the cover: none is left
    assert await images.covers([10]) == {}


async def test_moving_an_image_changes_the_cover(state: CatalogState) -> None:
    state.images[10] = [{"key": k, "url": "", "alt": "", "source": "upload"} for k in ("a", "b", "c")]
    images, _ = _images(state)
    await images.move(10, "c", -5, "staff:1")
    assert [e["key"] for e in state.images[10]] == ["c", "a", "b"]
    assert (await images.covers([10, 11]))[10]["key"] == "c"
    assert state.audit[-1] == ("staff:1", "product.image.move", "product:10", {"key": "c", "to": 0})
    with pytest.raises(NotFound):
        await images.move(10, "nope", 1, "staff:1")


class _Mahak:
    def __init__(self, pictures: dict[str, bytes | Exception]) -> None:
        self.pictures = pictures

    async def download_picture(self, url: str) -> bytes:
        found = self.pictures[url]
        if isinstance(found, Exception):
            raise found
        return found


def _mahak_pictures(state: CatalogState, *links: tuple[int, int, str]) -> None:
    """Mahak pictures as the sync stored them: ``(product, picture, url)`` linked by live gallery rows."""
    for product_id, picture_id, url in links:
        state.picture_rows[picture_id] = (url, 1, True)
        state.gallery.add((product_id, picture_id))


async def test_mahak_pictures_are_attached_once_a_bad_one_hidden_a_failed_one_retried(state: CatalogState) -> None:
    state.known_products = {10}
    _mahak_pictures(state, (10, 1, "good.png"), (10, 2, "bad.png"), (10, 3, "later.png"), (20, 4, "gone.png"))
    mahak = _Mahak({"good.png": _png(), "bad.png": b"not an image", "later.png": TimeoutError("slow")})
    images, _ = _images(state)
    assert await images.attach_mahak_pictures(mahak) == 2
    listed = {e["picture_id"]: e for e in state.images[10]}
    assert set(listed) == {"1", "2"}
    assert "hidden" not in listed["1"] and listed["1"]["key"].startswith("m/10/1-")
    assert listed["2"]["hidden"] == "true" and listed["2"]["key"] == "m/10/2"
    assert state.locked == [10, 10]
    # a second run fetches only the one that failed for a passing reason
    mahak.pictures["later.png"] = _png()
    assert await images.attach_mahak_pictures(mahak) == 1
    assert await images.attach_mahak_pictures(mahak) == 0
    assert {e["picture_id"] for e in state.images[10]} == {"1", "2", "3"}


async def test_reordering_images_saves_the_dragged_order_once_and_audits_it(state: CatalogState) -> None:
    state.images[10] = [{"key": k, "url": "", "alt": "", "source": "upload"} for k in ("a", "b", "c")]
    images, _ = _images(state)
    # when staff drag the last image first
    await images.reorder(10, ["c", "a", "b"], "staff:1")
    # then it is the cover, and the move is in the audit log; the same order again changes nothing
    assert [e["key"] for e in state.images[10]] == ["c", "a", "b"]
    assert (await images.covers([10]))[10]["key"] == "c"
    assert state.audit[-1] == ("staff:1", "product.image.reorder", "product:10", {"keys": ["c", "a", "b"]})
    await images.reorder(10, ["c", "a", "b"], "staff:1")
    assert len(state.audit) == 1
    # a list from a stale page (an image missing, unknown or twice) is refused and changes nothing
    for stale in (["c", "a"], ["c", "a", "x"], ["c", "c", "a"]):
        with pytest.raises(Conflict):
            await images.reorder(10, stale, "staff:1")
    assert [e["key"] for e in state.images[10]] == ["c", "a", "b"] and len(state.audit) == 1


async def test_the_export_reads_the_catalogue_by_keyset_pages_with_category_names(state: CatalogState) -> None:
    state.nodes = [{"code": 1, "name": "پوشاک", "parent_code": None}]
    state.export_rows = [{"product_id": i, "category_id": 1 if i % 2 else 9} for i in (5, 2, 9, 7, 3)]
    catalog = CatalogService(FakeCatalogUnitOfWork.factory(state))
    # when the export is read two products at a time
    pages = [page async for page in catalog.export(page_size=2)]
    # then every product comes once, in id order, each page after the last id of the one before
    assert [[r["product_id"] for r in p] for p in pages] == [[2, 3], [5, 7], [9]]
    assert state.export_pages == [(0, 2), (3, 2), (7, 2)]
    assert [r["category"] for p in pages for r in p] == [None, "پوشاک", "پوشاک", "پوشاک", "پوشاک"]


def _png_of(rgb: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), rgb).save(out, "PNG")
    return out.getvalue()


async def test_a_changed_mahak_picture_replaces_the_old_one_in_place(state: CatalogState) -> None:
    # given: product 10 shows an upload, then Mahak's picture 7 with staff's alt text
    state.known_products = {10}
    _mahak_pictures(state, (10, 7, "p7.png"))
    mahak = _Mahak({"p7.png": _png_of((200, 0, 0))})
    images, objects = _images(state)
    state.images[10] = [{"key": "p/10/up", "url": "", "alt": "", "source": "upload"}]
    assert await images.sync_picture(mahak, 7) == 1
    state.images[10][1]["alt"] = "قرمز"
    first = state.images[10][1]["key"]
    # when: Mahak changes the picture (new RowVersion, new bytes); the same version again changes nothing
    assert await images.sync_picture(mahak, 7) == 0
    state.picture_rows[7] = ("p7.png", 2, True)
    mahak.pictures["p7.png"] = _png_of((0, 0, 200))
    assert await images.sync_picture(mahak, 7) == 1
    # then: the new version takes the old one's place and alt text; the old files are gone
    entry = state.images[10][1]
    assert len(state.images[10]) == 2 and state.images[10][0]["key"] == "p/10/up"
    assert entry["key"] != first and entry["version"] == "2" and entry["alt"] == "قرمز"
    assert not [k for k in objects.stored if k.startswith(first + "/")]
    assert f"{entry['key']}/32.webp" in objects.stored


async def test_a_mahak_picture_deleted_or_unlinked_is_removed(state: CatalogState) -> None:
    state.known_products = {10, 11}
    _mahak_pictures(state, (10, 7, "p7.png"), (11, 7, "p7.png"))
    images, objects = _images(state)
    assert await images.sync_picture(_Mahak({"p7.png": _png()}), 7) == 2
    # the gallery link to 11 is deleted: 11 loses it, 10 keeps it
    state.gallery.discard((11, 7))
    assert await images.attach_mahak_pictures(_Mahak({})) == 1
    assert state.images[11] == [] and len(state.images[10]) == 1
    # the picture itself is deleted: gone everywhere, files too
    state.picture_rows[7] = ("p7.png", 2, False)
    assert await images.sync_picture(_Mahak({}), 7) == 1
    assert state.images[10] == [] and objects.stored == {}


async def test_the_sync_announces_pictures_and_the_consumer_settles_them(state: CatalogState) -> None:
    queue = MemoryQueue()
    listener = PicturesOnSync(queue)
    await listener.batch_applied(Batch(1, 1, "Picture", [{"mahak_id": 7}, {"mahak_id": 8}]))
    await listener.batch_applied(Batch(2, 1, "PhotoGallery", [{"mahak_id": 1, "picture_id": 7}]))
    await listener.batch_applied(Batch(3, 1, "Product", [{"mahak_id": 10}]))
    await listener.batch_applied(Batch(4, 1, "Person", [{"mahak_id": 10}]))
    bodies = []
    async for delivery in queue.consume(PICTURES_TOPIC, prefetch=10):
        bodies.append(parse_message(delivery.body))
        await delivery.ack()
        if len(bodies) == 4:
            break
    assert bodies == [(7, []), (8, []), (7, []), (None, [10])]
    # a picture that is not an image is listed hidden and raised as permanent (the pool dead-letters it)
    state.known_products = {10}
    _mahak_pictures(state, (10, 7, "p7.png"))
    images, _ = _images(state)
    handler = PictureHandler(images, _Mahak({"p7.png": b"text"}), FakeCatalogUnitOfWork.factory(state), PICTURES_TOPIC)
    with pytest.raises(UnusablePicture):
        await handler.images.sync_products_pictures(handler.mahak, [10])
    assert state.images[10][0]["hidden"] == "true" and "error" in state.images[10][0]


async def test_a_picture_that_keeps_failing_becomes_a_dead_letter_of_the_pictures_topic(state: CatalogState) -> None:
    # given: Mahak cannot serve picture 7, and no retry is left
    state.known_products = {10}
    _mahak_pictures(state, (10, 7, "p7.png"))
    queue = MemoryQueue()
    images, _ = _images(state)
    pool = PictureWorker(
        queue,
        images,
        _Mahak({"p7.png": TimeoutError("Mahak is slow")}),
        FakeCatalogUnitOfWork.factory(state),
        concurrency=1,
        prefetch=1,
        retry_delays_s=[],
    )
    await queue.publish(PICTURES_TOPIC, picture_message(7), message_id="m-7")
    # when: the pool handles the delivery
    async for delivery in queue.consume(PICTURES_TOPIC, prefetch=1):
        await pool.handle(delivery)
        break
    # then: the message is kept as a dead letter for staff to replay, and nothing was listed
    (letter,) = state.dead_letters
    assert letter.topic == PICTURES_TOPIC and letter.body == picture_message(7) and "TimeoutError" in letter.error
    assert state.images.get(10, []) == []

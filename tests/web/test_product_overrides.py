"""Staff overrides of Mahak's product fields reach the storefront (product page, cards, search, cart) over
Mahak's value; removing one brings Mahak's value back; a later sync from Mahak does not erase them."""

from __future__ import annotations

from sqlalchemy import text

from hamgam.adapters.db.sync_repository import SqlSyncRepository
from hamgam.domain.sync.batch import Batch
from tests.web.conftest import Web

OVERRIDES = {
    "name": "دستمال گردن پشمی",
    "unit_name": "بسته",
    "unit_name2": "کارتن",
    "mahak_description": "بافت دست ایل قشقایی",
    "tags": "زمستانه، هدیه",
}


async def _override(web: Web, product_id: int, field: str, value: str) -> None:
    page = f"/admin/products/{product_id}"
    response = await web.post(f"{page}/override", {"field": field, "value": value}, from_page=page)
    assert response.status_code == 303, response.text[:500]


async def _clear(web: Web, product_id: int, field: str) -> None:
    page = f"/admin/products/{product_id}"
    response = await web.post(f"{page}/override/clear", {"field": field}, from_page=page)
    assert response.status_code == 303, response.text[:500]


async def _found(web: Web, q: str) -> bool:
    return 'href="/product/102"' in (await web.http.get("/search", params={"q": q})).text


async def test_each_override_shows_on_the_storefront_and_mahaks_value_returns(web: Web) -> None:
    await web.login_staff()
    assert not await _found(web, "هدیه") and not await _found(web, "پشمی")
    # when staff override every overridable field of the shawl
    for field, value in OVERRIDES.items():
        await _override(web, 102, field, value)
    # then the product page shows each override instead of Mahak's value
    page = (await web.http.get("/product/102")).text
    assert "دستمال گردن پشمی" in page and "شال زمستانی" not in page
    assert "بسته" in page and "کارتن" in page and "بافت دست ایل قشقایی" in page
    assert 'href="/search?q=%D9%87%D8%AF%DB%8C%D9%87"' in page and "زمستانه" in page  # tags, linked to search
    # the cards of the category and the search (by the new name, by a tag, in Arabic spelling) find it
    assert "دستمال گردن پشمی" in (await web.http.get("/category/1")).text
    assert await _found(web, "پشمی") and await _found(web, "هديه") and await _found(web, "زمستانه")
    assert await _found(web, "شال")  # Mahak's name is still searched
    # and the cart names it as the store does
    await web.post("/cart/add", {"detail_id": "1021", "quantity": "1", "back": "/cart"}, from_page="/product/102")
    assert "دستمال گردن پشمی" in (await web.http.get("/cart")).text
    # when the overrides are removed
    for field in OVERRIDES:
        await _clear(web, 102, field)
    # then Mahak's values are back everywhere, and the tags no longer find it
    page = (await web.http.get("/product/102")).text
    assert "شال زمستانی" in page and "دستمال گردن پشمی" not in page and "کارتن" not in page
    assert "بافت دست" not in page and "زمستانه" not in page and "عدد" in page
    assert "شال زمستانی" in (await web.http.get("/category/1")).text
    assert not await _found(web, "هدیه") and not await _found(web, "پشمی")


async def test_a_later_sync_keeps_the_override_and_mahaks_tags_are_searched(web: Web) -> None:
    await web.login_staff()
    await _override(web, 102, "name", "دستمال گردن پشمی")
    await _override(web, 102, "unit_name", "بسته")
    # when Mahak sends the product again with a new name, unit and tags
    sync = SqlSyncRepository(web.container.engine)
    run_id = await sync.start_run("Product", "incremental", 0)
    batch_id = await sync.record_batch(run_id, "Product", 1, 1, 5, 5, [])
    row = {
        "mahak_id": 102,
        "row_version": 5,
        "deleted": False,
        "name": "شال پاییزی",
        "name_search": "شال پاییزی p102 پاییز",
        "code": "P102",
        "category_id": 1,
        "unit_name": "طاقه",
        "tags": "پاییز",
    }
    assert await sync.apply_batch(Batch(batch_id, run_id, "Product", [row], False, 5)) is not None
    # then Mahak's values are stored, the overrides still win on the storefront, and Mahak's tag is searched
    async with web.container.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT name, unit_name FROM product WHERE mahak_id = 102"))).one()
    assert tuple(stored) == ("شال پاییزی", "طاقه")
    page = (await web.http.get("/product/102")).text
    assert "دستمال گردن پشمی" in page and "بسته" in page and "شال پاییزی" not in page and "طاقه" not in page
    assert await _found(web, "پاییز") and await _found(web, "پشمی")
    # and the admin page shows the conflict of the name
    assert "شال پاییزی" in (await web.http.get("/admin/products/102")).text

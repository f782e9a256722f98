"""The admin product list: bulk hide, show, feature and unfeature of the ticked products (one transaction,
audited, the count told), and the catalogue's CSV export (UTF-8 with a BOM, Persian headers, streamed)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from hamgam.services.store import catalog
from tests.web.conftest import Web


async def _flags(web: Web) -> dict[int, tuple[bool, bool]]:
    async with web.container.engine.connect() as conn:
        rows = await conn.execute(text("SELECT product_id, hidden, featured FROM product_listing"))
        return {r.product_id: (r.hidden, r.featured) for r in rows}


async def test_bulk_actions_change_the_ticked_products_and_say_how_many(web: Web) -> None:
    await web.login_staff()
    page = (await web.http.get("/admin/products")).text
    assert 'form="bulk"' in page and "data-select-all" in page and "js/select-all.js" in page
    # when staff tick three products and hide them
    back = "/admin/products?page=1"
    hide = {"action": "hide", "ids": ["101", "102", "103"], "back": back}
    response = await web.post("/admin/products/bulk", hide, from_page="/admin/products")
    # then all three leave the storefront, and the next page says three changed
    assert response.status_code == 303 and response.headers["location"] == back
    assert "۳ کالا از ۳ کالای انتخاب‌شده از فروشگاه پنهان شد." in (await web.http.get(back)).text
    for product_id in (101, 102, 103):
        assert (await web.http.get(f"/product/{product_id}")).status_code == 404
    assert (await web.http.get("/product/105")).status_code == 200
    # when they feature two products, one of them featured already
    await web.post("/admin/products/bulk", {"action": "feature", "ids": ["105", "106"]}, from_page="/admin/products")
    assert "۱ کالا از ۲ کالای انتخاب‌شده در صفحهٔ اصلی ویژه شد." in (await web.http.get("/admin/products")).text
    await web.post("/admin/products/bulk", {"action": "show", "ids": ["102"]}, from_page="/admin/products")
    # then the flags are as chosen, the home page features them, and each change is audited per product
    assert await _flags(web) == {
        101: (True, False),
        102: (False, False),
        103: (True, False),
        105: (False, True),
        106: (False, True),
    }
    home = (await web.http.get("/")).text
    assert "کتاب شاهنامه فردوسی" in home and "دیوان حافظ" in home
    async with web.container.engine.connect() as conn:
        audited = (
            (
                await conn.execute(
                    text(
                        "SELECT target FROM audit_log WHERE action = 'product.listing' AND details ? 'bulk' ORDER BY id"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert audited == ["product:101", "product:102", "product:103", "product:106", "product:102"]
    # when nothing is ticked, or no action chosen, nothing changes and staff are told
    await web.post("/admin/products/bulk", {"action": "hide"}, from_page="/admin/products")
    assert "دست‌کم یک کالا انتخاب کنید." in (await web.http.get("/admin/products")).text
    await web.post("/admin/products/bulk", {"action": "", "ids": ["105"]}, from_page="/admin/products")
    assert "کاری را که باید" in (await web.http.get("/admin/products")).text
    assert (await _flags(web))[105] == (False, True)


async def test_the_catalogue_exports_as_csv_with_persian_headers(web: Web, monkeypatch) -> None:
    await web.login_staff()
    monkeypatch.setattr(catalog, "EXPORT_PAGE", 2)  # several keyset pages for six products
    page = "/admin/products/102"
    await web.post(f"{page}/override", {"field": "name", "value": "=دستمال پشمی"}, from_page=page)
    await web.post(f"{page}/override", {"field": "tags", "value": "هدیه"}, from_page=page)
    await web.post("/admin/products/bulk", {"action": "hide", "ids": ["103"]}, from_page="/admin/products")
    await web.post("/admin/products/bulk", {"action": "unfeature", "ids": ["105"]}, from_page="/admin/products")
    # when staff download the catalogue
    response = await web.http.get("/admin/products/export.csv")
    # then it is a UTF-8 CSV with a BOM, Persian headers and every product once, in id order
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "کد",
        "نام در فروشگاه",
        "نام در محک",
        "قیمت (ریال)",
        "قیمت پایه (ریال)",
        "موجودی",
        "نمایش در فروشگاه",
        "ویژه",
        "دسته",
        "بازنویسی‌ها",
    ]
    by_code = {r[0]: r for r in rows[1:]}
    assert list(by_code) == [f"P{i}" for i in range(101, 107)]
    # the override wins (quoted so that a spreadsheet does not run it), Mahak's name beside it
    assert by_code["P102"][1:4] == ["'=دستمال پشمی", "شال زمستانی", "850000"]
    assert by_code["P102"][9] == "نام، برچسب‌ها"  # by field: name, tags
    assert by_code["P101"][5] == "11" and by_code["P101"][8] == "پوشاک"  # 8 + 3 left, the category's name
    assert by_code["P103"][6] == "خیر" and by_code["P105"][6:8] == ["بله", "خیر"] and by_code["P106"][7] == "خیر"
    assert by_code["P104"][5] == "0"

"""The pages through the ASGI transport: rendering in Persian, CSRF on every form, escaping, security headers,
roles, and a guest's purchase with the in-memory gateway."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import text

from hamgam.domain.persian import format_toman
from tests.web.conftest import Web
from tests.web.seed import seed_dead_letter

PAGES = [
    "/",
    "/category/1",
    "/search?q=کتاب",
    "/search?q=كتاب&sort=price_desc&min=۱۰۰٬۰۰۰&stock=1",
    "/product/101",
    "/cart",
    "/login",
    "/login?mode=password",
]


async def test_render_storefront_pages_in_persian(web: Web) -> None:
    # when
    for path in PAGES:
        response = await web.http.get(path)
        # then
        assert response.status_code == 200, (path, response.text[:500])
        assert '<html lang="fa" dir="rtl">' in response.text
        assert "text/html" in response.headers["content-type"]
    home = (await web.http.get("/")).text
    assert "کتاب شاهنامه فردوسی" in home and format_toman(4_500_000) in home  # featured, Persian digits
    product = (await web.http.get("/product/101")).text
    assert "رنگ: آبی" in product and "۸ عدد موجود" in product  # variant properties by name, availability


async def test_search_finds_arabic_spelling_and_suggests(web: Web) -> None:
    # when: Arabic kaf and yeh, as Windows-era keyboards type them
    response = await web.http.get("/search", params={"q": "كتري"})
    suggestion = await web.http.get("/search/suggest", params={"q": "حافظ"}, headers={"HX-Request": "true"})
    # then
    assert "کتری برقی استیل" in response.text
    assert suggestion.status_code == 200 and "<html" not in suggestion.text
    assert 'href="/product/106"' in suggestion.text


async def test_filters_paging_and_htmx_fragment(web: Web) -> None:
    # when: price filter typed in Persian digits, Toman
    cheap = await web.http.get("/category/1", params={"max": "۱۰۰٬۰۰۰"})
    fragment = await web.http.get(
        "/search", params={"q": "", "sort": "price_asc"}, headers={"HX-Request": "true", "HX-Target": "section#results"}
    )
    # then
    assert "شال زمستانی" in cheap.text and "پیراهن نخی مردانه" not in cheap.text
    assert fragment.text.lstrip().startswith('<section id="results"')


async def test_security_headers_on_pages_not_on_api(web: Web) -> None:
    page = await web.http.get("/")
    api = await web.http.get("/api/v1/categories")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http here
    assert "content-security-policy" not in api.headers and api.status_code == 200
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline for the CSP to block


async def test_secure_cookie_over_https(web: Web) -> None:
    response = await web.http.get("https://shop.test/")
    assert "Secure" in response.headers["set-cookie"]


async def test_every_post_form_carries_csrf_and_posts_without_it_fail(web: Web) -> None:
    # given: every form on the product page has the token
    html = (await web.http.get("/product/101")).text
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.S)
    assert forms and all('name="csrf_token"' in f for f in forms)
    # when: no token, a wrong token, another site's origin
    missing = await web.http.post("/cart/add", data={"detail_id": "1011"})
    wrong = await web.http.post("/cart/add", data={"detail_id": "1011", "csrf_token": "x" * 40})
    token = await web.csrf()
    foreign = await web.http.post(
        "/cart/add", data={"detail_id": "1011", "csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    ok = await web.http.post("/cart/add", data={"detail_id": "1011", "csrf_token": token})
    # then
    assert missing.status_code == wrong.status_code == foreign.status_code == 403
    assert ok.status_code == 303 and ok.headers["location"] == "/cart"


async def test_user_text_is_escaped(web: Web) -> None:
    # given: a product name and a query carrying markup
    async with web.container.engine.begin() as conn:
        await conn.execute(
            text("UPDATE product SET name = :n, name_search = 'x' WHERE mahak_id = 102"),
            {"n": '<script>alert("x")</script>شال'},
        )
    # when
    search = await web.http.get("/search", params={"q": '"><img src=x onerror=alert(1)>'})
    product = await web.http.get("/product/102")
    # then
    assert "<img src=x" not in search.text and "&lt;img src=x onerror=alert(1)&gt;" in search.text
    assert "<script>alert" not in product.text and "&lt;script&gt;alert" in product.text


async def test_not_found_and_bad_ids_render_html(web: Web) -> None:
    for path, status in [
        ("/product/999", 404),
        ("/nope", 404),
        ("/product/99999999999999999999", 400),
        ("/category/77", 404),
    ]:
        response = await web.http.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html")
    assert (await web.http.get("/api/v1/products/999")).headers["content-type"].startswith("application/json")


async def test_guest_buys_and_pays_with_the_memory_gateway(web: Web) -> None:
    # given: a guest puts two shirts in the cart
    await web.post("/cart/add", {"detail_id": "1011", "quantity": "۲", "back": "/product/101"})
    cart = await web.http.get("/cart")
    assert format_toman(2_500_000) in cart.text
    # when: checkout asks to log in, keeps the cart through the OTP login
    redirect = await web.http.get("/checkout")
    assert redirect.status_code == 303 and redirect.headers["location"].startswith("/login?next=%2Fcheckout")
    await web.login_otp("۰۹۱۲ ۳۴۵ ۶۷۸۹")
    form = await web.http.get("/checkout")
    assert form.status_code == 200 and "پیراهن نخی مردانه" in form.text
    bad = await web.post(
        "/checkout",
        {
            "shipping_method": "post",
            "address_id": "new",
            "recipient_name": "علی",
            "mobile": "09123456789",
            "province": "تهران",
            "city": "تهران",
            "line": "خیابان آزادی",
            "postal_code": "123",
        },
        from_page="/checkout",
    )
    assert bad.status_code == 400 and "کد پستی باید ۱۰ رقم باشد" in bad.text
    placed = await web.post(
        "/checkout",
        {
            "shipping_method": "post",
            "address_id": "new",
            "recipient_name": "علی",
            "mobile": "۰۹۱۲۳۴۵۶۷۸۹",
            "province": "تهران",
            "city": "تهران",
            "line": "خیابان آزادی",
            "postal_code": "۱۳۱۴۵-۶۷۸۹۰",
            "save_address": "1",
        },
        from_page="/checkout",
    )
    # then: sent to the gateway; paying brings the buyer back to a success page
    assert placed.status_code == 303 and placed.headers["location"].startswith("memory://zarinpal/pg/StartPay/")
    authority = placed.headers["location"].rsplit("/", 1)[1]
    back = urlsplit(web.container.payment_gateway.pay(authority))
    assert back.path == "/checkout/return"
    returned = await web.http.get(f"{back.path}?{back.query}")
    result = await web.http.get(returned.headers["location"])
    assert 'data-outcome="paid"' in result.text
    orders = await web.http.get("/account/orders")
    assert "پرداخت‌شده" in orders.text


async def test_cancelled_payment_shows_not_paid_yet_page(web: Web) -> None:
    await web.login_otp("09121112233")
    await web.post("/cart/add", {"detail_id": "1051"})
    placed = await web.post(
        "/checkout",
        {
            "shipping_method": "pickup",
            "address_id": "new",
            "recipient_name": "مریم",
            "mobile": "09121112233",
            "province": "فارس",
            "city": "شیراز",
            "line": "خیابان زند",
            "postal_code": "7134567890",
        },
        from_page="/checkout",
    )
    authority = placed.headers["location"].rsplit("/", 1)[1]
    back = urlsplit(web.container.payment_gateway.cancel(authority))
    returned = await web.http.get(f"{back.path}?{back.query}")
    result = await web.http.get(returned.headers["location"])
    # the gateway was asked: not paid, so the buyer may still pay (Status=NOK alone proves nothing)
    assert 'data-outcome="pending"' in result.text and "هنوز پرداخت نشده" in result.text
    assert "پرداخت دوباره" in result.text


async def test_admin_pages_need_staff(web: Web) -> None:
    # given: a plain customer
    assert (await web.http.get("/admin")).headers["location"].startswith("/login?next=%2Fadmin")
    await web.login_otp("09125550000")
    assert (await web.http.get("/admin")).status_code == 403
    # when: staff
    await web.post("/logout")
    await web.login_staff()
    await seed_dead_letter(web.container.engine)
    # then: every admin page renders; settings is for admins (the staff helper makes an admin)
    for path in [
        "/admin",
        "/admin/products",
        "/admin/products/101",
        "/admin/orders",
        "/admin/reports",
        "/admin/customers",
        "/admin/sync",
        "/admin/sync?entity=Product",
        "/admin/dead-letters",
        "/admin/dead-letters/1",
        "/admin/settings",
    ]:
        response = await web.http.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    assert "**********" in (await web.http.get("/admin/settings")).text  # secrets masked


async def test_staff_edits_listing_and_dead_letter(web: Web) -> None:
    await web.login_staff()
    letter = await seed_dead_letter(web.container.engine)
    # when
    saved = await web.post(
        "/admin/products/103/listing",
        {"description": "توضیح <b>تازه</b>", "featured": "1"},
        from_page="/admin/products/103",
    )
    hidden = await web.post("/admin/products/104/visibility", {"hidden": "1"}, from_page="/admin/products")
    edited = await web.post(
        f"/admin/dead-letters/{letter}/edit", {"body": '{"order_id": 2}'}, from_page=f"/admin/dead-letters/{letter}"
    )
    replayed = await web.post(f"/admin/dead-letters/{letter}/replay", from_page=f"/admin/dead-letters/{letter}")
    # then
    assert saved.status_code == hidden.status_code == edited.status_code == replayed.status_code == 303
    assert "توضیح &lt;b&gt;تازه&lt;/b&gt;" in (await web.http.get("/product/103")).text
    assert (await web.http.get("/product/104")).status_code == 404
    detail = (await web.http.get(f"/admin/dead-letters/{letter}")).text
    assert 'id="replayed"' in detail and "dead_letter.replay" in detail and "dead_letter.edit" in detail


async def test_listing_says_more_than_when_it_stops_counting(web: Web, monkeypatch) -> None:
    # given a store that counts at most two matches, two to a page
    from hamgam.services.store import catalog

    monkeypatch.setattr(catalog, "COUNT_LIMIT", 2)
    monkeypatch.setattr(web.container.settings.web, "per_page", 2)
    # when listing every product
    listing = (await web.http.get("/search", params={"q": ""})).text
    last = (await web.http.get("/search", params={"q": "", "page": "3"})).text
    # then the first page says "more than 2" and offers a next page; the last one counted all six
    assert "بیش از ۲ کالا" in listing and 'rel="next"' in listing
    assert "بیش از" not in last and "۶ کالا" in last and 'rel="next"' not in last


async def test_admin_shows_a_mahak_rewind_and_what_a_reconciliation_verified(web: Web) -> None:
    await web.login_staff()
    engine = web.container.engine
    # given no reconciliation ever ran: the dashboard does not claim the store is in step
    dashboard = (await web.http.get("/admin")).text
    assert "همهٔ موجودیت‌ها با محک هم‌گام‌اند" not in dashboard
    assert "هنوز با تطبیق کامل راستی‌آزمایی نشده‌اند" in dashboard
    # when a reconciliation of Product succeeded, having fixed 2 rows, and a Mahak rewind of Product is open
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """INSERT INTO sync_run (entity, kind, status, from_row_version, finished_at, report)
                   VALUES ('Product', 'reconcile', 'succeeded', 0, now(),
                           '{"updated": 1, "inserted": 0, "vanished": 1}')"""
            )
        )
        await conn.execute(
            text(
                """INSERT INTO sync_rewind (entity, cursor_row_version, evidence)
                   VALUES ('Product', 3000000100, 'Mahak serves no row at or above the cursor')"""
            )
        )
    page = (await web.http.get("/admin/sync")).text
    # then the sync monitor carries the banner and the verified drift, and the dashboard names the rewind
    assert 'id="rewind-Product"' in page and "محک برای کالا به عقب برگشته است" in page  # the entity by its Persian name
    assert "اختلاف ۲ ردیف" in page
    assert "محک به عقب برگشته است (بازگردانی از پشتیبان)" in (await web.http.get("/admin")).text
    # when the heal closes it, the banner goes
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE sync_rewind SET healed_at = now()"))
    assert 'id="rewind-Product"' not in (await web.http.get("/admin/sync")).text


async def test_connection_test_names_the_stock_source_and_warns_when_it_gives_every_product_0(web: Web) -> None:
    await web.login_staff()
    session = object()

    async def login() -> object:  # the login itself is the Mahak client's business (tests/mahak)
        return session

    web.container.mahak.login = login
    # given a Mahak whose stores hold the stock while the visitor's links say 0
    async with web.container.engine.begin() as conn:
        await conn.execute(text("UPDATE visitor_product SET count1 = 0"))
        await conn.execute(
            text("""INSERT INTO product_detail_stock (mahak_id, product_detail_id, store_id, count1, row_version)
                    SELECT mahak_id, mahak_id, 2, 5, 1 FROM product_detail""")
        )
    # when the admin tests the connection
    response = await web.post("/admin/settings/mahak-test", from_page="/admin/settings")
    assert response.status_code == 303
    page = (await web.http.get("/admin/settings")).text
    # then the page says connected, names the source and warns, in Persian
    assert "منبع موجودی: visitor_product" in page
    assert "با این منبع موجودی، موجودی همهٔ کالاها صفر است" in page

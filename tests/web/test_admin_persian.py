"""The admin panel speaks Persian: every admin page, seeded so that each has content, shows no Latin word outside
an allowlist (codes, ids and values people typed); the customer page lists the customer's orders."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hamgam.domain.persian import to_persian_digits
from tests.web.conftest import Web
from tests.web.seed import seed_dead_letter, seed_sync_runs

BUYER = "09123456789"


async def place_order(web: Web) -> int:
    """A customer buys a shirt (an order with a saved address); the order id."""
    await web.login_otp(BUYER)
    await web.post("/cart/add", {"detail_id": "1011", "quantity": "2", "back": "/product/101"})
    placed = await web.post(
        "/checkout",
        {
            "shipping_method": "post",
            "address_id": "new",
            "recipient_name": "علی رضایی",
            "mobile": BUYER,
            "province": "تهران",
            "city": "تهران",
            "line": "خیابان آزادی",
            "postal_code": "1314567890",
            "save_address": "1",
        },
        from_page="/checkout",
    )
    assert placed.status_code == 303, placed.text[:500]
    await web.post("/logout")
    async with web.container.engine.connect() as conn:
        from sqlalchemy import text

        return int((await conn.execute(text("SELECT max(id) FROM store_order"))).scalar_one())


async def test_customer_page_with_an_order_lists_it(web: Web) -> None:
    order_id = await place_order(web)
    await web.login_staff()
    listing = await web.http.get("/admin/customers", params={"q": to_persian_digits(BUYER[2:])})
    assert listing.status_code == 200
    found = re.search(r'href="/admin/customers/(\d+)"', listing.text)
    assert found, listing.text[:2000]
    page = await web.http.get(f"/admin/customers/{found.group(1)}")
    assert page.status_code == 200, page.text[:2000]
    assert f'href="/admin/orders/{order_id}"' in page.text
    assert "خیابان آزادی" in page.text


#: Elements whose text is a value kept as it is: codes, ids, typed values, technical detail (``translate="no"``),
#: left-to-right runs (``<bdi dir="ltr">``: mobiles, card masks, product codes), and non-text content.
_VERBATIM = {"code", "pre", "textarea", "script", "style", "svg"}
#: Elements with no end tag.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
#: Attributes people read or hear.
_READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
#: Latin words allowed on admin pages: codes a label has to name (image formats, the settings' variable prefix, a
#: link's scheme, and the parameter names of the trust badges' snippets that staff copy from the issuer).
ALLOWED: frozenset[str] = frozenset({"JPEG", "PNG", "WebP", "GIF", "HAMGAM", "https", "id", "Code", "p"})


class _LatinWords(HTMLParser):
    """Latin words in the text and read attributes of a page, outside verbatim elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it (or an ancestor) verbatim
        self.in_head = False
        self.found: list[str] = []

    @property
    def verbatim(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "head":
            self.in_head = True
        skip = (
            self.verbatim
            or tag in _VERBATIM
            or values.get("translate") == "no"
            or (tag == "bdi" and values.get("dir") == "ltr")
        )
        if not self.verbatim:
            for name in _READ_ATTRIBUTES:
                if values.get(name):
                    self._check(values[name] or "", f"{tag}[{name}]")
        if tag not in _VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.verbatim and (not self.in_head or self.lasttag == "title"):
            self._check(data, self.lasttag)

    def _check(self, text: str, where: str) -> None:
        for word in _LATIN_WORD.findall(text):
            if word not in ALLOWED:
                self.found.append(f"{word!r} in <{where}>: {text.strip()[:80]!r}")


def latin_words(html: str) -> list[str]:
    parser = _LatinWords()
    parser.feed(html)
    return parser.found


def test_the_walk_finds_latin_words_and_spares_verbatim_values() -> None:
    page = (
        '<html><head><title>Admin</title><link rel="x"></head><body><p>کالا Product</p>'
        '<bdi dir="ltr">P101</bdi><code>exporter:job:2</code><button aria-label="Hide">x</button>'
        '<details class="tech"><summary>جزئیات</summary><code translate="no">KeyError</code></details></body></html>'
    )
    found = latin_words(page)
    assert [f.split(" ")[0] for f in found] == ["'Admin'", "'Product'", "'Hide'", "'x'"]


async def seed_admin_content(web: Web) -> dict[str, int]:
    """Content for every admin page: an order (customer, address, payment, history), sync runs, a rejected row,
    a conflict with an override, a dead letter with an audit trail."""
    from sqlalchemy import text

    order_id = await place_order(web)
    engine = web.container.engine
    await seed_sync_runs(engine)
    letter = await seed_dead_letter(engine)
    async with engine.begin() as conn:
        await conn.execute(
            text("""INSERT INTO rejected_row (entity, mahak_id, row_version, field, reason)
                    VALUES ('ProductDetail', 1099, 1200, 'prices_rial', 'negative amount -5')"""),
        )
        await conn.execute(
            text("""INSERT INTO rejected_row (entity, mahak_id, row_version, field, reason)
                    VALUES ('Product', 1098, 1201, 'name', 'missing')"""),
        )
        await conn.execute(
            text("""INSERT INTO sync_conflict (entity, mahak_id, field, local_value, mahak_old_value,
                        mahak_new_value, row_version)
                    VALUES ('Product', 101, 'unit_name', '"جفت"', '"عدد"', '"دست"', 1300)"""),
        )
    return {"order": order_id, "letter": letter}


async def test_every_admin_page_is_persian(web: Web) -> None:
    # given: content on every admin page, staff signed in
    ids = await seed_admin_content(web)
    await web.login_staff()
    override = await web.post(
        "/admin/products/101/override", {"field": "unit_name", "value": "جفت"}, from_page="/admin/products/101"
    )
    assert override.status_code == 303
    moved = await web.post(
        f"/admin/orders/{ids['order']}/status", {"status": "cancelled", "reason": ""}, from_page="/admin/orders"
    )
    assert moved.status_code == 303
    edited = await web.post(
        f"/admin/dead-letters/{ids['letter']}/edit",
        {"body": '{"order_id": 2}'},
        from_page=f"/admin/dead-letters/{ids['letter']}",
    )
    assert edited.status_code == 303
    listing = (await web.http.get("/admin/customers", params={"q": BUYER})).text
    customer = re.search(r'href="/admin/customers/(\d+)"', listing)
    assert customer
    # when: staff walk every admin page
    pages = {
        "/admin": "آخرین سفارش‌ها",
        "/admin/products": "پیراهن نخی مردانه",
        "/admin/products/101": "گونه",
        "/admin/orders": BUYER[-4:],
        f"/admin/orders/{ids['order']}": "لغو",
        "/admin/reports": "فروش روزانه",
        f"/admin/orders/ship?id={ids['order']}": "ارسال‌شدنی نیست",
        "/admin/customers": BUYER[-4:],
        f"/admin/customers/{customer.group(1)}": "خیابان آزادی",
        "/admin/sync": "گونهٔ کالا",
        "/admin/sync?entity=ProductDetail": "گونهٔ کالا",
        "/admin/dead-letters": "sms.events",
        f"/admin/dead-letters/{ids['letter']}": "متن ویرایش شد",
        "/admin/settings": "تنظیمات",
        "/admin/setup": "اتصال به محک",
        "/admin/setup/detect": "کدام قیمت، قیمت فروشگاه است",
        "/admin/site": "نماد",
        "/admin/shipping": "پست پیشتاز",
        "/admin/shipping/1": "هزینهٔ پایه",
        "/admin/shipping/new": "افزودن روش ارسال",
    }
    # then: each renders its content, in Persian only
    problems: dict[str, list[str]] = {}
    for path, content in pages.items():
        response = await web.http.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        html = response.text
        assert content in html or to_persian_digits(content) in html, (path, content)
        found = latin_words(html)
        if found:
            problems[path] = found
    assert not problems, "\n".join(f"{p}:\n  " + "\n  ".join(w) for p, w in problems.items())

"""The admin's products in Chromium: images dragged into order (the order saved through htmx, the loading bar
lit), the Earlier/Later buttons kept; products ticked (all on the page at once) and hidden, then shown, in bulk;
the product list fits a phone."""

from __future__ import annotations

from PIL import Image
from playwright.sync_api import Page, expect

from tests.ui.conftest import LiveShop
from tests.ui.test_phone_layout import assert_fits
from tests.ui.test_shop import staff_login


def _keys(page: Page) -> list[str]:
    return page.locator("#images li[data-key]").evaluate_all("items => items.map(i => i.dataset.key)")


def test_staff_drag_an_image_first_and_the_order_is_saved(page: Page, live_shop: LiveShop, tmp_path) -> None:
    staff_login(page, live_shop)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/products/104")
    for n, color in enumerate(((200, 40, 40), (40, 160, 40), (40, 40, 200))):
        image = tmp_path / f"teapot-{n}.png"
        Image.new("RGB", (400, 400), color).save(image, "PNG")
        page.locator("#image").set_input_files(str(image))
        page.get_by_role("button", name="بارگذاری").click()
        expect(page.locator(".flash")).to_contain_text("تصویر افزوده شد")
    before = _keys(page)
    assert len(before) == 3
    page.evaluate("""() => { window.__loadingSeen = false;
        new MutationObserver(() => { if (document.getElementById("loading").classList.contains("htmx-request"))
          window.__loadingSeen = true; }).observe(document.getElementById("loading"), {attributes: true}); }""")
    # when staff drag the last image onto the first
    page.locator("#images ul").scroll_into_view_if_needed()
    last = page.locator("#images li[data-key]").nth(2).locator("img").bounding_box()
    first = page.locator("#images li[data-key]").nth(0).locator("img").bounding_box()
    assert last and first
    assert page.evaluate("() => document.querySelector('#images ul').dataset.sortable") == "1"
    start = (last["x"] + last["width"] / 2, last["y"] + last["height"] / 2)
    end = (first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 31):  # a hand's pace: the list swaps as the pointer enters the first image
        page.mouse.move(start[0] + (end[0] - start[0]) * step / 30, start[1] + (end[1] - start[1]) * step / 30)
        page.wait_for_timeout(20)
    page.mouse.up()
    # then the order is saved (the section comes back from the server in it, with the loading bar lit)
    expect(page.locator("#images li[data-key]").first).to_have_attribute("data-key", before[2])
    page.wait_for_function("() => window.__loadingSeen === true")
    page.reload()
    assert _keys(page) == [before[2], *before[:2]]
    # and the keyboard's buttons still move an image: the second one earlier
    page.locator("#images li[data-key]").nth(1).get_by_role("button", name="جلوتر").click()
    expect(page.locator("#images li[data-key]").first).to_have_attribute("data-key", before[0])
    for _ in range(3):  # leave the teapot without images for the other tests
        page.locator("#images li[data-key]").first.get_by_role("button", name="حذف").click()
        page.wait_for_load_state("load")
    expect(page.locator("#images li[data-key]")).to_have_count(0)


def test_staff_hide_and_show_the_ticked_products_and_the_list_fits_a_phone(page: Page, live_shop: LiveShop) -> None:
    staff_login(page, live_shop)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/products")
    boxes = page.locator("main input[type=checkbox][name=ids]")
    # the box for the whole page ticks every row, and clears them again
    select_all = page.get_by_label("انتخاب همهٔ کالاهای این صفحه")
    select_all.check()
    for n in range(boxes.count()):
        expect(boxes.nth(n)).to_be_checked()
    select_all.uncheck()
    expect(page.locator("main input[name=ids]:checked")).to_have_count(0)
    # when staff tick the teapot and the book and hide them
    for name in ("قوری چینی گل‌سرخی", "دیوان حافظ"):
        page.get_by_label(f"انتخاب {name}").check()
    page.get_by_label("با کالاهای انتخاب‌شده").select_option("hide")
    page.get_by_role("button", name="اعمال").click()
    # then both are hidden and the count is told
    expect(page.locator(".flash")).to_contain_text("۲ کالا از ۲ کالای انتخاب‌شده از فروشگاه پنهان شد")
    assert page.request.get("/product/106").status == 404
    # when they show them again
    for name in ("قوری چینی گل‌سرخی", "دیوان حافظ"):
        page.get_by_label(f"انتخاب {name}").check()
    page.get_by_label("با کالاهای انتخاب‌شده").select_option("show")
    page.get_by_role("button", name="اعمال").click()
    expect(page.locator(".flash")).to_contain_text("۲ کالا از ۲ کالای انتخاب‌شده در فروشگاه نمایش داده شد")
    assert page.request.get("/product/106").status == 200
    assert_fits(page, "/admin/products")

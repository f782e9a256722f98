"""The first-run setup walked through its pages on real PostgreSQL, over the seeded synced catalogue: the
dashboard's banner, the connection step (failing and working), the guesses from the synced data, a refused
choice that keeps what was typed, the preview in Toman under the chosen rules, and going live (settings saved and
audited, setup marked done, a sync requested, the banner gone)."""

from __future__ import annotations

from sqlalchemy import text

from tests.web.conftest import Web
from tests.web.test_admin_persian import latin_words

CHOICE = {
    "sync.money_unit": "rial",
    "sync.price_level": "1",
    "sync.stock_source": "visitor_product",
    "sync.stock_store_ids": "",
}


async def _fail() -> None:
    raise ConnectionError("connection refused by 127.0.0.1")


async def _ok() -> None:
    return None


async def test_the_setup_walks_from_mahak_to_a_live_shop(web: Web) -> None:
    await web.login_staff()
    setup = web.container.setup
    assert setup is not None
    dashboard = await web.http.get("/admin")
    assert 'href="/admin/setup"' in dashboard.text

    # step 1: a failing connection names the environment settings to set; a working one leads on
    first = await web.http.get("/admin/setup")
    assert first.status_code == 200 and "/admin/setup/connection" in first.text
    setup._login = _fail  # the test's stand-in for an unreachable Mahak
    failed = await web.post("/admin/setup/connection", from_page="/admin/setup")
    assert failed.status_code == 200
    assert "اتصال به محک برقرار نشد" in failed.text and "HAMGAM_MAHAK__PASSWORD" in failed.text
    assert not latin_words(failed.text), latin_words(failed.text)
    setup._login = _ok
    connected = await web.post("/admin/setup/connection", from_page="/admin/setup")
    assert 'href="/admin/setup/detect"' in connected.text

    # step 2: the guesses from the synced catalogue (whole-thousand Rial prices, stock on the visitor's links)
    detect = await web.http.get("/admin/setup/detect")
    assert detect.status_code == 200, detect.text[:1000]
    assert 'name="sync.money_unit" value="rial" checked' in detect.text
    assert 'name="sync.price_level" value="1" checked' in detect.text
    assert 'name="sync.stock_source" value="visitor_product" checked' in detect.text
    assert "پیراهن نخی مردانه" in detect.text  # an example of the price level
    assert not latin_words(detect.text), latin_words(detect.text)

    # a refused choice: stock from the stores without store ids; nothing typed is lost
    refused = await web.post(
        "/admin/setup/preview",
        CHOICE | {"sync.stock_source": "stores", "sync.money_unit": "toman"},
        from_page="/admin/setup/detect",
    )
    assert refused.status_code == 400
    assert 'id="err-stores"' in refused.text
    assert 'name="sync.stock_source" value="stores" checked' in refused.text
    assert 'name="sync.money_unit" value="toman" checked' in refused.text

    # step 3: the preview under the chosen rules, Toman shown
    preview = await web.post("/admin/setup/preview", CHOICE, from_page="/admin/setup/detect")
    assert preview.status_code == 200, preview.text[:1000]
    assert "پیراهن نخی مردانه" in preview.text
    assert "۱۲۵٬۰۰۰ تومان" in preview.text  # 1,250,000 Rial is 125,000 Toman
    assert "ناموجود" in preview.text  # the teapot has no stock
    assert not latin_words(preview.text), latin_words(preview.text)
    as_toman = await web.post(
        "/admin/setup/preview", CHOICE | {"sync.money_unit": "toman"}, from_page="/admin/setup/detect"
    )
    assert "۱٬۲۵۰٬۰۰۰ تومان" in as_toman.text  # the same price read as Toman

    # step 4: go live
    live = await web.post("/admin/setup/live", CHOICE | {"sync.price_level": "1"}, from_page="/admin/setup")
    assert live.status_code == 200, live.text[:1000]
    assert 'href="/"' in live.text
    async with web.container.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT key, value FROM site_setting"))).all()
        saved = {str(key): str(value) for key, value in rows}
        actions = set((await conn.execute(text("SELECT action FROM audit_log"))).scalars().all())
        requests = (await conn.execute(text("SELECT count(*) FROM sync_request"))).scalar_one()
    assert saved["setup.done"] == "1" and saved["sync.price_level"] == "1"
    assert {"setup.done", "shop_settings.update"} <= actions
    assert requests == 1
    assert await setup.is_done()
    after = await web.http.get("/admin")
    assert 'href="/admin/setup"' not in after.text

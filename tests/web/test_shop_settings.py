"""The shop's settings page on a real database: a save takes effect without a restart (the storefront's name,
footer and logo; the scheduler's interval; another process after its cache), every bad field is named with
what was typed kept, each value shows its source, secrets never reach the HTML, and every change is audited."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from functools import partial

from sqlalchemy import text

from hamgam.adapters.db.settings_notices import PostgresSettingsNotices
from hamgam.adapters.db.site_uow import SqlSiteUnitOfWork
from hamgam.bootstrap import sms_templates
from hamgam.domain.shop_settings import Source
from hamgam.services.site.settings import ShopSettingsService
from hamgam.services.sync.scheduler import SyncScheduler
from hamgam.settings import Settings
from tests.api.conftest import Api
from tests.queue_helpers import eventually
from tests.web.conftest import Web
from tests.web.test_images import png

MERCHANT = "4f0c9a2e-1b7d-4c3a-9e8f-0a1b2c3d4e5f"
SMS_KEY = "sms-key-7731-secret"


def _form(page: str) -> dict[str, str]:
    """The settings form's fields as the page fills them (inputs and selected options; textareas' text)."""
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input id="s-[^"]+" name="([^"]+)" value="([^"]*)"', page):
        fields[name] = value
    for name, body in re.findall(r'<select id="s-[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        fields[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea id="s-[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[name] = body
    return {k: v.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&") for k, v in fields.items()}


async def _save(web: Web, changes: dict[str, str]):
    page = (await web.http.get("/admin/settings")).text
    return await web.post("/admin/settings", _form(page) | changes, from_page="/admin/settings")


async def test_a_saved_shop_identity_shows_on_the_storefront_without_a_restart(web: Web) -> None:
    # given
    await web.login_staff()
    assert "فروشگاه همگام" in (await web.http.get("/")).text
    # when: the admin renames the shop and sets its contact and an Instagram account
    saved = await _save(
        web,
        {"shop.seller_name": "فروشگاه نمونه", "shop.seller_phone": "۰۲۱-۸۸۸۸۱۲۳۴", "social.instagram": "@nemoone",
         "shop.seller_address": "تهران، خیابان آزادی"},
    )  # fmt: skip
    # then: the very next page of the storefront shows them
    assert saved.status_code == 303, saved.text[:1000]
    home = (await web.http.get("/")).text
    assert '<a class="brand" href="/">فروشگاه نمونه</a>' in home
    assert "https://instagram.com/nemoone" in home and "tel:02188881234" in home and "خیابان آزادی" in home
    assert "| فروشگاه نمونه" in (await web.http.get("/cart")).text
    # and the page names the source of each value and who saved it; the change is audited
    page = (await web.http.get("/admin/settings")).text
    assert "پنل مدیریت" in page and "پیش‌فرض" in page
    async with web.container.engine.connect() as conn:
        details = (
            await conn.execute(text("SELECT details FROM audit_log WHERE action = 'shop_settings.update'"))
        ).scalar_one()
    assert details["shop.seller_name"] == {"old": "فروشگاه همگام", "new": "فروشگاه نمونه"}


async def test_bad_fields_are_each_named_and_what_was_typed_is_kept(web: Web) -> None:
    await web.login_staff()
    # when
    response = await _save(web, {"shop.email": "not-an-email", "sync.interval_s": "3", "shop.seller_name": "نام تازه"})
    # then: a 400 naming both fields in Persian, the typed values still in their inputs, nothing saved
    assert response.status_code == 400
    html = response.text
    assert 'id="err-s-shop-email"' in html and 'id="err-s-sync-interval-s"' in html
    assert "نشانی ایمیل درست نیست" in html and "not a valid" not in html
    assert 'value="not-an-email"' in html and 'value="نام تازه"' in html
    async with web.container.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM site_setting"))).scalar_one() == 0


async def test_secrets_are_write_only(web: Web) -> None:
    await web.login_staff()
    # when
    saved = await _save(web, {"payments.merchant_id": MERCHANT, "sms.api_key": SMS_KEY})
    # then: in effect, never in any page, masked in the audit log
    assert saved.status_code == 303, saved.text[:1000]
    settings = web.container.settings
    assert settings.payments.merchant_id.get_secret_value() == MERCHANT
    assert settings.sms.api_key.get_secret_value() == SMS_KEY
    page = (await web.http.get("/admin/settings")).text
    assert MERCHANT not in page and SMS_KEY not in page and "تنظیم شده (پنهان)" in page
    async with web.container.engine.connect() as conn:
        audit = str((await conn.execute(text("SELECT details FROM audit_log"))).scalars().all())
    assert MERCHANT not in audit and SMS_KEY not in audit and "**********" in audit
    headers = await Api(web.http, web.container).login("09120000009", role="admin")
    api = await web.http.get("/api/v1/admin/settings", headers=headers)
    assert api.status_code == 200 and MERCHANT not in api.text and SMS_KEY not in api.text
    assert api.json()["shop_settings"]["sms.api_key"] == {"value": "set", "source": "admin", "secret": True}
    # when: the form is saved again with the secret inputs empty, then the key is cleared
    assert (await _save(web, {})).status_code == 303
    assert settings.sms.api_key.get_secret_value() == SMS_KEY
    assert (await _save(web, {"clear:sms.api_key": "1"})).status_code == 303
    assert settings.sms.api_key.get_secret_value() == Settings().sms.api_key.get_secret_value()


async def test_the_scheduler_moves_to_an_interval_saved_in_the_panel(web: Web) -> None:
    # given: a leading scheduler at the default interval
    class Idle:
        async def run(self, entity: str, kind: str = "incremental") -> None:
            return None

    container = web.container
    scheduler = SyncScheduler(
        container.locks, Idle(), container.sync_repository, interval_s=lambda: container.settings.sync.interval_s,
        reconcile_interval_s=86_400, leader_retry_s=0.1, refresh=container.refresh_settings,
    )  # fmt: skip
    task = asyncio.create_task(scheduler.run())
    try:
        await eventually(lambda: _true(scheduler.leader.held))
        assert scheduler.interval_s == 180
        # when
        await web.login_staff()
        assert (await _save(web, {"sync.interval_s": "45"})).status_code == 303
        # then: the next tick reschedules the cycle
        await eventually(lambda: _true(scheduler.interval_s == 45))
        job = scheduler._apscheduler.get_job("cycle")
        assert job.trigger.interval.total_seconds() == 45
    finally:
        scheduler.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


async def test_another_process_reads_the_change_after_its_cache(web: Web) -> None:
    # given: another process's settings over the same database, with a clock it reads its cache by
    now = [0.0]
    env = Settings(sync={"price_level": 2})
    other = ShopSettingsService(partial(SqlSiteUnitOfWork, web.container.engine, env.sync), env, clock=lambda: now[0])
    assert (await other.refresh()).resolved["sync.price_level"].source is Source.ENV
    # when this process saves a price level and an SMS text
    await web.container.shop_settings.save(
        {"sync.price_level": "4", "sms.template_paid": "سفارش {order} پرداخت شد."}, "admin:1"
    )
    # then: the other reads them once its cache is older than the TTL, into its own settings tree
    assert env.sync.price_level == 2
    now[0] += 60
    await other.refresh()
    assert env.sync.price_level == 4
    assert (await sms_templates(other))["paid"] == "سفارش {order} پرداخت شد."


async def test_another_process_hears_a_save_at_once_and_listens_again_after_losing_its_connection(
    web: Web,
) -> None:
    # given: another process's settings whose copy never goes stale by time (its clock stands still), hearing
    # the change notices on its own connection
    env = Settings(sync={"price_level": 2})
    other = ShopSettingsService(partial(SqlSiteUnitOfWork, web.container.engine, env.sync), env, clock=lambda: 0.0)
    heard: list[bool] = []

    def listening(hearing: bool) -> None:
        heard.append(hearing)
        other.listening(hearing)

    notices = PostgresSettingsNotices(web.container.engine, changed=other.changed, listening=listening, retry_s=0.1)
    notices.start()
    try:
        await eventually(lambda: _true(heard == [True]), timeout_s=30)
        assert (await other.refresh()).resolved["sync.price_level"].source is Source.ENV
        # when: this process saves a price level
        await web.container.shop_settings.save({"sync.price_level": "4"}, "admin:1")
        # then: the other reads it at the notice, no time having passed
        await eventually(lambda: _refreshed(other, lambda: env.sync.price_level == 4), timeout_s=30)
        # when: its LISTEN connection is cut
        async with web.container.engine.begin() as conn:
            cut = await conn.execute(
                text("""SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND query = 'LISTEN "hamgam_settings"'""")
            )
            assert True in cut.scalars().all()
        # then: it knows it hears nothing, opens another, and hears the next save there
        await eventually(lambda: _true(heard == [True, False, True]), timeout_s=30)
        await web.container.shop_settings.save({"sync.price_level": "3"}, "admin:1")
        await eventually(lambda: _refreshed(other, lambda: env.sync.price_level == 3), timeout_s=30)
    finally:
        await notices.aclose()


async def _refreshed(service: ShopSettingsService, check: Callable[[], bool]) -> bool:
    await service.refresh()
    return check()


async def test_an_uploaded_logo_shows_in_the_header(web: Web) -> None:
    await web.login_staff()
    # when
    token = await web.csrf("/admin/settings")
    response = await web.http.post(
        "/admin/settings/logo",
        data={"csrf_token": token},
        files={"image": ("logo.png", png(), "image/png")},
    )
    # then
    assert response.status_code == 303, response.text[:500]
    home = (await web.http.get("/")).text
    logo = re.search(r'<img src="(/media/s/logo/[^"]+)" alt="فروشگاه همگام" class="brand-logo"', home)
    assert logo, home[:2000]
    image = await web.http.get(logo.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
    # when: removed (confirmed)
    removed = await web.post("/admin/settings/logo/remove", {"confirmed": "yes"}, from_page="/admin/settings")
    assert removed.status_code == 303
    assert "brand-logo" not in (await web.http.get("/")).text


async def _true(value: bool) -> bool:
    return value

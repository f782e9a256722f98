"""The shop's settings: each field's validation, where a value comes from (panel, environment, default), the
save with its audit entry (secrets masked), and the settings tree following the panel without a restart."""

from __future__ import annotations

import asyncio

import pytest

from hamgam.domain.errors import InvalidInput
from hamgam.domain.shop_settings import BY_KEY, PAID_TEXT, Source, check_together, clean, fill, parse, resolve
from hamgam.services.site.settings import SettingsInvalid, ShopSettingsService
from hamgam.settings import MoneyUnit, Settings, StockSource
from tests.fakes.site import FakeSiteUnitOfWork, SiteData

ACTOR = "admin:1"
MERCHANT = "4f0c9a2e-1b7d-4c3a-9e8f-0a1b2c3d4e5f"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- the domain: each field's rule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "typed", "stored"),
    [
        ("shop.seller_name", "  فروشگاه   نمونه ", "فروشگاه نمونه"),
        ("shop.seller_phone", "۰۲۱-۸۸۸۸ ۱۲۳۴", "02188881234"),
        ("shop.email", "info@shop.example", "info@shop.example"),
        ("social.instagram", "@my.shop", "my.shop"),
        ("social.whatsapp", "0912 123 4567", "989121234567"),
        ("social.telegram", "https://t.me/myshop", "https://t.me/myshop"),
        ("sync.price_level", "۳", "3"),
        ("sync.stock_store_ids", "3، 1 , 3", "3,1"),
        ("sync.interval_s", "60", "60"),
        ("sync.stock_source", "stores", "stores"),
        ("payments.merchant_id", MERCHANT.upper(), MERCHANT),
        ("sms.template_paid", "سفارش {order} پرداخت شد", "سفارش {order} پرداخت شد"),
        ("shop.seller_address", "", ""),
    ],
)
def test_a_valid_value_is_stored_normalised(key: str, typed: str, stored: str) -> None:
    assert clean(BY_KEY[key], typed) == stored


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        ("shop.seller_name", "ن" * 81),
        ("shop.seller_phone", "call me"),
        ("shop.email", "not-an-email"),
        ("social.instagram", "my shop!"),
        ("social.telegram", "http://t.me/insecure"),
        ("sync.price_level", "11"),
        ("sync.price_level", "two"),
        ("sync.stock_store_ids", "1,x"),
        ("sync.interval_s", "5"),
        ("sync.stock_source", "warehouse"),
        ("payments.merchant_id", "short"),
        ("sms.template_paid", "سفارش {secret} پرداخت شد"),
        ("sms.template_paid", "سفارش {order"),
    ],
)
def test_an_unusable_value_is_refused_naming_its_field(key: str, typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean(BY_KEY[key], typed)
    assert caught.value.field == key


def test_stores_based_stock_needs_its_stores() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_together({"sync.stock_source": "stores", "sync.stock_store_ids": ""})
    assert caught.value.field == "sync.stock_store_ids"
    check_together({"sync.stock_source": "stores", "sync.stock_store_ids": "2"})


def test_the_panel_wins_over_the_environment_which_wins_over_the_default() -> None:
    resolved = resolve(
        {"sync.price_level": "4"},
        {"sync.price_level": "2", "sync.interval_s": "90", "shop.seller_name": "همگام"},
        from_env={"sync.price_level", "sync.interval_s"},
    )
    assert (resolved["sync.price_level"].value, resolved["sync.price_level"].source) == (4, Source.ADMIN)
    assert (resolved["sync.interval_s"].value, resolved["sync.interval_s"].source) == (90.0, Source.ENV)
    assert resolved["shop.seller_name"].source is Source.DEFAULT
    assert resolved["sms.sender"].source is Source.DEFAULT
    assert parse(BY_KEY["sync.stock_store_ids"], "3,1") == [3, 1]


def test_a_template_fills_its_placeholders() -> None:
    text = fill(PAID_TEXT, {"order": "۱۲", "items": "", "total": "۱۰۰ تومان"})
    assert text == "سفارش ۱۲ پرداخت شد. مبلغ: ۱۰۰ تومان. سپاس از خرید شما."


# --- the service over the in-memory ports -------------------------------------------------------------------


@pytest.fixture
def data() -> SiteData:
    return SiteData()


def _service(data: SiteData, settings: Settings, clock: Clock | None = None) -> ShopSettingsService:
    return ShopSettingsService(data.uow, settings, clock=clock or Clock())


async def test_a_save_takes_effect_in_the_settings_tree_and_going_back_restores_the_environment(
    data: SiteData,
) -> None:
    # given: the environment sets the price level and the money unit
    settings = Settings(sync={"price_level": 2, "money_unit": "toman"})
    service = _service(data, settings)
    await service.refresh()
    # when
    await service.save(
        {"sync.price_level": "5", "sync.stock_source": "stores", "sync.stock_store_ids": "7,3",
         "sync.interval_s": "45", "sync.money_unit": "toman"},
        ACTOR,
    )  # fmt: skip
    # then: the tree the rest of the code reads follows, typed as before
    assert settings.sync.price_level == 5 and settings.sync.stock_source is StockSource.STORES
    assert settings.sync.stock_store_ids == [7, 3] and settings.sync.interval_s == 45.0
    assert data.settings.get("sync.money_unit") is None  # the same as the environment's: nothing saved
    rows = {r.spec.key: r for r in await service.rows()}
    assert rows["sync.price_level"].source is Source.ADMIN and rows["sync.price_level"].updated_by == ACTOR
    assert rows["sync.money_unit"].source is Source.ENV and rows["shop.seller_name"].source is Source.DEFAULT
    # when: the price level is cleared, and stores-based stock is left
    await service.save({"sync.price_level": "", "sync.stock_source": "visitor_product"}, ACTOR)
    # then: the environment's value is back
    assert settings.sync.price_level == 2 and settings.sync.money_unit is MoneyUnit.TOMAN
    assert settings.sync.stock_source is StockSource.VISITOR_PRODUCT


async def test_every_bad_field_is_named_and_nothing_is_written(data: SiteData) -> None:
    service = _service(data, Settings())
    with pytest.raises(SettingsInvalid) as caught:
        await service.save({"shop.email": "nope", "sync.price_level": "99", "shop.seller_name": "خوب"}, ACTOR)
    assert set(caught.value.errors) == {"shop.email", "sync.price_level"}
    assert data.settings == {} and data.audit == []


async def test_secrets_are_write_only_and_masked_in_the_audit(data: SiteData) -> None:
    # given
    settings = Settings()
    service = _service(data, settings)
    # when
    await service.save({"payments.merchant_id": MERCHANT, "sms.api_key": "key-123456"}, ACTOR)
    # then: in effect, never shown, masked in the audit
    assert settings.payments.merchant_id.get_secret_value() == MERCHANT
    assert settings.sms.api_key.get_secret_value() == "key-123456"
    rows = {r.spec.key: r for r in await service.rows()}
    assert rows["payments.merchant_id"].shown == "set"
    assert MERCHANT not in repr(data.audit) and "key-123456" not in repr(data.audit)
    assert data.audit[0]["details"]["sms.api_key"]["new"] == "**********"
    # when: a secret typed empty keeps its value; "clear" unsets it
    await service.save({"sms.api_key": ""}, ACTOR)
    assert settings.sms.api_key.get_secret_value() == "key-123456"
    await service.save({}, ACTOR, clear=["sms.api_key"])
    assert settings.sms.api_key.get_secret_value() == Settings().sms.api_key.get_secret_value()


async def test_another_process_sees_a_save_within_the_ttl(data: SiteData) -> None:
    # given: two processes over one database
    clock = Clock()
    writer, reader = _service(data, Settings()), _service(data, Settings(), clock)
    assert (await reader.refresh()).shop_name == "فروشگاه همگام"
    # when
    await writer.save({"shop.seller_name": "فروشگاه نو", "social.instagram": "noshop"}, ACTOR)
    # then: the reader keeps its copy until the TTL passes, then reads the new name
    assert (await reader.refresh()).shop_name == "فروشگاه همگام"
    clock.now += 10
    config = await reader.refresh()
    assert config.shop_name == "فروشگاه نو"
    assert config.social == [("social.instagram", "https://instagram.com/noshop")]


class CountedReads:
    """The fake's units of work, counting each read of the settings (a database round trip); with ``gate`` set,
    a read waits for it."""

    def __init__(self, data: SiteData) -> None:
        self.data = data
        self.reads = 0
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    def __call__(self) -> FakeSiteUnitOfWork:
        uow = self.data.uow()
        read = uow.settings.values

        async def counted() -> dict[str, str]:
            self.reads += 1
            self.started.set()
            if self.gate is not None:
                await self.gate.wait()
            return await read()

        uow.settings.values = counted  # type: ignore[method-assign]  # the same read, counted
        return uow


async def test_a_fresh_copy_costs_no_read_and_concurrent_refreshes_share_one(data: SiteData) -> None:
    # given
    clock, reads = Clock(), CountedReads(data)
    service = ShopSettingsService(reads, Settings(), clock=clock)
    await service.refresh()
    # when: a hundred requests while the copy is fresh
    for _ in range(100):
        await service.refresh()
    # then
    assert reads.reads == 1
    # when: fifty requests arrive together once it is stale
    clock.now += 10
    configs = await asyncio.gather(*(service.refresh() for _ in range(50)))
    # then: one read served them all
    assert reads.reads == 2 and len({id(c) for c in configs}) == 1


async def test_while_notices_are_heard_a_change_is_read_at_its_notice_and_not_before(data: SiteData) -> None:
    # given: a reader that hears the change notices, and a writer (another process)
    clock, reads = Clock(), CountedReads(data)
    reader, writer = ShopSettingsService(reads, Settings(), clock=clock), _service(data, Settings())
    reader.listening(True)
    await reader.refresh()
    # when: time passes beyond the short TTL with no notice
    clock.now += 30
    await reader.refresh()
    # then: the copy is still fresh
    assert reads.reads == 1
    # when: a save, then its notice
    await writer.save({"shop.seller_name": "فروشگاه نو"}, ACTOR)
    reader.changed()
    # then: the next refresh reads it
    assert (await reader.refresh()).shop_name == "فروشگاه نو" and reads.reads == 2
    # when: the notices stop (the connection lost), the short TTL is back
    reader.listening(False)
    await reader.refresh()
    clock.now += 10
    await reader.refresh()
    assert reads.reads == 4


async def test_a_notice_during_a_read_makes_the_next_refresh_read_again(data: SiteData) -> None:
    # given: a reader whose read is under way
    clock, reads = Clock(), CountedReads(data)
    reader, writer = ShopSettingsService(reads, Settings(), clock=clock), _service(data, Settings())
    reader.listening(True)
    reads.gate = asyncio.Event()
    reading = asyncio.create_task(reader.refresh())
    await asyncio.wait_for(reads.started.wait(), 10)
    # when: a save and its notice land before the read ends (the read may have missed it)
    await writer.save({"shop.seller_name": "فروشگاه نو"}, ACTOR)
    reader.changed()
    reads.gate.set()
    await reading
    # then: the next refresh reads again, and sees the save
    assert (await reader.refresh()).shop_name == "فروشگاه نو" and reads.reads == 2


async def test_an_unchanged_save_writes_no_audit_entry(data: SiteData) -> None:
    service = _service(data, Settings())
    await service.save({"shop.seller_name": "فروشگاه همگام", "sync.price_level": "0"}, ACTOR)
    assert data.settings == {} and data.audit == []


# --- what reads the settings at run time ----------------------------------------------------------------------


def test_the_order_sms_follows_the_shops_texts() -> None:
    from hamgam.services.store.notifier import render

    event = {"type": "order.paid", "order_id": 12, "total_rial": 1_000_000, "items": []}
    assert render(event) == "سفارش ۱۲ پرداخت شد. مبلغ: ۱۰۰٬۰۰۰ تومان. سپاس از خرید شما."
    assert render(event, {"paid": "{order}: پرداخت شد ({total})"}) == "۱۲: پرداخت شد (۱۰۰٬۰۰۰ تومان)"


def test_an_adapter_is_rebuilt_when_its_settings_change() -> None:
    from hamgam.adapters.following import Following

    settings = Settings()
    built: list[str] = []

    def build() -> object:
        built.append(settings.payments.merchant_id.get_secret_value())
        return object()

    following = Following(build, lambda: settings.payments.merchant_id.get_secret_value())
    first = following.current
    assert following.current is first and len(built) == 1
    settings.payments.merchant_id = Settings(payments={"merchant_id": MERCHANT}).payments.merchant_id
    assert following.current is not first and built[-1] == MERCHANT

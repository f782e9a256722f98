"""The first-run setup service over in-memory ports: where its sample comes from, the choice it parses, and
what going live writes."""

from __future__ import annotations

import pytest

from hamgam.domain.setup_detect import Sample, SetupChoice
from hamgam.services.site.settings import SettingsInvalid, ShopSettingsService
from hamgam.services.site.setup import SETUP_DONE_KEY, SetupService, parse_choice
from hamgam.settings import MoneyUnit, Settings, StockSource
from tests.fakes.site import SiteData
from tests.fakes.sync import FakeSetupSamples, FakeSyncRequests


async def _login() -> None:
    return None


def _setup(
    data: SiteData, settings: Settings, synced: list[Sample], mahak: list[Sample]
) -> tuple[SetupService, FakeSetupSamples, FakeSyncRequests]:
    shop = ShopSettingsService(data.uow, settings)
    remote, runs = FakeSetupSamples(mahak), FakeSyncRequests()
    service = SetupService(data.uow, shop, settings.sync, FakeSetupSamples(synced), remote, _login, runs)
    return service, remote, runs


def _prices(price: int) -> tuple[int, ...]:
    return (price,) + (0,) * 9


async def test_synced_prices_are_read_back_in_mahaks_unit_and_mahak_is_not_asked() -> None:
    settings = Settings(sync={"money_unit": "toman"})
    service, remote, _ = _setup(SiteData(), settings, [Sample(1, "a", _prices(1_250_000), visitor_stock=1)], [])
    samples, from_mahak = await service.samples()
    assert (samples[0].prices[0], from_mahak, remote.reads) == (125_000, False, 0)


async def test_without_a_sync_the_sample_comes_from_mahak() -> None:
    mahak = [Sample(7, "b", _prices(3_490_000), store_stock={2: 4})]
    service, remote, _ = _setup(SiteData(), Settings(), [], mahak)
    findings = await service.findings()
    assert findings.from_mahak and remote.reads == 1
    assert (findings.detection.stock.source, findings.detection.stock.store_ids) == ("stores", (2,))


def test_a_choice_is_checked_as_the_settings_page_checks_it() -> None:
    choice = parse_choice(
        {
            "sync.money_unit": "toman",
            "sync.price_level": "۳",
            "sync.stock_source": "stores",
            "sync.stock_store_ids": "2,5",
        }
    )
    assert choice == SetupChoice("toman", 3, "stores", (2, 5))
    with pytest.raises(SettingsInvalid) as refused:
        parse_choice({"sync.money_unit": "dollar", "sync.price_level": "11", "sync.stock_source": "stores"})
    assert set(refused.value.errors) == {"sync.money_unit", "sync.price_level"}
    with pytest.raises(SettingsInvalid) as no_stores:
        parse_choice({"sync.money_unit": "rial", "sync.price_level": "1", "sync.stock_source": "stores"})
    assert set(no_stores.value.errors) == {"sync.stock_store_ids"}


async def test_going_live_saves_marks_done_and_reconciles_when_the_unit_changed() -> None:
    data, settings = SiteData(), Settings()
    service, _, runs = _setup(data, settings, [], [])
    assert not await service.is_done()
    await service.go_live(SetupChoice("toman", 2, "stores", (3,)), "staff:1")
    assert await service.is_done() and data.settings[SETUP_DONE_KEY] == "1"
    assert settings.sync.money_unit is MoneyUnit.TOMAN and settings.sync.price_level == 2
    assert settings.sync.stock_source is StockSource.STORES and settings.sync.stock_store_ids == [3]
    assert [a["action"] for a in data.audit] == ["shop_settings.update", "setup.done"]
    assert runs.made == [(None, "reconcile", "staff:1")]
    await service.go_live(SetupChoice("toman", 1, "visitor_product"), "staff:1")
    assert runs.made[-1] == (None, "incremental", "staff:1")

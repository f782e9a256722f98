"""The first-run setup (``/admin/setup``): from Mahak to a live shop. Test the connection, guess from Mahak's own
data what the merchant would otherwise have to know (``hamgam.domain.setup_detect``), preview a few products as
the storefront would list them under the chosen values, then go live: the values saved through
``ShopSettingsService`` (audited), the setup marked done (``site_setting`` key ``setup.done``, audited), and a sync
requested at once.

The guesses read the synced tables when a first sync has run (their prices are stored in Rial: they are turned
back into Mahak's unit by the money unit they were synced under), else one page of each entity from Mahak.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hamgam.domain.errors import InvalidInput
from hamgam.domain.pricing import DiscountCodes
from hamgam.domain.setup_detect import Detection, PreviewRow, Sample, SetupChoice, detect, preview, rial_per_unit
from hamgam.domain.shop_settings import BY_KEY, check_together, clean, parse
from hamgam.ports.site import SiteUnitOfWork
from hamgam.ports.sync import SetupSamples
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.site.settings import SettingsInvalid, ShopSettingsService
from hamgam.settings import SyncSettings

#: The ``site_setting`` key that says the first-run setup was completed ("1").
SETUP_DONE_KEY = "setup.done"
SAMPLE_SIZE = 200
PREVIEW_ROWS = 6
#: The settings the setup chooses, as the form names them.
CHOICE_KEYS = ("sync.money_unit", "sync.price_level", "sync.stock_source", "sync.stock_store_ids")


class SyncRequests(Protocol):
    async def request_run(self, entity: str | None, kind: str, requested_by: str) -> int: ...


@dataclass(frozen=True, slots=True)
class Findings:
    detection: Detection
    samples: list[Sample]
    #: True when read straight from Mahak (no sync has brought products in yet).
    from_mahak: bool


def choice_of(detection: Detection) -> SetupChoice:
    """The suggested values."""
    return SetupChoice(detection.money.unit, detection.level, detection.stock.source, detection.stock.store_ids)


def form_of(choice: SetupChoice) -> dict[str, str]:
    return {
        "sync.money_unit": choice.money_unit,
        "sync.price_level": str(choice.price_level),
        "sync.stock_source": choice.stock_source,
        "sync.stock_store_ids": ",".join(map(str, choice.store_ids)),
    }


def parse_choice(typed: Mapping[str, str]) -> SetupChoice:
    """The values the merchant chose, checked as the settings page checks them (``SettingsInvalid`` per field)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for key in CHOICE_KEYS:
        try:
            cleaned[key] = clean(BY_KEY[key], typed.get(key, ""))
        except InvalidInput as exc:
            errors[key] = exc.message
    if not errors:
        try:
            check_together(cleaned)
        except InvalidInput as exc:
            errors[exc.field or "sync.stock_store_ids"] = exc.message
    if errors:
        raise SettingsInvalid(errors)
    level = parse(BY_KEY["sync.price_level"], cleaned["sync.price_level"])
    stores = parse(BY_KEY["sync.stock_store_ids"], cleaned["sync.stock_store_ids"])
    assert isinstance(level, int) and isinstance(stores, list)
    source = cleaned["sync.stock_source"] or "visitor_product"
    return SetupChoice(cleaned["sync.money_unit"] or "rial", level, source, tuple(stores) if source == "stores" else ())


class SetupService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[SiteUnitOfWork],
        shop_settings: ShopSettingsService,
        rules: SyncSettings,
        synced: SetupSamples,
        mahak: SetupSamples,
        login: Callable[[], Awaitable[Any]],
        runs: SyncRequests,
    ) -> None:
        self._uow = uow
        self._shop_settings = shop_settings
        #: The process's sync settings (kept in step with the panel's values).
        self._rules = rules
        self._synced = synced
        self._mahak = mahak
        self._login = login
        self._runs = runs

    async def is_done(self) -> bool:
        async with self._uow() as uow:
            return (await uow.settings.values()).get(SETUP_DONE_KEY) == "1"

    async def test_connection(self) -> str | None:
        """None when Mahak answers a login; else the reason, as the client reported it."""
        try:
            await self._login()
        except Exception as exc:  # any failure is the answer to "does the connection work?"
            return str(exc)[:300] or type(exc).__name__
        return None

    async def samples(self) -> tuple[list[Sample], bool]:
        """The sample the guesses and the preview read, and whether it came straight from Mahak."""
        synced = await self._synced.setup_samples(SAMPLE_SIZE)
        if synced:
            factor = rial_per_unit(str(self._rules.money_unit))
            return [replace(s, prices=tuple(p // factor for p in s.prices)) for s in synced], False
        return await self._mahak.setup_samples(SAMPLE_SIZE), True

    async def findings(self) -> Findings:
        samples, from_mahak = await self.samples()
        return Findings(detect(samples), samples, from_mahak)

    def preview(self, samples: list[Sample], choice: SetupChoice) -> list[PreviewRow]:
        codes = DiscountCodes(self._rules.discount_percent_type, self._rules.discount_amount_type)
        return preview(samples, choice, codes, PREVIEW_ROWS)

    async def go_live(self, choice: SetupChoice, actor: str) -> int:
        """Save the chosen values (audited), mark the setup done (audited) and request a sync: a reconciliation
        when the money unit changed (every stored price was converted by the old one, and only a reconciliation
        rewrites rows whose RowVersion did not move), else an incremental one; the request's id."""
        unit_before = str(self._rules.money_unit)
        await self._shop_settings.save(form_of(choice), actor)
        async with self._uow() as uow:
            await uow.settings.put(SETUP_DONE_KEY, "1", actor)
            await uow.audit.record(actor, "setup.done", "site_setting:setup", form_of(choice))
        kind = "reconcile" if choice.money_unit != unit_before else "incremental"
        return await self._runs.request_run(None, kind, actor)

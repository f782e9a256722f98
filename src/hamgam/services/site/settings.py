"""The shop's settings staff edit in the admin panel (``hamgam.domain.shop_settings``): read, validated, saved
with an audit entry, and in effect without a restart.

Every role reads them through ``ShopSettingsService.refresh``: the web pages and the JSON API before each
request, the sync scheduler before each tick, the SMS consumer before each message. It answers from the
process's copy while that is fresh, so a request costs no database round trip, and one read at a time refreshes
it (requests arriving meanwhile wait for that read). A save announces itself to every process (PostgreSQL
``NOTIFY``, heard by ``hamgam.adapters.db.settings_notices``, which calls ``changed``): while the process hears
those notices its copy stays fresh for ``SETTINGS_LISTENING_TTL_S`` (a safety net) and a change is read on the
next refresh after its notice; while it does not (the LISTEN connection lost, or none opened), its copy is read
again once older than ``SETTINGS_TTL_S``. A save made through the service reads again at once.

The settings that had an environment setting before the panel existed keep it as their fallback: ``refresh``
writes each one's current value into the process's settings tree (``Settings``), so the code that reads the
tree (the catalogue's price level and stock source, the transformer's money unit, the SMS and payment adapters,
the scheduler's interval) sees the value saved in the panel, or the environment's again once it is cleared.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import structlog
from pydantic import BaseModel, SecretStr

from hamgam.domain.errors import InvalidInput
from hamgam.domain.shop_settings import (
    BY_KEY,
    SPECS,
    Resolved,
    SettingSpec,
    Source,
    audit_value,
    check_together,
    clean,
    fill,
    resolve,
    social_url,
)
from hamgam.ports.site import SiteUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.settings import Settings

log = structlog.get_logger(__name__)

#: Seconds a process reuses the settings it read while it hears no change notices; a save through the service
#: reads again at once.
SETTINGS_TTL_S = 5.0
#: Seconds it reuses them while it hears the notices (a notice lost unnoticed is read within this time).
SETTINGS_LISTENING_TTL_S = 60.0


class SettingsInvalid(InvalidInput):
    """Some of the typed values are unusable: ``errors`` names each field with its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ShopConfig:
    """The shop's settings as they are now."""

    resolved: dict[str, Resolved]

    def text(self, key: str) -> str:
        return self.resolved[key].text

    def integer(self, key: str) -> int:
        value = self.resolved[key].value
        assert isinstance(value, int)
        return value

    @property
    def shop_name(self) -> str:
        return self.text("shop.seller_name")

    @property
    def logo_key(self) -> str:
        return self.text("shop.logo")

    @property
    def social(self) -> list[tuple[str, str]]:
        """The social accounts that are set, as (key, address), in the panel's order."""
        return [
            (spec.key, social_url(spec.key, self.text(spec.key)))
            for spec in SPECS
            if spec.key.startswith("social.") and self.text(spec.key)
        ]

    def sms_text(self, key: str, values: Mapping[str, str]) -> str:
        """The SMS template ``sms.template_<key>`` filled with ``values``."""
        return fill(self.text(f"sms.template_{key}"), values)


@dataclass(frozen=True, slots=True)
class SettingRow:
    """A setting as the panel shows it: never a secret's value (``shown`` is ``set``/``unset`` for those)."""

    spec: SettingSpec
    shown: str
    source: Source
    updated_by: str | None
    updated_at: Any


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _split(path: str) -> tuple[str, str]:
    section, _, attr = path.partition(".")
    return section, attr


class ShopSettingsService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[SiteUnitOfWork],
        settings: Settings,
        *,
        ttl_s: float = SETTINGS_TTL_S,
        listening_ttl_s: float = SETTINGS_LISTENING_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        #: The process's settings tree, kept in step with the panel's values.
        self._settings = settings
        #: What the environment (and the tree's defaults) say, before any value of the panel.
        self._env = settings.model_copy(deep=True)
        self._ttl_s = ttl_s
        self._listening_ttl_s = listening_ttl_s
        self._clock = clock
        self._fresh_until = -math.inf
        #: Whether change notices reach this process (``listening``).
        self._listening = False
        #: Counts the notices, so a read that overlapped one is not kept as fresh.
        self._generation = 0
        self._reading = asyncio.Lock()
        self._config = ShopConfig(self._resolve({}))

    @property
    def config(self) -> ShopConfig:
        """The settings as last read (``refresh`` reads them again when they are older than the TTL)."""
        return self._config

    def _resolve(self, saved: Mapping[str, str]) -> dict[str, Resolved]:
        """Each setting's value: ``saved`` (the panel's), else the environment's, else its default."""
        fallback: dict[str, str] = {}
        from_env: set[str] = set()
        for spec in SPECS:
            if spec.env is None:
                continue
            section, attr = _split(spec.env)
            model: BaseModel = getattr(self._env, section)
            fallback[spec.key] = _as_text(getattr(model, attr))
            if attr in model.model_fields_set:
                from_env.add(spec.key)
        return resolve(saved, fallback, from_env)

    def changed(self) -> None:
        """The settings were saved (by any process): the next ``refresh`` reads them."""
        self._generation += 1
        self._fresh_until = -math.inf

    def listening(self, hearing: bool) -> None:
        """Whether change notices reach this process from now on; either way the next ``refresh`` reads (a
        change made while none was heard is not missed)."""
        self._listening = hearing
        self.changed()

    async def refresh(self, *, force: bool = False) -> ShopConfig:
        """The current settings, read again when no longer fresh, and written into the settings tree."""
        if not force and self._clock() < self._fresh_until:
            return self._config
        async with self._reading:
            now = self._clock()
            if not force and now < self._fresh_until:
                return self._config  # read by the refresh this one waited for
            generation = self._generation
            async with self._uow() as uow:
                saved = await uow.settings.values()
            config = ShopConfig(self._resolve(saved))
            self._apply(config)
            self._config = config
            if generation == self._generation:  # else a notice came during the read: read again next time
                self._fresh_until = now + (self._listening_ttl_s if self._listening else self._ttl_s)
            return config

    def _apply(self, config: ShopConfig) -> None:
        """Write the values of the settings that have an environment setting into the settings tree."""
        updates: dict[str, dict[str, object]] = {}
        for spec in SPECS:
            if spec.env is None:
                continue
            section, attr = _split(spec.env)
            resolved = config.resolved[spec.key]
            value: object = resolved.value
            if value == "" and type(getattr(self._env, section)).model_fields[attr].default is None:
                value = None
            if _as_text(getattr(getattr(self._settings, section), attr)) != resolved.text:
                updates.setdefault(section, {})[attr] = value
        for section, changes in updates.items():
            model: BaseModel = getattr(self._settings, section)
            try:
                checked = type(model).model_validate(model.model_dump() | changes)
            except ValueError as exc:  # a value the panel accepted that the tree refuses: keep the old one
                log.error("settings.apply_failed", section=section, error=str(exc))
                continue
            for attr in changes:
                setattr(model, attr, getattr(checked, attr))
            log.info("settings.applied", section=section, keys=sorted(changes))

    async def rows(self) -> list[SettingRow]:
        """Every setting for the panel, in the panel's order, with its source and who last changed it."""
        async with self._uow() as uow:
            saved = await uow.settings.values()
            changes = await uow.settings.changes()
        resolved = self._resolve(saved)
        rows = []
        for spec in SPECS:
            r = resolved[spec.key]
            change = changes.get(spec.key, {}) if r.source is Source.ADMIN else {}
            shown = ("set" if r.text else "unset") if spec.secret else r.text
            rows.append(SettingRow(spec, shown, r.source, change.get("updated_by"), change.get("updated_at")))
        return rows

    async def save(
        self, typed: Mapping[str, str | None], actor: str, *, clear: Collection[str] = ()
    ) -> dict[str, tuple[str, str]]:
        """Save the values staff typed (by key; a key left out keeps its value, ``""`` goes back to the
        environment's value or the default). A secret typed empty keeps its value; the secrets named in
        ``clear`` are unset. Every field is checked before anything is written: ``SettingsInvalid`` names each
        unusable one. The changes (old → new, secrets masked) are audited in the same transaction; returns them.
        """
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for key, value in typed.items():
            spec = BY_KEY.get(key)
            if spec is None:
                continue
            if spec.secret and not (value or "").strip():
                continue
            try:
                cleaned[key] = clean(spec, value)
            except InvalidInput as exc:
                errors[key] = exc.message
        for key in clear:
            if key in BY_KEY and BY_KEY[key].secret:
                cleaned[key] = ""
        if errors:
            raise SettingsInvalid(errors)
        async with self._uow() as uow:
            saved = await uow.settings.values()
            before = self._resolve(saved)
            changed: dict[str, str] = {}
            for key, text in cleaned.items():
                if text == "" and key in saved:
                    changed[key] = ""  # back to the fallback
                elif text and text != before[key].text:
                    changed[key] = text
            after = self._resolve({k: v for k, v in (saved | changed).items() if v})
            try:
                check_together({k: r.text for k, r in after.items()})
            except InvalidInput as exc:
                raise SettingsInvalid({exc.field or "": exc.message}) from None
            diff = {
                key: (audit_value(BY_KEY[key], before[key].text), audit_value(BY_KEY[key], after[key].text))
                for key in changed
            }
            for key, text in changed.items():
                await uow.settings.put(key, text, actor)
            if diff:
                await uow.audit.record(
                    actor,
                    "shop_settings.update",
                    "site_setting:shop",
                    {k: {"old": o, "new": n} for k, (o, n) in diff.items()},
                )
        await self.refresh(force=True)
        return diff

"""The composition root: builds the engine, the broker, the Mahak client and the services from the settings.

Nothing is created at import time; every role (``hamgam up``, the CLI, the tests) calls ``build``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db import catalog_read
from hamgam.adapters.db.accounts_uow import SqlAccountsUnitOfWork
from hamgam.adapters.db.admin_uow import SqlAdminUnitOfWork
from hamgam.adapters.db.advisory_locks import AdvisoryLocks
from hamgam.adapters.db.catalog_uow import SqlCatalogReadUnitOfWork, SqlCatalogUnitOfWork
from hamgam.adapters.db.dead_letters import DeadLetterStore, SqlDeadLetterUnitOfWork
from hamgam.adapters.db.engine import create_engine, create_read_engine
from hamgam.adapters.db.export_uow import SqlExportUnitOfWork, export_joiner
from hamgam.adapters.db.settings_notices import PostgresSettingsNotices
from hamgam.adapters.db.site_uow import SqlSiteUnitOfWork
from hamgam.adapters.db.store_uow import SqlStoreUnitOfWork
from hamgam.adapters.db.sync_reads import SyncReads
from hamgam.adapters.db.sync_repository import SqlSyncRepository
from hamgam.adapters.mahak.client import MahakClient
from hamgam.adapters.mahak.export import MahakExportClient
from hamgam.adapters.mahak.limiter import postgres_guards
from hamgam.adapters.mahak.paging import MahakRowReader
from hamgam.adapters.mahak.setup_sample import MahakSetupSamples
from hamgam.adapters.mahak.wire import Entity
from hamgam.adapters.payments.factory import build_payment_gateway
from hamgam.adapters.pdf import PdfDocuments
from hamgam.adapters.queue.factory import build_queue
from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.ratelimit.postgres import PostgresRateLimiter
from hamgam.adapters.sms.factory import build_sms
from hamgam.adapters.storage.factory import build_object_store
from hamgam.domain.orders import OrderStatus
from hamgam.ports import FullPaymentGateway, MessageQueue, ObjectStore, RateLimiter, SmsSender
from hamgam.ports.catalog import CatalogReadUnitOfWork, CatalogUnitOfWork
from hamgam.ports.dead_letters import DeadLetterUnitOfWork
from hamgam.ports.locks import Locks
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.consumer import ExportWorker
from hamgam.services.export.exporter import Exporter, Hook
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.export.role import ExportRole
from hamgam.services.site.discovery import DiscoveryService
from hamgam.services.site.pages import SitePagesService
from hamgam.services.site.settings import ShopSettingsService
from hamgam.services.site.setup import SetupService
from hamgam.services.store import core as store_core
from hamgam.services.store.core import StoreCore
from hamgam.services.store.images import ImageService
from hamgam.services.store.orders import transition
from hamgam.services.store.pictures import PicturesOnSync, PictureWorker
from hamgam.services.sync.fetcher import Fetcher
from hamgam.services.sync.scheduler import SyncScheduler
from hamgam.services.sync.transformer import TransformContext
from hamgam.services.sync.worker import BatchWorker
from hamgam.settings import RateLimitBackend, Settings, SyncSettings

log = structlog.get_logger(__name__)

#: Pictures fetched at once by one worker process, and deliveries each consumer holds.
PICTURE_CONSUMERS = 2
PICTURE_PREFETCH = 4
#: File under ``data_dir`` that keeps the generated JWT secret when none is configured.
JWT_SECRET_FILE = "jwt-secret"


class StoreOrderTransitions:
    """The store's order state machine (with its stock ledger) as the export moves orders
    (``hamgam.ports.export.OrderTransitions``), in the export's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def transition(self, order_id: int, target: str, *, actor: str, reason: str | None = None) -> None:
        store = SqlStoreUnitOfWork.joining(self._connection)
        await transition(store, order_id, OrderStatus(target), actor=actor, reason=reason)


@dataclass
class Container:
    """Everything a role needs, built once per process."""

    settings: Settings
    engine: AsyncEngine
    queue: MessageQueue
    mahak: MahakClient
    sync_repository: SqlSyncRepository
    dead_letters: DeadLetterStore
    fetcher: Fetcher[Entity]
    payment_gateway: FullPaymentGateway
    sms: SmsSender
    rate_limiter: RateLimiter
    #: The online store core (catalogue, carts, checkout, orders, payments, accounts, admin).
    store: StoreCore
    #: Product images (object storage); None only in containers built by hand without one.
    objects: ObjectStore | None = None
    images: ImageService | None = None
    #: The footer pages and trust badges staff edit; the sitemap and the price-comparison feed.
    site: SitePagesService | None = None
    discovery: DiscoveryService | None = None
    #: The shop's settings staff edit in the admin panel; ``refresh`` keeps ``settings`` in step with them.
    shop_settings: ShopSettingsService | None = None
    #: The first-run setup (``/admin/setup``).
    setup: SetupService | None = None
    #: Tells ``shop_settings`` of saves made in any process; started by the first ``refresh_settings``.
    settings_notices: PostgresSettingsNotices | None = None
    #: The storefront's reads outside a transaction (``adapters.db.read_only``); None in containers built by hand.
    read_engine: AsyncEngine | None = None

    async def refresh_settings(self) -> None:
        """The shop's settings, read again when the cached copy is no longer fresh (no-op without them); the
        roles that call this hear of every save from then on."""
        if self.settings_notices is not None:
            self.settings_notices.start()
        if self.shop_settings is not None:
            await self.shop_settings.refresh()

    @property
    def locks(self) -> Locks:
        """Cluster-wide locks (PostgreSQL advisory locks on this container's engine)."""
        return AdvisoryLocks(self.engine)

    @property
    def sync_reads(self) -> SyncReads:
        """What staff, the CLI and the metrics read about the sync."""
        return SyncReads(self.engine)

    def dead_letter_uow(self) -> DeadLetterUnitOfWork:
        """A unit of work over the dead letters and the audit log (staff's actions on dead letters)."""
        return SqlDeadLetterUnitOfWork(self.engine)

    def worker(self) -> BatchWorker:
        """The batch consumers; with images, each applied Picture, PhotoGallery or Product batch announces its
        pictures to the pictures consumers (``picture_worker``)."""
        sync = self.settings.sync
        return BatchWorker(
            self.queue,
            self.sync_repository,
            concurrency=sync.workers,
            prefetch=sync.prefetch,
            retry_delays_s=sync.retry_delays_s,
            listener=PicturesOnSync(self.queue) if self.images is not None else None,
            mahak_rows=MahakRowReader(),
        )

    def picture_worker(self) -> PictureWorker | None:
        """The consumers that fetch Mahak's pictures as the sync brings them (None without images)."""
        if self.images is None:
            return None
        return PictureWorker(
            self.queue,
            self.images,
            self.mahak,
            catalog_unit_of_work(self.engine),
            concurrency=PICTURE_CONSUMERS,
            prefetch=PICTURE_PREFETCH,
            retry_delays_s=self.settings.sync.retry_delays_s,
        )

    def scheduler(self) -> SyncScheduler:
        sync = self.settings.sync
        return SyncScheduler(
            self.locks,
            self.fetcher,
            self.sync_repository,
            # read at run time: the interval is edited in the admin panel (``refresh`` brings it into ``sync``)
            interval_s=lambda: sync.interval_s,
            reconcile_interval_s=sync.reconcile_interval_s,
            refresh=self.refresh_settings,
        )

    def export_uow(self) -> SqlExportUnitOfWork:
        """A fresh export unit of work (``hamgam.ports.export.ExportUnitOfWork``)."""
        return SqlExportUnitOfWork(self.engine, queue=self.queue, transitions=StoreOrderTransitions)

    @property
    def export_outbox(self) -> ExportOutbox:
        export = self.settings.export
        return ExportOutbox(
            self.queue,
            topic=export.topic,
            client_id_offset=export.client_id_offset,
            uow=self.export_uow,
            join=export_joiner(self.queue, StoreOrderTransitions),
        )

    def exporter(self, hooks: dict[str, Hook] | None = None) -> Exporter:
        return Exporter(
            self.export_uow,
            AdvisoryLocks(self.engine),
            MahakExportClient(self.mahak),
            self.export_outbox,
            self.settings.export,
            self.settings.sync,
            hooks=hooks,
        )

    def export_role(self, hooks: dict[str, Hook] | None = None) -> ExportRole:
        export = self.settings.export
        worker = ExportWorker(
            self.queue,
            self.exporter(hooks),
            self.export_uow,
            topic=export.topic,
            concurrency=export.workers,
            prefetch=export.prefetch,
            retry_delays_s=export.retry_delays_s,
        )
        return ExportRole(
            worker,
            self.export_outbox,
            export,
            self.settings.sync,
            uow=self.export_uow,
            locks=AdvisoryLocks(self.engine),
            refresh=self.refresh_settings,
        )

    async def aclose(self) -> None:
        if self.settings_notices is not None:
            await self.settings_notices.aclose()
        await self.mahak.aclose()
        for adapter in (self.payment_gateway, self.sms):
            close = getattr(adapter, "aclose", None)
            if close is not None:
                await close()
        await self.queue.close()
        await self.engine.dispose()
        if self.read_engine is not None:
            await self.read_engine.dispose()


def mahak_base_url(settings: Settings) -> str:
    """The configured Mahak, or the embedded simulator that ``hamgam up`` serves when none is configured."""
    return settings.mahak.base_url or f"http://127.0.0.1:{settings.mahak.simulator_port}/API/v3"


async def build(settings: Settings) -> Container:
    """Build the process's container. ``settings.database_url`` must be set (``hamgam up`` resolves it)."""
    if not settings.database_url:
        raise ValueError("database_url is not set")
    engine = create_engine(settings.database_url)
    read_engine = create_read_engine(settings.database_url, catalog_read.SESSION_SETTINGS)
    mahak_settings = settings.mahak.model_copy(update={"base_url": mahak_base_url(settings)})
    mahak_limiter, breaker = postgres_guards(engine, mahak_settings)
    mahak = MahakClient(mahak_settings, limiter=mahak_limiter, breaker=breaker)
    queue = await build_queue(settings, engine)
    sync_repository = SqlSyncRepository(engine, settings.sync, origin=shop_origin(settings))
    fetcher = Fetcher(
        mahak,
        sync_repository,
        queue,
        TransformContext(settings.sync.money_unit, rules=settings.sync),
        locks=AdvisoryLocks(engine),
        page_size=settings.mahak.page_size,
        entity_key=Entity,
    )
    gateway = build_payment_gateway(settings)
    sms = build_sms(settings)
    limiter: RateLimiter = (
        MemoryRateLimiter()
        if settings.auth.rate_limit_backend is RateLimitBackend.MEMORY
        else PostgresRateLimiter(engine)
    )
    store = build_store_core(
        settings, engine, queue, gateway=gateway, sms=sms, limiter=limiter, jwt_secret=jwt_secret(settings),
        read_engine=read_engine,
    )  # fmt: skip
    objects = build_object_store(settings)
    images = ImageService(
        catalog_unit_of_work(engine),
        objects,
        widths_px=settings.web.image_widths_px,
        max_upload_bytes=settings.web.max_upload_bytes,
        reads=catalog_reads(read_engine, settings.sync),
    )
    site_uow = partial(SqlSiteUnitOfWork, engine, settings.sync)
    shop_settings = ShopSettingsService(site_uow, settings)
    store.sms_templates = partial(sms_templates, shop_settings)
    try:
        await shop_settings.refresh()
    except Exception as exc:  # a database not migrated yet: the environment's values until the first refresh
        log.warning("settings.first_read_failed", error=str(exc))
    return Container(
        settings,
        engine,
        queue,
        mahak,
        sync_repository,
        DeadLetterStore(engine),
        fetcher,
        gateway,
        sms,
        limiter,
        store,
        objects,
        images,
        SitePagesService(site_uow),
        DiscoveryService(site_uow),
        shop_settings,
        setup=SetupService(
            site_uow,
            shop_settings,
            settings.sync,
            SyncReads(engine),
            MahakSetupSamples(mahak),
            mahak.login,
            sync_repository,
        ),
        settings_notices=PostgresSettingsNotices(
            engine, changed=shop_settings.changed, listening=shop_settings.listening
        ),
        read_engine=read_engine,
    )


async def sms_templates(shop_settings: ShopSettingsService) -> dict[str, str]:
    """The SMS texts as the shop's settings have them now (the SMS consumer reads them before each message)."""
    config = await shop_settings.refresh()
    return {name: config.text(f"sms.template_{name}") for name in ("paid", "shipped", "restock")}


def store_uow(engine: AsyncEngine, settings: Settings) -> UnitOfWorkFactory[StoreUnitOfWork]:
    """Opens a store transaction on ``engine`` under the merchant's stock and price rules."""
    return lambda: SqlStoreUnitOfWork(engine, settings.sync)


class ExportOnPaid:
    """The store's ``PaidOrderListener``: a paid order's export job (with its client ids) is written in the
    transaction that made the order paid."""

    def __init__(self, outbox: ExportOutbox) -> None:
        self._outbox = outbox

    async def order_paid(self, uow: StoreUnitOfWork, order_id: int) -> None:
        if not isinstance(uow, SqlStoreUnitOfWork):
            raise TypeError("the export outbox writes in a PostgreSQL store transaction")
        await self._outbox.write(uow.connection, order_id)


def shop_origin(settings: Settings) -> str:
    """The store's public origin for links sent outside a request (SMS): ``shop.public_base_url``, else the
    API's own address."""
    return (settings.shop.public_base_url or f"http://{settings.api_host}:{settings.api_port}").rstrip("/")


def build_store_core(
    settings: Settings,
    engine: AsyncEngine,
    queue: MessageQueue,
    *,
    gateway: FullPaymentGateway,
    sms: SmsSender,
    limiter: RateLimiter,
    jwt_secret: str,
    read_engine: AsyncEngine,
) -> StoreCore:
    """The store core over PostgreSQL, its paid orders exported through ``queue``; the storefront's catalogue
    read on ``read_engine`` (``create_read_engine`` with ``catalog_read.SESSION_SETTINGS``; a test that never
    reads the catalogue may pass ``engine``)."""
    outbox = ExportOutbox(
        queue,
        topic=settings.export.topic,
        client_id_offset=settings.export.client_id_offset,
        join=export_joiner(queue),
    )
    documents = PdfDocuments()
    return store_core.build_store_core(
        settings, queue, gateway=gateway, sms=sms, limiter=limiter, jwt_secret=jwt_secret,
        store_uow=store_uow(engine, settings), paid_orders=ExportOnPaid(outbox),
        accounts_uow=partial(SqlAccountsUnitOfWork, engine), admin_uow=partial(SqlAdminUnitOfWork, engine),
        catalog_uow=catalog_unit_of_work(engine), catalog_reads=catalog_reads(read_engine, settings.sync),
        invoice_renderer=documents,
        fulfilment_renderer=documents,
    )  # fmt: skip


def catalog_unit_of_work(engine: AsyncEngine) -> UnitOfWorkFactory[CatalogUnitOfWork]:
    """Opens catalogue transactions over ``engine`` (images, staff figures)."""
    return partial(SqlCatalogUnitOfWork, engine)


def catalog_reads(read_engine: AsyncEngine, rules: SyncSettings) -> UnitOfWorkFactory[CatalogReadUnitOfWork]:
    """Opens the storefront's catalogue reads over ``read_engine``, under the merchant's ``rules``."""
    return partial(SqlCatalogReadUnitOfWork, read_engine, rules)


def jwt_secret(settings: Settings) -> str:
    """``auth.jwt_secret`` from the environment; when unset, a random secret generated once and kept in
    ``data_dir/jwt-secret`` (mode 0600), so a one-machine install works and tokens survive restarts. Several
    machines signing tokens must share ``HAMGAM_AUTH__JWT_SECRET``."""
    if settings.auth.jwt_secret is not None and settings.auth.jwt_secret.get_secret_value():
        secret = settings.auth.jwt_secret.get_secret_value()
        if len(secret) < 32:
            raise ValueError("HAMGAM_AUTH__JWT_SECRET must be at least 32 characters")
        return secret
    path = Path(settings.data_dir) / JWT_SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()

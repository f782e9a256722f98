"""The one settings tree of Hamgam, read from the environment (prefix ``HAMGAM_``, nested with ``__``).

Nothing else in the project reads ``os.environ``. Every field here is listed in the README with its default.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StockSource(StrEnum):
    """Where the sellable stock of a product detail comes from (a merchant choice, contract §4)."""

    VISITOR_PRODUCT = "visitor_product"
    STORES = "stores"


class MoneyUnit(StrEnum):
    """The unit the Mahak database keeps money in; the store always keeps Rial."""

    RIAL = "rial"
    TOMAN = "toman"


class MahakSettings(BaseModel):
    """How to reach Mahak. With no ``base_url`` the embedded simulator is started and used."""

    base_url: str | None = None
    username: str = "demo"
    password: SecretStr = SecretStr("demo")
    database_id: int | None = None
    #: Seconds for one HTTP call; integrators see answers slower than a minute, so the default is generous.
    timeout_s: float = 60.0
    connect_timeout_s: float = 10.0
    #: Rows asked for per entity per page.
    page_size: int = 1000
    #: Attempts for one read call on timeouts, 5xx and 429 before giving up as transient.
    read_attempts: int = 5
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    #: Requests per second allowed to one Mahak database, shared by every process (kept in PostgreSQL).
    rate_per_s: float = 10.0
    rate_burst: int = 20
    #: Consecutive failed calls that open the circuit, and how long it stays open.
    circuit_failures: int = 5
    circuit_open_s: float = 30.0
    #: Port of the embedded simulator started by ``hamgam up`` when no base_url is set.
    simulator_port: int = 5080
    simulator_products: int = 2000


class SyncSettings(BaseModel):
    """The sync worker: schedule, pool, retries and the merchant's stock and price rules."""

    #: Seconds between incremental runs of an entity.
    interval_s: float = 180.0
    #: Seconds between full reconciliation passes (default nightly).
    reconcile_interval_s: float = 86_400.0
    #: The freshness objective: seconds of lag (since the last complete sync started) an entity may reach, as the
    #: ``HamgamSyncLagOverObjective`` alert uses it; ``lag_objectives_s`` overrides it per entity
    #: (``{"ProductDetail": 600}``). The admin dashboard shows each entity against its objective.
    lag_objective_s: float = Field(default=900.0, gt=0)
    lag_objectives_s: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    workers: int = 4
    prefetch: int = 8
    #: Delays of the retry tiers, one per attempt; after the last, the dead-letter queue.
    retry_delays_s: list[float] = Field(default_factory=lambda: [5.0, 30.0, 120.0, 600.0, 3600.0])
    stock_source: StockSource = StockSource.VISITOR_PRODUCT
    #: Store ids summed, in priority order, when ``stock_source`` is ``stores``.
    stock_store_ids: list[int] = Field(default_factory=list)
    #: Which of Price1..Price10 is the shop price; 0 means each detail's DefaultSellPriceLevel.
    price_level: int = 0
    money_unit: MoneyUnit = MoneyUnit.RIAL
    #: Mahak's ProductDetail ``DiscountType`` codes (undocumented by Mahak): the one whose ``Discount`` is a
    #: percent off, and the one whose ``Discount`` is an amount off in ``money_unit`` (``hamgam.domain.pricing``).
    discount_percent_type: int = 0
    discount_amount_type: int = 1


class PersonMatch(StrEnum):
    """How the exporter recognises a customer among the people already synced from Mahak."""

    MOBILE = "mobile"
    NATIONAL_CODE = "national_code"


class ReturnMode(StrEnum):
    #: A cancelled exported order becomes a sales return (type 202) naming the invoice in its description.
    SEND = "send"
    #: A cancelled exported order is only flagged for staff to return it in the desktop app.
    FLAG = "flag"


class ExportSettings(BaseModel):
    """The store-to-Mahak exporter: paid orders and their customers become Mahak sales invoices, once."""

    topic: str = "export.orders"
    workers: int = 4
    prefetch: int = 4
    #: Delays of the retry tiers (as the sync worker); after the last, the dead-letter queue.
    retry_delays_s: list[float] = Field(default_factory=lambda: [5.0, 30.0, 120.0, 600.0, 3600.0])
    #: 201 sales invoice (moves stock and the ledger) or 299 pro-forma sent for delivery.
    order_type: int = 201
    settlement_type: int = 0
    #: The Mahak person group new customers join; None: the synced group with the lowest id.
    person_group_id: int | None = None
    #: Synced people matched to a customer before a new person is created, in this order; [] always creates.
    match_person_by: list[PersonMatch] = Field(default_factory=lambda: [PersonMatch.MOBILE, PersonMatch.NATIONAL_CODE])
    #: Warehouse of every line; None: the stock source that served the reservation (the first configured store
    #: with enough stock when ``sync.stock_source`` is ``stores``, else the visitor's store, else the first store).
    store_id: int | None = None
    #: Send a receipt for the online payment (its tracking code is the gateway's reference id).
    send_receipt: bool = True
    #: Mahak cash account of the receipt; None: the visitor's CashCode.
    cash_code: int | None = None
    returns: ReturnMode = ReturnMode.SEND
    #: Added to every allocated client id: set it above the old ids when a new database serves a Mahak that
    #: already holds this site's rows, so no client id is ever reused.
    client_id_offset: int = Field(default=0, ge=0)
    #: An order is invoiced only once the synced stock of each line changed after the invoice was saved
    #: (invariant 4: the held units are released only when Mahak's stock figure includes them).
    invoice_requires_stock_sync: bool = True
    #: Seconds between relay passes (jobs not yet published), invoice checks and cancellation checks.
    relay_interval_s: float = 1.0
    #: Seconds between reconciliations of paid orders with Mahak's orders.
    reconcile_interval_s: float = 3600.0
    #: Seconds an export waits for another export of the same customer before retrying later.
    lock_timeout_s: float = 30.0


class PaymentProvider(StrEnum):
    ZARINPAL = "zarinpal"
    #: In-process fake (``hamgam.adapters.payments.memory``): dev mode without any HTTP.
    MEMORY = "memory"


class PaymentSettings(BaseModel):
    """The payment gateway. With no ``base_url`` the Zarinpal simulator is started and used."""

    provider: PaymentProvider = PaymentProvider.ZARINPAL
    #: ``https://payment.zarinpal.com`` (live), ``https://sandbox.zarinpal.com``, or None for the simulator.
    base_url: str | None = None
    #: Where buyers are redirected (``/pg/StartPay/{authority}``); None means ``base_url``.
    startpay_base_url: str | None = None
    #: The 36-character terminal UUID; server-side only. The default is the simulator's demo merchant.
    merchant_id: SecretStr = SecretStr("00000000-0000-4000-8000-000000000000")
    #: The absolute callback URL registered with the gateway; built from config, never from the Host header.
    #: None: the store derives it from ``api_host``/``api_port``.
    callback_url: str | None = None
    timeout_s: float = 15.0
    connect_timeout_s: float = 5.0
    #: Port of the simulator started when no base_url is set.
    simulator_port: int = 5081


class SmsProvider(StrEnum):
    KAVENEGAR = "kavenegar"
    SMSIR = "smsir"
    #: Recording fake (``hamgam.adapters.sms.memory``): nothing is sent.
    MEMORY = "memory"


class SmsSettings(BaseModel):
    """The SMS provider. With no ``base_url`` the SMS simulator is started and used."""

    provider: SmsProvider = SmsProvider.KAVENEGAR
    #: ``https://api.kavenegar.com`` / ``https://api.sms.ir``, or None for the simulator.
    base_url: str | None = None
    #: Kavenegar puts it in the URL path, SMS.ir in ``x-api-key``. The default is the simulator's demo key.
    api_key: SecretStr = SecretStr("sim-api-key")
    #: Line number for free text (Kavenegar ``sender``, SMS.ir ``lineNumber``); None: provider default.
    sender: str | None = None
    #: Kavenegar: the approved lookup template whose ``%token`` receives the OTP.
    kavenegar_otp_template: str = "hamgam-otp"
    #: SMS.ir: the verify template id, and its placeholder that receives the OTP (``#Code#``).
    smsir_otp_template_id: int = 100_000
    smsir_otp_parameter: str = "Code"
    timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    #: Port of the simulator started when no base_url is set.
    simulator_port: int = 5082


class ShopSettings(BaseModel):
    """The online store core: reservations, one-time codes and background jobs (shipping methods are the
    merchant's data: the admin's shipping page)."""

    #: Seconds a checkout holds its stock while the buyer pays; then the order expires and stock comes back.
    reservation_ttl_s: int = Field(default=900, ge=30)
    #: Seconds between runs of the jobs (release expired reservations, reconcile payments, relay events).
    jobs_interval_s: float = 30.0
    #: A payment older than this with no callback is verified/inquired by the reconciliation job.
    reconcile_after_s: float = 120.0
    #: Whether the shop's prices (Mahak's sell prices) include VAT: the buyer pays them as shown and the export
    #: sends the net price with the percents; False: checkout adds Mahak's tax and charge on top
    #: (docs/invoice-totals.md).
    prices_include_vat: bool = True
    #: Charge VAT: each line carries its product's Mahak tax and charge percents (Settings 14000/14001, while
    #: 14008 is on); False: every line carries 0 and the buyer pays the shop prices.
    charge_vat: bool = True
    #: Most units of one product detail in one cart line.
    max_line_quantity: int = Field(default=100, ge=1)
    #: One-time login codes: digits, lifetime and wrong guesses allowed per code.
    otp_length: int = Field(default=6, ge=4, le=8)
    otp_ttl_s: int = 120
    otp_max_attempts: int = 5
    #: Guest carts created per client address per window.
    cart_creates: int = 60
    cart_window_s: int = 600
    #: A guest cart unchanged for this long expires (its token answers like an unknown one) and is purged.
    guest_cart_ttl_s: int = Field(default=30 * 86_400, ge=60)
    #: Seconds a search's relevance ranking (which products match, in which order, how many) is reused by the
    #: gateway process before it is read again; prices and stock are always read fresh. 0 reads every search
    #: whole (``hamgam.services.store.catalog.SEARCH_TTL_S`` says why 60).
    search_cache_ttl_s: float = Field(default=60.0, ge=0)
    #: Public URL of the store: the payment callback (``.../api/v1/payments/callback``; None: derived from
    #: ``payments.callback_url`` or ``api_host``/``api_port``), and the canonical URLs, ``robots.txt``, sitemap
    #: and Torob feed (None: the request's own address).
    public_base_url: str | None = None
    #: The seller as the sales invoice (فاکتور فروش) names it: name, address, phone and national id / economic
    #: code (empty fields are left off).
    seller_name: str = "فروشگاه همگام"
    seller_address: str = ""
    seller_phone: str = ""
    seller_national_id: str = ""
    #: Run the background jobs and the SMS consumer inside ``serve_api`` (one process per machine is enough;
    #: every job is safe to run in several replicas at once).
    run_jobs: bool = True


class RateLimitBackend(StrEnum):
    #: Shared by every replica (a row per key and window in ``rate_limit_hit``): the default.
    POSTGRES = "postgres"
    #: Per process: only for a single process or tests.
    MEMORY = "memory"


class AuthSettings(BaseModel):
    """Tokens, passwords and rate limits of the gateway.

    ``jwt_secret`` should come from the environment (``HAMGAM_AUTH__JWT_SECRET``) and must be set when more than
    one process signs tokens. When it is empty, ``bootstrap`` generates one and keeps it in
    ``data_dir/jwt-secret`` (mode 0600), so a single-machine install works out of the box and tokens survive
    restarts.
    """

    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "hamgam"
    access_ttl_s: int = Field(default=900, ge=30)
    refresh_ttl_s: int = Field(default=30 * 86_400, ge=60)
    rate_limit_backend: RateLimitBackend = RateLimitBackend.POSTGRES
    #: Password logins allowed per mobile (and per client address) per window.
    login_attempts: int = 10
    login_window_s: int = 300
    #: One-time codes sent per mobile per window.
    otp_sends: int = 3
    otp_window_s: int = 600
    #: Sign-ups tried per mobile per window (five times as many per client address).
    register_attempts: int = 5
    register_window_s: int = 600
    #: Seconds a staff member has to enter the one-time code after their password was right.
    challenge_ttl_s: int = Field(default=300, ge=30)


class StorageBackend(StrEnum):
    #: A directory under ``data_dir`` (or ``storage.local_dir``): the embedded default.
    LOCAL = "local"
    #: S3 or MinIO.
    S3 = "s3"
    #: In process memory: tests and throw-away dev runs.
    MEMORY = "memory"


class StorageSettings(BaseModel):
    """Object storage for product images (``ObjectStore`` port, obstore adapters)."""

    backend: StorageBackend = StorageBackend.LOCAL
    #: Directory of the local backend; None means ``data_dir / "objects"``.
    local_dir: Path | None = None
    s3_bucket: str | None = None
    #: ``http://127.0.0.1:9000`` for MinIO; None for AWS.
    s3_endpoint: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    #: Key prefix inside the bucket, so several shops can share one.
    prefix: str = ""


class WebSettings(BaseModel):
    """The server-rendered pages (storefront and admin panel) served by the gateway."""

    enabled: bool = True
    #: UI language: a catalogue under ``entrypoints/web/locale/<locale>``.
    locale: str = "fa"
    #: Mark cookies ``Secure``; None: when the request came over https (behind a proxy: ``X-Forwarded-Proto``).
    secure_cookies: bool | None = None
    #: Largest accepted image upload, in bytes.
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    #: Widths (px) of the resized variants made once per image.
    image_widths_px: list[int] = Field(default_factory=lambda: [160, 480, 960])
    #: Products per page on category and search pages.
    per_page: int = Field(default=24, ge=1, le=100)
    #: Seconds between catch-up passes over Mahak's pictures (the sync's batches announce them as they come;
    #: the pass settles what a message could not, e.g. a product restored after its pictures arrived).
    pictures_interval_s: float = 600.0


class LimitSettings(BaseModel):
    """Request body caps of the HTTP roles (gateway and core), enforced while the body streams in, before any
    parsing: a declared ``Content-Length`` over the cap is refused at once, a streamed body when it passes the cap.
    Image uploads use ``web.max_upload_bytes``."""

    #: JSON API bodies (every ``/api`` route unless listed below).
    json_body_bytes: int = Field(default=64 * 1024, ge=1024)
    #: Page forms (urlencoded or multipart), and the admin listing update of the JSON API (long descriptions).
    form_body_bytes: int = Field(default=256 * 1024, ge=1024)
    #: A dead-letter message body edited by staff (API and page).
    message_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)


class Settings(BaseSettings):
    """Everything Hamgam is configured with."""

    model_config = SettingsConfigDict(env_prefix="HAMGAM_", env_nested_delimiter="__", env_file=".env", extra="ignore")

    #: PostgreSQL URL (``postgresql://user@host:port/db``). Empty: start the embedded PostgreSQL.
    database_url: str | None = None
    #: RabbitMQ URL (``amqp://guest:guest@host:5672/``). Empty: use the PostgreSQL-backed queue.
    rabbitmq_url: str | None = None
    #: Prefix of every queue and exchange name, so several shops (or test runs) share one broker.
    queue_prefix: str = "hamgam"
    #: PostgreSQL queue: seconds before a message leased by a consumer that died is delivered again.
    queue_visibility_timeout_s: float = 60.0
    #: Where the embedded PostgreSQL keeps its data; it survives restarts.
    data_dir: Path = Path.home() / ".local" / "share" / "hamgam"
    embedded_pg_port: int = 5433
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    #: Bind the API socket with SO_REUSEPORT, so several gateway processes on one machine share ``api_port``.
    api_reuse_port: bool = False
    #: Load shedding: the most connections and requests an HTTP role (``api``, ``core``) holds at once, each
    #: process; past it uvicorn answers 503 at once (and closes the connection) instead of queueing work whose
    #: client may have given up. Idle keep-alive connections count (uvicorn closes them after 5 s), and so does
    #: the connection asking, so at most this many less one are served at once. The default fits one process on
    #: a two-core machine: above the closed-loop benchmarks' 100 clients and a gateway's 200 connections to its
    #: core, and at the 5-8 ms of CPU a page costs, the last of 256 waits about 2 s, well within a browser's
    #: patience. 0: no bound.
    api_limit_concurrency: int = Field(default=256, ge=0)
    #: Reverse proxies in front of this HTTP role, each appending to ``X-Forwarded-For``. The client's address is
    #: the entry that many places from the right (0: the socket peer; the header is ignored), and the scheme is
    #: read from ``X-Forwarded-Proto`` the same way. The core behind a gateway needs 1 (the gateway), or every
    #: buyer shares the gateway's address; a gateway behind one ingress controller needs 1.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
    #: The health server of every long-running role (``/healthz``, ``/readyz``, ``/metrics``); port 0 disables it.
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=9108, ge=0, le=65535)
    #: Base URL of a remote core (``http://core:8000``). Set on the gateway (``hamgam api``): it then forwards
    #: ``/api/v1/*`` there instead of serving the JSON API in-process; the pages still call the core in-process.
    core_url: str | None = None
    #: Seconds the gateway waits for the remote core (per read; the connection gets at most 5 s).
    core_timeout_s: float = Field(default=30.0, gt=0)
    log_level: str = "INFO"
    #: Force JSON logs (default: JSON when stderr is not a terminal).
    log_json: bool | None = None
    #: A fresh machine fails rather than skips tests when a server is missing (set in CI).
    require_services: bool = False

    mahak: MahakSettings = Field(default_factory=MahakSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    payments: PaymentSettings = Field(default_factory=PaymentSettings)
    sms: SmsSettings = Field(default_factory=SmsSettings)
    shop: ShopSettings = Field(default_factory=ShopSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    export: ExportSettings = Field(default_factory=ExportSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)


#: What a secret is replaced with wherever settings are shown (pydantic's own mask for ``SecretStr``).
MASK = "**********"
#: Query parameters of a URL setting whose value is a credential (matched as a part of the lower-cased name).
SECRET_QUERY_WORDS = ("pass", "pwd", "secret", "token", "key", "auth", "signature", "credential")


def public_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON data for people to read (the admin API and page): ``SecretStr`` fields are masked
    by pydantic, and so are the credentials inside every URL (its password and secret-looking query
    parameters), so a secret placed in a plain URL setting such as ``database_url`` never shows."""
    return _mask_urls(settings.model_dump(mode="json"))


def _mask_urls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask_urls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_urls(v) for v in value]
    return mask_url(value) if isinstance(value, str) else value


def mask_url(value: str) -> str:
    """``value`` with the password of its user info and secret query parameters masked, if it is a URL."""
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:  # not a URL (an unclosed IPv6 bracket…): nothing to parse
        return value
    if not parts.scheme or not parts.netloc:
        return value
    netloc, query = parts.netloc, parts.query
    if password is not None:
        user_info, _, host = netloc.rpartition("@")
        netloc = f"{user_info.split(':', 1)[0]}:{MASK}@{host}"
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(word in name.lower() for name, _ in pairs for word in SECRET_QUERY_WORDS):
        query = urlencode(
            [(n, MASK if any(w in n.lower() for w in SECRET_QUERY_WORDS) else v) for n, v in pairs], safe="*"
        )
    if (netloc, query) == (parts.netloc, parts.query):
        return value
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment, with explicit overrides winning (used by tests and the CLI)."""
    return Settings(**overrides)

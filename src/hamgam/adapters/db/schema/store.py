"""Tables of the online store core: customers and their tokens, carts, orders, the stock reservation ledger,
payments and the outboxes (export jobs for Mahak, events for SMS).

Money is integer Rial (``*_rial``). Statuses are text checked by the domain (``hamgam.domain.orders``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    cast,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.sql.expression import Grouping

from hamgam.adapters.db.schema.base import metadata
from hamgam.adapters.db.schema.catalog import extra_data, product


def _now() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


#: Persian search: ``product.name_search`` is normalised on ingest, queries the same way; trigrams serve
#: ``ILIKE '%…%'`` on any part of a word.
Index(
    "ix_product_name_search_trgm",
    product.c.name_search,
    postgresql_using="gin",
    postgresql_ops={"name_search": "gin_trgm_ops"},
)

# The catalogue query's lookups (``adapters/db/catalog_read.py``; migration 0006). Each turns a per-row scan of a
# table as large as the catalogue into one index probe.
#: Search matches a product code case-insensitively (``lower(p.code) = :c``, ORed with the trigram match).
Index("ix_product_code_lower", func.lower(product.c.code))
#: ExtraData 10202 links name their product by code, or by id when it has none.
Index("ix_product_code_or_id", func.coalesce(product.c.code, cast(product.c.mahak_id, Text)))
_LIVE_CATEGORY_LINK = and_(extra_data.c.item_type == 10202, extra_data.c.deleted_at.is_(None))
#: A product's newest category link.
Index(
    "ix_extra_data_product_link",
    extra_data.c.data["ProductCode"].astext,
    extra_data.c.row_version.desc(),
    postgresql_where=_LIVE_CATEGORY_LINK,
)
#: The links into a category (the expression of migration 0013's ``catalog_product.category_id``).
Index(
    "ix_extra_data_link_category",
    Grouping(  # an index on an expression that is not a function call needs its own parentheses
        case(
            (
                extra_data.c.data["CategoryCode"].astext.op("~")("^[0-9]{1,18}$"),
                cast(extra_data.c.data["CategoryCode"].astext, BigInteger),
            )
        )
    ),
    postgresql_where=_LIVE_CATEGORY_LINK,
)

#: The products the storefront lists (live, not hidden, a live detail with a live VisitorProduct link), with
#: their display name and category, as the ``catalog_entry_source`` view computes them. Derived data, kept in
#: step by statement-level triggers on the tables it reads (migration 0007), indexed for the catalogue pages.
catalog_entry = Table(
    "catalog_entry",
    metadata,
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("name_search", Text, nullable=False),
    Column("code", Text),
    Column("category_id", BigInteger),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    #: The distinct trigrams of ``name_search`` (migration 0024): bounds a name's similarity to a query.
    Column("name_trigrams", Integer, Computed("cardinality(show_trgm(name_search))", persisted=True), nullable=False),
)
Index("ix_catalog_entry_name", catalog_entry.c.name, catalog_entry.c.product_id)
Index("ix_catalog_entry_category", catalog_entry.c.category_id, catalog_entry.c.product_id)
Index("ix_catalog_entry_category_name", catalog_entry.c.category_id, catalog_entry.c.name, catalog_entry.c.product_id)
Index(
    "ix_catalog_entry_name_search_trgm",
    catalog_entry.c.name_search,
    postgresql_using="gin",
    postgresql_ops={"name_search": "gin_trgm_ops"},
)
Index("ix_catalog_entry_code_lower", func.lower(catalog_entry.c.code))

customer = Table(
    "customer",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    #: Normalised ``09xxxxxxxxx``: the login name.
    Column("mobile", Text, nullable=False, unique=True),
    Column("full_name", Text),
    Column("email", Text),
    Column("national_code", Text),
    #: Argon2id hash; NULL for customers who only log in with one-time codes.
    Column("password_hash", Text),
    #: ``customer``, ``staff`` or ``admin``.
    Column("role", Text, nullable=False, server_default="customer"),
    #: The Mahak Person this customer is exported as (set by the exporter).
    Column("mahak_person_id", BigInteger),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("disabled_at", DateTime(timezone=True)),
    CheckConstraint("role IN ('customer', 'staff', 'admin')", name="role"),
)

customer_address = Table(
    "customer_address",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text),
    Column("recipient_name", Text, nullable=False),
    Column("mobile", Text, nullable=False),
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("line", Text, nullable=False),
    Column("postal_code", Text, nullable=False),
    _now(),
    Column("deleted_at", DateTime(timezone=True)),
    Index("ix_customer_address_customer_id", "customer_id"),
)

#: Refresh tokens, stored as SHA-256 hashes. Each use rotates the token (``used_at`` set, a new row in the same
#: family); presenting a used token again revokes the whole family (theft detection).
refresh_token = Table(
    "refresh_token",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    Column("family_id", UUID(as_uuid=True), nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    _now(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    #: The factors that proved the session (``password``, ``otp``); staff privileges need both.
    Column("factors", ARRAY(Text), nullable=False, server_default="{}"),
    Index("ix_refresh_token_family_id", "family_id"),
)

#: One-time login codes, hashed, with expiry and a count of wrong guesses.
otp_code = Table(
    "otp_code",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("mobile", Text, nullable=False),
    Column("code_hash", Text, nullable=False),
    _now(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("consumed_at", DateTime(timezone=True)),
    Index("ix_otp_code_mobile_created_at", "mobile", "created_at"),
)

#: Fixed-window rate-limit counters shared by every replica; old windows are deleted by the jobs.
rate_limit_hit = Table(
    "rate_limit_hit",
    metadata,
    Column("key", Text, primary_key=True),
    Column("window_start", DateTime(timezone=True), primary_key=True),
    Column("hits", Integer, nullable=False),
)

#: A cart: a guest's (its id is the guest's bearer secret) or a customer's (one active per customer).
cart = Table(
    "cart",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id", ondelete="CASCADE")),
    #: ``active``, ``merged`` (into the customer's cart on login), ``ordered``.
    Column("status", Text, nullable=False, server_default="active"),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(
        "ix_cart_customer_active",
        "customer_id",
        unique=True,
        postgresql_where=text("status = 'active' AND customer_id IS NOT NULL"),
    ),
    #: Guest carts expire after ``shop.guest_cart_ttl_s`` without a change; the purge job finds them here.
    Index("ix_cart_guest_updated_at", "updated_at", postgresql_where=text("customer_id IS NULL")),
)

cart_line = Table(
    "cart_line",
    metadata,
    Column("cart_id", UUID(as_uuid=True), ForeignKey("cart.id", ondelete="CASCADE"), primary_key=True),
    Column("product_detail_id", BigInteger, primary_key=True, autoincrement=False),
    Column("quantity", Integer, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

#: An order of the online store (``mahak_order`` is Mahak's own). ``address`` is a snapshot at checkout.
store_order = Table(
    "store_order",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customer.id"), nullable=False),
    Column("status", Text, nullable=False),
    Column("items_rial", BigInteger, nullable=False),
    Column("shipping_rial", BigInteger, nullable=False),
    #: VAT added on top of the items (0 when the shop's prices include it): ``domain/invoice.py``.
    Column("vat_rial", BigInteger, nullable=False, server_default="0"),
    Column("total_rial", BigInteger, nullable=False),
    #: Whether the items' prices included VAT when the order was placed (``shop.prices_include_vat``).
    Column("prices_include_vat", Boolean, nullable=False, server_default=true()),
    Column("shipping_method", Text, nullable=False),
    Column("address", JSONB, nullable=False),
    Column("note", Text),
    #: Until when the stock is held for payment; the order expires after it unless paid.
    Column("reserved_until", DateTime(timezone=True)),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("paid_at", DateTime(timezone=True)),
    CheckConstraint("total_rial = items_rial + vat_rial + shipping_rial", name="total"),
    Index("ix_store_order_customer_id_created_at", "customer_id", "created_at"),
    Index("ix_store_order_status", "status"),
    Index("ix_store_order_paid_at", "paid_at", postgresql_where=text("paid_at IS NOT NULL")),
)

order_line = Table(
    "order_line",
    metadata,
    Column("order_id", BigInteger, ForeignKey("store_order.id", ondelete="CASCADE"), primary_key=True),
    Column("product_detail_id", BigInteger, primary_key=True, autoincrement=False),
    Column("product_id", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    #: The variant by its Mahak property names as the buyer chose it (``رنگ: صورتی، سایز: XL``), kept from checkout.
    Column("variant", Text, nullable=False, server_default=""),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_rial", BigInteger, nullable=False),
    Column("total_rial", BigInteger, nullable=False),
    #: Mahak's TaxPercent and ChargePercent of the line, decided at checkout (``domain/invoice.line_rates``).
    Column("tax_percent", Numeric(9, 4), nullable=False, server_default="0"),
    Column("charge_percent", Numeric(9, 4), nullable=False, server_default="0"),
)

#: Every status change of an order, with who made it and why.
order_event = Table(
    "order_event",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("order_id", BigInteger, ForeignKey("store_order.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", Text),
    Column("to_status", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_order_event_order_id", "order_id"),
)

#: The parcel of a shipped order: its carrier and the carrier's tracking code (one per order).
shipment = Table(
    "shipment",
    metadata,
    Column("order_id", BigInteger, ForeignKey("store_order.id", ondelete="CASCADE"), primary_key=True),
    Column("carrier", Text, nullable=False),
    Column("tracking_code", Text, nullable=False),
    Column("shipped_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", Text, nullable=False),
    CheckConstraint("carrier IN ('post', 'tipax', 'courier')", name="carrier"),
)

#: Money given back to a buyer, recorded by staff once paid out (``hamgam.domain.refunds``): the sum per order
#: never exceeds what was paid (checked under the order's row lock). ``is_full``: this refund completed the return.
order_refund = Table(
    "order_refund",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("order_id", BigInteger, ForeignKey("store_order.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("amount_rial", BigInteger, nullable=False),
    Column("method", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("is_full", Boolean, nullable=False, server_default=text("false")),
    Column("actor", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount_rial > 0", name="amount"),
    CheckConstraint("method IN ('card_to_card', 'gateway_reversal', 'cash', 'credit')", name="method"),
)

#: The reserved total per product detail: the counter the conditional ``UPDATE`` checks against Mahak stock.
#: Always equal to the sum of ``stock_reservation.quantity`` over rows in a holding state (held, committed,
#: sent) for that detail; changed only together with the ledger, in one transaction.
stock_hold = Table(
    "stock_hold",
    metadata,
    Column("product_detail_id", BigInteger, primary_key=True, autoincrement=False),
    Column("reserved_qty", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("reserved_qty >= 0", name="reserved_non_negative"),
)

#: The reservation ledger, one row per order and detail. States: ``held`` (waiting for payment, until
#: ``expires_at``), ``committed`` (paid, waiting for export), ``sent`` (sent to Mahak, not yet invoiced),
#: then ``invoiced`` (Mahak's stock now includes it) or ``released`` (expired or cancelled). The first three
#: count against sellable stock.
stock_reservation = Table(
    "stock_reservation",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("order_id", BigInteger, ForeignKey("store_order.id", ondelete="CASCADE"), nullable=False),
    Column("product_detail_id", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("order_id", "product_detail_id", name="uq_stock_reservation_order_detail"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_stock_reservation_state_expires_at", "state", "expires_at"),
)

#: One payment session at the gateway. ``authority`` is unique; at most one ``paid`` payment per order.
payment = Table(
    "payment",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("order_id", BigInteger, ForeignKey("store_order.id", ondelete="CASCADE"), nullable=False),
    Column("provider", Text, nullable=False),
    Column("authority", Text, nullable=False, unique=True),
    Column("amount_rial", BigInteger, nullable=False),
    #: ``hamgam.domain.payments.PaymentStatus``: ``pending`` (not paid yet), ``verifying`` (a verify is at the
    #: gateway), ``unknown`` (verify outcome not known yet), ``paid``, ``failed`` (rechecked while the order
    #: waits), ``reversed`` / ``refund_due`` (money its order did not need: given back, or for staff to refund).
    Column("status", Text, nullable=False, server_default="pending"),
    Column("ref_id", BigInteger),
    Column("card_pan", Text),
    Column("error", Text),
    _now(),
    Column("verified_at", DateTime(timezone=True)),
    Column("checked_at", DateTime(timezone=True)),
    Column("reversed_at", DateTime(timezone=True)),
    CheckConstraint(
        "status IN ('pending', 'verifying', 'unknown', 'paid', 'failed', 'reversed', 'refund_due')",
        name="status",
    ),
    Index("ix_payment_status_created_at", "status", "created_at"),
    Index("ix_payment_order_paid", "order_id", unique=True, postgresql_where=text("status = 'paid'")),
    Index("ix_payment_refund_due", "order_id", postgresql_where=text("status = 'refund_due'")),
)

#: The outbox of the store-to-Mahak exporter: one ``sale`` row per paid order, written in the transaction that
#: made it paid (and a ``return`` row when an exported order is cancelled). Statuses: ``pending`` → ``sent``
#: (Mahak holds it; the order is ``sent_to_accounting``) → ``invoiced``; or ``rejected`` (Mahak refused an item:
#: ``error``/``errors`` tell staff why), ``cancelled`` (cancelled before anything was sent), ``flagged`` (staff
#: must act in Mahak). ``sent_at`` set while unconfirmed means "a request may have reached Mahak: read back".
export_job = Table(
    "export_job",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("order_id", BigInteger, ForeignKey("store_order.id"), nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    _now(),
    Column("kind", Text, nullable=False, server_default="sale"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("published_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    #: Per entity, the RowVersion a read-back starts after (``{"Order": 123, ...}``), fixed at the first send.
    Column("readback_from", JSONB),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("invoiced_at", DateTime(timezone=True)),
    Column("mahak_order_id", BigInteger),
    Column("mahak_order_code", Text),
    #: The order's RowVersion in Mahak's answer: synced stock newer than this includes the sale.
    Column("mahak_order_row_version", BigInteger),
    #: The last SaveAllData body sent, as staff see it.
    Column("request", JSONB),
    Column("error", Text),
    #: Mahak's per-item refusals: ``[{"list", "index", "client_id", "property", "error"}]``.
    Column("errors", JSONB),
    #: Mahak's invoice total as the last reconciliation computed it, and its difference from what the buyer
    #: paid (0: they agree; NULL: not compared yet).
    Column("mahak_total_rial", BigInteger),
    Column("total_difference_rial", BigInteger),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("order_id", "kind", name="uq_export_job_order_id_kind"),
    Index("ix_export_job_status", "status"),
    Index("ix_export_job_unpublished", "id", postgresql_where=text("published_at IS NULL")),
)

#: Domain events written in the transaction that caused them, then published to the ``MessageQueue`` by a
#: relay (right after commit, and by the jobs for anything left over): at least once, never lost.
event_outbox = Table(
    "event_outbox",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("topic", Text, nullable=False),
    Column("message_id", Text, nullable=False, unique=True),
    Column("body", LargeBinary, nullable=False),
    _now(),
    Column("published_at", DateTime(timezone=True)),
    Index("ix_event_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
)

#: The merchant's shipping methods (migration 0017); the cost rule is ``hamgam.domain.shipping_rates``. ``code`` is
#: the key an order keeps in ``store_order.shipping_method``; a method is disabled, never deleted, so past orders
#: keep their title.
shipping_method = Table(
    "shipping_method",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("kind", Text, nullable=False, server_default="delivery"),
    Column("base_rial", BigInteger, nullable=False, server_default="0"),
    #: ``{province: cost_rial}``: the cost in those provinces instead of ``base_rial``.
    Column("province_rial", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    #: ``[{"over_g": grams, "extra_rial": cost}]``: carts heavier than ``over_g`` pay the extra on top.
    Column("weight_tiers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("free_over_rial", BigInteger),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("position", Integer, nullable=False, server_default="0"),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('delivery', 'pickup')", name="kind"),
    CheckConstraint("base_rial >= 0 AND (free_over_rial IS NULL OR free_over_rial >= 0)", name="amounts"),
)

#: «خبرم کن»: a buyer waiting for an out-of-stock product (any of its details, ``detail_id`` NULL) or one detail.
#: Pending while ``notified_at`` is NULL; the sync sets it in the transaction that brings the stock back and
#: writes the SMS event (``event_outbox``), so each request is texted once. One pending request per buyer and
#: product/detail; a buyer cancels by deleting it.
restock_request = Table(
    "restock_request",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("product_id", BigInteger, nullable=False),
    Column("detail_id", BigInteger),
    Column("customer_id", BigInteger, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False),
    #: The buyer's proven mobile when asked (normalised ``09xxxxxxxxx``).
    Column("mobile", Text, nullable=False),
    _now(),
    Column("notified_at", DateTime(timezone=True)),
    Index(
        "uq_restock_request_pending",
        "customer_id",
        "product_id",
        text("coalesce(detail_id, 0)"),
        unique=True,
        postgresql_where=text("notified_at IS NULL"),
    ),
    Index("ix_restock_request_waiting", "detail_id", "product_id", postgresql_where=text("notified_at IS NULL")),
)

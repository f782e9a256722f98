"""Tables of the store-to-Mahak exporter: the client ids it allocated, and its reconciliation reports.

``export_job`` itself is the store's outbox (``schema/store.py``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from hamgam.adapters.db.schema.base import metadata

#: Every Mahak client id Hamgam ever chose (contract §5): one per logical record, written before anything is
#: sent and never reused (the identity never goes back; ``export.client_id_offset`` moves a new database past an
#: old one's ids). ``mahak_id`` is set once Mahak confirmed the row (its answer or a read-back).
mahak_client_id = Table(
    "mahak_client_id",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    #: ``person``, ``visitor_person``, ``order``, ``order_detail``, ``receipt``.
    Column("kind", Text, nullable=False),
    #: The local record: ``customer:7`` (person, visitor link), ``job:12`` (order, receipt), ``job:12:detail:5``.
    Column("local_key", Text, nullable=False),
    Column("client_id", BigInteger, nullable=False, unique=True),
    Column("job_id", BigInteger, ForeignKey("export_job.id", ondelete="CASCADE")),
    Column("mahak_id", BigInteger),
    Column("mahak_code", Text),
    Column("row_version", BigInteger),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("confirmed_at", DateTime(timezone=True)),
    #: When the id first left in a SaveAllData, and the read-back cursor of its entity taken just before: an
    #: unconfirmed id sent before is read back before any export sends it again (contract §5, §7).
    Column("sent_at", DateTime(timezone=True)),
    Column("readback_from", BigInteger),
    UniqueConstraint("kind", "local_key", name="uq_mahak_client_id_kind_local_key"),
    Index("ix_mahak_client_id_job_id", "job_id"),
)

#: One comparison of paid orders with Mahak's orders: what was missing, twice, or with other totals, and what
#: was fixed.
export_reconciliation = Table(
    "export_reconciliation",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Column("report", JSONB),
)

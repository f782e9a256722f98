"""Tables of the PostgreSQL-backed message queue (owned by ``hamgam.adapters.queue.postgres``) and of the dead
letters of every queue adapter (owned by ``hamgam.adapters.db.dead_letters``)."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from hamgam.adapters.db.schema.base import metadata

#: One row per message waiting, delayed or leased. A lease sets ``lease_until``/``lease_token`` (and moves
#: ``available_at`` to the lease's end); settling deletes the row (ack) or makes it available again (retry,
#: release). ``deliveries`` counts leases that ended unsettled (poison backstop); ``attempt`` counts retries.
queue_message = Table(
    "queue_message",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("topic", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("deliveries", Integer, nullable=False, server_default="0"),
    Column("available_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("lease_until", DateTime(timezone=True)),
    Column("lease_token", UUID(as_uuid=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_queue_message_topic_available_at", "topic", "available_at"),
)

#: The final store of dead letters, for both queue adapters; staff list, edit, replay and purge them.
dead_letter = Table(
    "dead_letter",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("topic", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("first_failed_at", DateTime(timezone=True)),
    Column("dead_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("replayed_at", DateTime(timezone=True)),
    Column("purged_at", DateTime(timezone=True)),
    Index("ix_dead_letter_topic_dead_at", "topic", "dead_at"),
)

"""State the Mahak adapter shares between processes: the rate-limit bucket and the circuit breaker."""

from sqlalchemy import BigInteger, Column, DateTime, Float, Integer, Table, Text, func

from hamgam.adapters.db.schema.base import metadata

#: One token bucket per Mahak database (keyed by base URL and user), so every replica respects one limit.
mahak_rate_bucket = Table(
    "mahak_rate_bucket",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: The circuit breaker's shared state: consecutive failures and until when it stays open.
mahak_circuit = Table(
    "mahak_circuit",
    metadata,
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("open_until", DateTime(timezone=True)),
    Column("opened_count", BigInteger, nullable=False, server_default="0"),
)

"""Migration 0002 creates exactly the queue and dead-letter tables that ``schema/queue.py`` defines."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool

from hamgam.adapters.db.engine import sync_url
from hamgam.adapters.db.schema import metadata

pytestmark = pytest.mark.postgres

QUEUE_TABLES = ("queue_message", "dead_letter")


def _tables_named(diff: object) -> set[str]:
    text = repr(diff)
    return {name for name in QUEUE_TABLES if f"'{name}'" in text or f"ix_{name}" in text}


def test_migration_matches_the_queue_schema(database_url: str) -> None:
    # given a database migrated to head
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # when autogenerate compares it with the table definitions
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    # then nothing differs for the queue tables
    assert [d for d in diffs if _tables_named(d)] == []

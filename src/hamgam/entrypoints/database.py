"""The database a command or role works on: the configured server, or the embedded PostgreSQL, migrated.

Kept apart from ``runtime`` (which builds the container) so a command that needs only the database does not
import the broker, the Mahak client and the services; the database adapters are imported inside the functions,
so that a command's schema check imports asyncpg and nothing of SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hamgam.settings import Settings


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """Yield settings with a database URL: the configured server, or the embedded PostgreSQL (started here, or
    attached to when ``hamgam up`` already runs it), with the schema migrated."""
    from hamgam.adapters.db.embedded import embedded_postgres
    from hamgam.adapters.db.migrate import upgrade_to_head

    if settings.database_url:
        upgrade_to_head(settings.database_url)
        yield settings
        return
    with embedded_postgres(settings.data_dir) as url:
        upgrade_to_head(url)
        yield settings.model_copy(update={"database_url": url})


async def migrated_server(database_url: str, checked: Callable[[], None] = lambda: None) -> None:
    """The configured server's schema brought to head, for a command already in its event loop: checked over
    asyncpg alone, ``checked`` called once the server answered, and migrated (SQLAlchemy, psycopg, Alembic, in
    a thread) only when a revision is missing."""
    from hamgam.adapters.db.migrate import schema_at_head, upgrade_to_head

    at_head = await schema_at_head(database_url)
    checked()  # the server answered: what comes next may log
    if not at_head:
        await asyncio.to_thread(upgrade_to_head, database_url)

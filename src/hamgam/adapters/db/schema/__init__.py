"""Table definitions (SQLAlchemy Core), one module per area, all on one ``metadata``.

Importing this package registers every table, which Alembic's autogenerate needs.
"""

from hamgam.adapters.db.schema import catalog, export, mahak_client, queue, site, store, storefront, sync  # noqa: F401
from hamgam.adapters.db.schema.base import metadata

__all__ = ["metadata"]

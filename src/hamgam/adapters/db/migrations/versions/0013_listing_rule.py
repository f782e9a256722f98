"""the listing rule in the database, once: ``catalog_product`` and ``catalog_live_link``

What makes a product the storefront's (live, not hidden by staff, a live detail that a live VisitorProduct link
makes the site's), its display name (a staff override, else Mahak's) and its category (the newest live
ExtraData 10202 link, else Mahak's ProductCategoryId) were written twice: in the catalogue's reads
(``adapters/db/catalog_read.py``) and in migration 0007's ``catalog_entry_source``, kept equal by hand. They are
now defined here only, and both use them:

- ``catalog_live_link``: the VisitorProduct link rows that are not deleted. A detail with one is the site's;
  its stock (under the visitor source) is the newest one's ``count1``.
- ``catalog_product``: one row per product with ``live`` (not deleted, not hidden), its display ``name``,
  ``name_search``, ``code`` and ``category_id``.

Both are plain views: the planner flattens them into the query that reads them and computes a column only where
the query uses it, so the plans are those of the queries written out (a lookup of a detail's newest link stays
one index probe, and a whole refresh still hashes the links once).

``catalog_entry_source`` (what ``catalog_entry`` is refreshed from) is redefined over them, with the same
columns and answers.

Revision ID: 0013
Revises: 0012
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: A detail taken off the site has only deleted link rows; one put back has an old deleted row and a newer live
#: one. ``product_detail.deleted_at`` is never set from Mahak's unreliable flag (it is kept in
#: ``flagged_deleted``), so the links alone decide.
_LIVE_LINK = """CREATE VIEW catalog_live_link AS
SELECT vp.product_detail_id, vp.row_version, vp.count1 FROM visitor_product vp WHERE vp.deleted_at IS NULL"""

#: ``ix_extra_data_product_link`` makes the category lookup one index probe (without it every product scans
#: every link); ``ix_extra_data_link_category`` indexes the CASE expression.
_PRODUCT = """CREATE VIEW catalog_product AS
SELECT p.mahak_id AS product_id,
       p.deleted_at IS NULL AND NOT coalesce(l.hidden, false) AS live,
       coalesce(ov.value #>> '{}', p.name) AS name, p.name_search, p.code,
       coalesce((SELECT CASE WHEN x.data->>'CategoryCode' ~ '^[0-9]{1,18}$'
                        THEN (x.data->>'CategoryCode')::bigint END
                 FROM extra_data x WHERE x.item_type = 10202 AND x.deleted_at IS NULL
                   AND x.data->>'ProductCode' = coalesce(p.code, p.mahak_id::text)
                 ORDER BY x.row_version DESC LIMIT 1), p.category_id) AS category_id
FROM product p
LEFT JOIN product_listing l ON l.product_id = p.mahak_id
LEFT JOIN product_override ov ON ov.product_id = p.mahak_id AND ov.field = 'name'"""

_SOURCE = """CREATE OR REPLACE VIEW catalog_entry_source AS
SELECT c.product_id,
       c.live AND EXISTS (SELECT 1 FROM product_detail d JOIN catalog_live_link link
                            ON link.product_detail_id = d.mahak_id
                          WHERE d.product_id = c.product_id AND d.deleted_at IS NULL) AS listed,
       c.name, c.name_search, c.code, c.category_id
FROM catalog_product c"""


def upgrade() -> None:
    op.execute(_LIVE_LINK)
    op.execute(_PRODUCT)
    op.execute(_SOURCE)


def _previous_source() -> str:
    """``catalog_entry_source`` as migration 0007 created it."""
    path = Path(__file__).with_name("0007_catalog_entry.py")
    spec = importlib.util.spec_from_file_location("hamgam_migration_0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._SOURCE.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)


def downgrade() -> None:
    op.execute(_previous_source())
    op.execute("DROP VIEW catalog_product")
    op.execute("DROP VIEW catalog_live_link")

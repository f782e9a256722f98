"""staff overrides reach the storefront: searchable overrides, effective Mahak fields in ``catalog_product``

Staff could override a product's ``unit_name``, ``unit_name2``, ``mahak_description`` and ``tags``; the override
was saved and never shown, and an overridden name was shown but not found by search (``catalog_entry``'s
``name_search`` was Mahak's alone). Now:

- ``product_override.search``: the override's search key (``hamgam.domain.persian.normalize_text`` of the value,
  written by the service beside it) for the searched fields (name and tags); NULL for the others.
- ``catalog_product`` (migration 0013's listing rule) searches Mahak's name and code, and the name and tags
  overrides (``name_search``), and gains the effective ``unit_name``, ``unit_name2``, ``mahak_description`` and
  ``tags`` (the override, else Mahak's value) that the product page and the export read.
- ``catalog_entry`` (0007) is refreshed when a name or tags override changes (it was: a name override only), in
  the same transaction, by its trigger on ``product_override``.
- Mahak's own tags are searchable: the sync writes them into ``product.name_search``
  (``services/sync/transformer.py``); products already stored are rewritten here.

Revision ID: 0021
Revises: 0019
"""

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from alembic import op

from hamgam.domain.persian import normalize_text

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

#: Fields whose override is searched (its ``search`` key is kept).
SEARCHED = ("name", "tags")


def _effective(field: str) -> str:
    return (
        f"coalesce((SELECT o.value #>> '{{}}' FROM product_override o WHERE o.product_id = p.mahak_id "
        f"AND o.field = '{field}'), p.{field}) AS {field}"
    )


#: The 0013 view with the searched overrides in ``name_search`` and the effective fields at the end (a plain
#: view: a query that does not read a column does not compute it).
_PRODUCT = f"""CREATE OR REPLACE VIEW catalog_product AS
SELECT p.mahak_id AS product_id,
       p.deleted_at IS NULL AND NOT coalesce(l.hidden, false) AS live,
       coalesce(ov.value #>> '{{}}', p.name) AS name,
       concat_ws(' ', p.name_search, ov.search, ovt.search) AS name_search, p.code,
       coalesce((SELECT CASE WHEN x.data->>'CategoryCode' ~ '^[0-9]{{1,18}}$'
                        THEN (x.data->>'CategoryCode')::bigint END
                 FROM extra_data x WHERE x.item_type = 10202 AND x.deleted_at IS NULL
                   AND x.data->>'ProductCode' = coalesce(p.code, p.mahak_id::text)
                 ORDER BY x.row_version DESC LIMIT 1), p.category_id) AS category_id,
       {_effective("unit_name")},
       {_effective("unit_name2")},
       {_effective("mahak_description")},
       {_effective("tags")}
FROM product p
LEFT JOIN product_listing l ON l.product_id = p.mahak_id
LEFT JOIN product_override ov ON ov.product_id = p.mahak_id AND ov.field = 'name'
LEFT JOIN product_override ovt ON ovt.product_id = p.mahak_id AND ovt.field = 'tags'"""


def _migration(name: str) -> ModuleType:
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(f"hamgam_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _override_trigger(fields: tuple[str, ...], columns: str) -> str:
    """0007's trigger function on ``product_override``, refreshing the products whose ``fields`` overrides
    changed (in ``columns``)."""
    m0007 = _migration("0007_catalog_entry.py")
    key, _, _ = m0007._SOURCES["product_override"]
    listed = ", ".join(f"'{f}'" for f in fields)
    m0007._SOURCES["product_override"] = (key, columns, f"SELECT r.product_id FROM {{rows}} r WHERE r.field IN ({listed})")
    return m0007._trigger_function("product_override").replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _rewrite(select: str, update: str, key: str, compute: Callable[[Any], dict[str, Any]]) -> None:
    """Rewrite rows in batches of 2000 by key (``select`` takes ``:after``)."""
    conn = op.get_bind()
    after = -(2**63)
    while True:
        rows = conn.execute(sa.text(select), {"after": after}).mappings().all()
        if not rows:
            return
        conn.execute(sa.text(update), [compute(r) for r in rows])
        after = rows[-1][key]


def upgrade() -> None:
    op.execute("ALTER TABLE product_override ADD COLUMN search TEXT")
    op.execute(_PRODUCT)
    op.execute(_override_trigger(SEARCHED, "product_id, field, value, search"))
    # the overrides saved before: their search keys (the trigger refreshes their products' entries)
    conn = op.get_bind()
    saved = conn.execute(
        sa.text("SELECT product_id, field, value #>> '{}' AS value FROM product_override WHERE field IN ('name', 'tags')")
    ).mappings()
    keys = [{"p": r["product_id"], "f": r["field"], "s": normalize_text(r["value"] or "")} for r in saved]
    if keys:
        conn.execute(sa.text("UPDATE product_override SET search = :s WHERE product_id = :p AND field = :f"), keys)
    # Mahak's tags in the products' search keys, as the sync now writes them
    _rewrite(
        """SELECT mahak_id, name, code, tags FROM product WHERE mahak_id > :after AND coalesce(tags, '') <> ''
           ORDER BY mahak_id LIMIT 2000""",
        "UPDATE product SET name_search = :s WHERE mahak_id = :i",
        "mahak_id",
        lambda r: {"i": r["mahak_id"], "s": normalize_text(f"{r['name']} {r['code'] or ''} {r['tags']}")},
    )


def downgrade() -> None:
    m0013 = _migration("0013_listing_rule.py")
    op.execute("DROP VIEW catalog_entry_source")
    op.execute("DROP VIEW catalog_product")
    op.execute(m0013._PRODUCT)
    op.execute(m0013._SOURCE.replace("CREATE OR REPLACE VIEW", "CREATE VIEW", 1))
    op.execute(_override_trigger(("name",), "product_id, field, value"))
    op.execute("ALTER TABLE product_override DROP COLUMN search")

"""catalog_entry: the products the storefront lists, with their display name and category

The catalogue pages and search (``adapters/db/catalog_read.py``) decided, for every match, whether the product
is listed (live, not hidden, with a live detail that a live VisitorProduct link makes the site's), its category
(the newest live ExtraData 10202 link, else Mahak's ProductCategoryId) and its display name (a staff override,
else Mahak's), before they could order, count and page the matches: about 9 s for the home page's list at
1,000,000 products (BENCHMARKS.md "Store API"). ``catalog_entry`` holds one row per listed product with those
answers, indexed for the pages' orders, so a page reads its rows in order and stops, and counts by index.

The table is derived: statement-level triggers on every table the answers depend on recompute the entries of
the products a statement touched, in that statement's transaction (the sync upsert, staff edits, tests'
inserts alike). Price and stock are not kept here: they depend on the settings (price level, stock source)
and change with every reservation, so the pages still compute them, for the rows they show.

``catalog_entry_source`` is the rule itself (a view over every product); ``catalog_entry_refresh(ids)``
applies it to some products; ``catalog_entry_refresh_all()`` to all (after a bulk load with triggers off).
Refreshes take one advisory lock until commit (``LOCK_KEY``), so concurrent writers of related rows (a detail
and its VisitorProduct link in two sync batches) recompute one after the other, the later one seeing both
rows. Only inserts, deletes and changes of the columns listed in ``_SOURCES`` refresh anything: a sync that
moves prices and stock alone takes no lock.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The category of product ``p``. Migration 0013 moved the listing rule into ``catalog_product``, which both the
#: catalogue's reads and ``catalog_entry_source`` now use; this is the definition as it stood at 0007.
_CATEGORY = """coalesce((SELECT CASE WHEN x.data->>'CategoryCode' ~ '^[0-9]{1,18}$'
        THEN (x.data->>'CategoryCode')::bigint END
    FROM extra_data x WHERE x.item_type = 10202 AND x.deleted_at IS NULL
      AND x.data->>'ProductCode' = coalesce(p.code, p.mahak_id::text)
    ORDER BY x.row_version DESC LIMIT 1), p.category_id)"""

_SOURCE = f"""CREATE VIEW catalog_entry_source AS
SELECT p.mahak_id AS product_id,
       p.deleted_at IS NULL AND NOT coalesce(l.hidden, false)
         AND EXISTS (SELECT 1 FROM product_detail d
                     WHERE d.product_id = p.mahak_id AND d.deleted_at IS NULL
                       AND EXISTS (SELECT 1 FROM visitor_product vp
                                   WHERE vp.product_detail_id = d.mahak_id AND vp.deleted_at IS NULL)) AS listed,
       coalesce(ov.value #>> '{{}}', p.name) AS name, p.name_search, p.code,
       {_CATEGORY} AS category_id
FROM product p
LEFT JOIN product_listing l ON l.product_id = p.mahak_id
LEFT JOIN product_override ov ON ov.product_id = p.mahak_id AND ov.field = 'name'"""

_COLUMNS = "name, name_search, code, category_id"
_LISTED_FROM_SOURCE = f"SELECT s.product_id, s.{_COLUMNS.replace(', ', ', s.')} FROM catalog_entry_source s"
_UPSERT_CHANGED = f"""ON CONFLICT (product_id) DO UPDATE SET ({_COLUMNS}, updated_at) =
        (excluded.name, excluded.name_search, excluded.code, excluded.category_id, now())
    WHERE (catalog_entry.name, catalog_entry.name_search, catalog_entry.code, catalog_entry.category_id)
        IS DISTINCT FROM (excluded.name, excluded.name_search, excluded.code, excluded.category_id)"""

#: Taken (until commit) by every transaction that refreshes entries, before it reads anything: refreshes run
#: one after another, each seeing what the previous ones committed. Without it, a transaction adding a
#: product's detail and another adding that detail's VisitorProduct link, at the same time, would each miss
#: the other's row, and the product would stay unlisted. ("HAMGCAT" in ASCII.)
LOCK_KEY = 0x48414D47434154

#: A refresh (and a trigger) touches a few products among many: index probes are always the right plan. The
#: planner cannot know it during a sync, whose statistics lag the tables' growth: seeing 123 VisitorProduct rows
#: where 22,000 were, it hashed the whole table for each statement's EXISTS, and the initial sync went quadratic.
#: So the functions say it. (A whole refresh, ``catalog_entry_refresh_all``, keeps the planner's choice: there
#: hashing every link once is right.)
_INDEX_PLANS = "SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off"

_REFRESH = f"""CREATE FUNCTION catalog_entry_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql {_INDEX_PLANS} AS $$
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    DELETE FROM catalog_entry e WHERE e.product_id = ANY(ids)
        AND NOT EXISTS (SELECT 1 FROM catalog_entry_source s WHERE s.product_id = e.product_id AND s.listed);
    INSERT INTO catalog_entry (product_id, {_COLUMNS})
    {_LISTED_FROM_SOURCE} WHERE s.product_id = ANY(ids) AND s.listed
    {_UPSERT_CHANGED};
END $$"""

_REFRESH_ALL = f"""CREATE FUNCTION catalog_entry_refresh_all() RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock({LOCK_KEY});
    DELETE FROM catalog_entry e
        WHERE NOT EXISTS (SELECT 1 FROM catalog_entry_source s WHERE s.product_id = e.product_id AND s.listed);
    INSERT INTO catalog_entry (product_id, {_COLUMNS})
    {_LISTED_FROM_SOURCE} WHERE s.listed
    {_UPSERT_CHANGED};
$$"""

#: Per source table: its key, the columns the entries depend on (a change elsewhere, a new price or stock
#: figure, refreshes nothing), and the products that rows ``r`` of it concern.
_SOURCES = {
    "product": (
        "mahak_id",
        "mahak_id, name, name_search, code, category_id, deleted_at IS NULL",
        "SELECT r.mahak_id FROM {rows} r",
    ),
    "product_detail": ("mahak_id", "mahak_id, product_id, deleted_at IS NULL", "SELECT r.product_id FROM {rows} r"),
    "visitor_product": (
        "mahak_id",
        "mahak_id, product_detail_id, deleted_at IS NULL",
        "SELECT d.product_id FROM product_detail d WHERE d.mahak_id IN (SELECT r.product_detail_id FROM {rows} r)",
    ),
    "product_listing": ("product_id", "product_id, hidden", "SELECT r.product_id FROM {rows} r"),
    "product_override": (
        "product_id",
        "product_id, field, value",
        "SELECT r.product_id FROM {rows} r WHERE r.field = 'name'",
    ),
    "extra_data": (
        "mahak_id",
        "mahak_id, item_type, deleted_at IS NULL, row_version, data->>'ProductCode', data->>'CategoryCode'",
        "SELECT p.mahak_id FROM product p WHERE coalesce(p.code, p.mahak_id::text) IN "
        "(SELECT r.data->>'ProductCode' FROM {rows} r WHERE r.item_type = 10202)",
    ),
}

_EVENTS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def _trigger_function(table: str) -> str:
    """The statement trigger of ``table``: the keys of the rows it inserted, deleted, or changed in a column
    the entries depend on; if any, the lock, then the refresh of the products those rows (old and new) concern."""
    key, columns, products = _SOURCES[table]
    changed = (
        f"SELECT c.{key} FROM (SELECT {columns} FROM new_rows EXCEPT SELECT {columns} FROM old_rows) c "
        f"UNION SELECT c.{key} FROM (SELECT {columns} FROM old_rows EXCEPT SELECT {columns} FROM new_rows) c"
    )
    updated = (
        products.format(rows=f"(SELECT * FROM new_rows WHERE {key} = ANY(keys))")
        + "\n            UNION "
        + products.format(rows=f"(SELECT * FROM old_rows WHERE {key} = ANY(keys))")
    )
    return f"""CREATE FUNCTION catalog_entry_from_{table}() RETURNS trigger LANGUAGE plpgsql {_INDEX_PLANS} AS $$
DECLARE
    keys bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        keys := ARRAY(SELECT {key} FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        keys := ARRAY(SELECT {key} FROM old_rows);
    ELSE
        keys := ARRAY({changed});
    END IF;
    IF cardinality(keys) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    IF TG_OP = 'INSERT' THEN
        PERFORM catalog_entry_refresh(ARRAY({products.format(rows="new_rows")}));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM catalog_entry_refresh(ARRAY({products.format(rows="old_rows")}));
    ELSE
        PERFORM catalog_entry_refresh(ARRAY({updated}));
    END IF;
    RETURN NULL;
END $$"""


def upgrade() -> None:
    op.execute(
        """CREATE TABLE catalog_entry (
            product_id BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            name_search TEXT NOT NULL,
            code TEXT,
            category_id BIGINT,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )"""
    )
    op.execute(_SOURCE)
    op.execute(_REFRESH)
    op.execute(_REFRESH_ALL)
    op.execute("SELECT catalog_entry_refresh_all()")
    for index in _INDEXES:
        op.execute(index)
    for table in _SOURCES:
        op.execute(_trigger_function(table))
        for event, referencing in _EVENTS.items():
            op.execute(
                f"CREATE TRIGGER catalog_entry_{event} AFTER {event.upper()} ON {table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION catalog_entry_from_{table}()"
            )


#: The pages' orders (newest is the primary key's), a category's in each; search as on ``product``.
_INDEXES = (
    "CREATE INDEX ix_catalog_entry_name ON catalog_entry (name, product_id)",
    "CREATE INDEX ix_catalog_entry_category ON catalog_entry (category_id, product_id)",
    "CREATE INDEX ix_catalog_entry_category_name ON catalog_entry (category_id, name, product_id)",
    "CREATE INDEX ix_catalog_entry_name_search_trgm ON catalog_entry USING gin (name_search gin_trgm_ops)",
    "CREATE INDEX ix_catalog_entry_code_lower ON catalog_entry (lower(code))",
)


def downgrade() -> None:
    for table in _SOURCES:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER catalog_entry_{event} ON {table}")
        op.execute(f"DROP FUNCTION catalog_entry_from_{table}()")
    op.execute("DROP FUNCTION catalog_entry_refresh_all()")
    op.execute("DROP FUNCTION catalog_entry_refresh(bigint[])")
    op.execute("DROP VIEW catalog_entry_source")
    op.execute("DROP TABLE catalog_entry")

"""The sync's central invariant as one assertion: every synced table equals what Mahak holds.

Mahak's rows are read back through the simulator's control API, mapped with the same transformer the sync uses,
and compared column by column with the store (deleted rows included, with their delete flag).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from hamgam.adapters.db.upsert import MANAGED
from hamgam.adapters.mahak.paging import validate_row
from hamgam.adapters.mahak.wire import Entity
from hamgam.domain.sync.entities import SYNC_ORDER, SyncedEntity
from hamgam.services.sync.transformer import TransformContext, transform


def expected_rows(entity: SyncedEntity, raw_rows: list[dict[str, Any]], ctx: TransformContext) -> dict[int, dict]:
    parsed = [validate_row(Entity(entity.name), raw) for raw in raw_rows]
    valid = [row for row in parsed if not isinstance(row, Exception)]
    return {row["mahak_id"]: row for row in transform(entity.name, valid, ctx).rows}


async def store_rows(engine: Any, entity: SyncedEntity) -> dict[int, dict]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(f"SELECT * FROM {entity.table}"))).mappings()
        return {r["mahak_id"]: dict(r) for r in rows}


def differences(entity: SyncedEntity, expected: dict[int, dict], stored: dict[int, dict]) -> list[str]:
    problems = []
    for mahak_id in sorted(expected.keys() - stored.keys())[:5]:
        problems.append(f"{entity.name} {mahak_id}: missing in the store")
    for mahak_id in sorted(stored.keys() - expected.keys())[:5]:
        if stored[mahak_id]["deleted_at"] is None:
            problems.append(f"{entity.name} {mahak_id}: live in the store but unknown to Mahak")
    for mahak_id in sorted(expected.keys() & stored.keys()):
        want, have = expected[mahak_id], stored[mahak_id]
        if want["row_version"] != have["row_version"]:
            problems.append(f"{entity.name} {mahak_id}: row_version {have['row_version']} != {want['row_version']}")
        if want["deleted"] != (have["deleted_at"] is not None):
            problems.append(f"{entity.name} {mahak_id}: deleted {have['deleted_at'] is not None} != {want['deleted']}")
        for column, value in want.items():
            if column in MANAGED or column in {"deleted", "flagged_deleted"}:
                continue
            stored_value = have[column]
            if column.endswith("_date") and stored_value is not None:
                stored_value = stored_value.isoformat()
            if stored_value != value:
                problems.append(f"{entity.name} {mahak_id}.{column}: {stored_value!r} != {value!r}")
        if len(problems) > 20:
            break
    return problems


#: Lists Mahak filters to the token's visitor.
VISITOR_SCOPED = {"VisitorProduct", "VisitorPerson", "Order"}


async def assert_store_matches_mahak(
    container: Any,
    control: Any,
    ctx: TransformContext | None = None,
    entities: list[SyncedEntity] | None = None,
) -> None:
    """Compare every synced table with Mahak (visitor-scoped lists filtered to the site's visitor)."""
    ctx = ctx or TransformContext()
    visitor_id = (container.mahak.session or await container.mahak.login()).visitor_id
    problems: list[str] = []
    for entity in entities or SYNC_ORDER:
        raw = control.rows(entity.name)
        if entity.name in VISITOR_SCOPED:
            raw = [r for r in raw if r.get("VisitorId") == visitor_id]
        if entity.name == "OrderDetail":
            orders = {r["OrderId"] for r in control.rows("Order") if r.get("VisitorId") == visitor_id}
            raw = [r for r in raw if r.get("OrderId") in orders]
        expected = expected_rows(entity, raw, ctx)
        problems += differences(entity, expected, await store_rows(container.engine, entity))
    assert not problems, "store differs from Mahak:\n" + "\n".join(problems[:40])


async def store_offer(engine: Any, rules: Any) -> tuple[dict[int, float], set[int]]:
    """What the store sells: ``detail id -> Mahak stock`` of its sellable details, and the products its listing
    pages show (``catalog_entry``, kept by triggers)."""
    from hamgam.adapters.db.catalog_read import sellable_details

    async with engine.connect() as conn:
        details = {d.detail_id: d.stock_mahak for d in await sellable_details(conn, rules)}
        listed = set((await conn.execute(text("SELECT product_id FROM catalog_entry"))).scalars())
    return details, listed


async def offer_differences(container: Any, control: Any) -> dict[str, list[int]]:
    """How the store's offer differs from the simulator's own expectation of what the site may sell (contract §3:
    a live product, a live link row for the site's visitor): sellable details the store has and Mahak does not
    offer (``extra``), the reverse (``missing``), details with another stock (``stock``), and listed products
    (``catalog_entry``) that should not be (``extra_listed``) or should be (``missing_listed``)."""
    expected = control.site_offer()
    products = {r["ProductDetailId"]: r["ProductId"] for r in control.rows("ProductDetail", ids=list(expected))}
    details, listed = await store_offer(container.engine, container.settings.sync)
    offered_products = set(products.values())
    return {
        "extra": sorted(details.keys() - expected.keys()),
        "missing": sorted(expected.keys() - details.keys()),
        "stock": sorted(d for d in details.keys() & expected.keys() if details[d] != expected[d]),
        "extra_listed": sorted(listed - offered_products),
        "missing_listed": sorted(offered_products - listed),
    }


async def assert_store_offers_what_mahak_offers(container: Any, control: Any) -> None:
    """The store sells exactly what the simulator says the site may sell, with its stock, and lists exactly
    those products."""
    differences = await offer_differences(container, control)
    assert not any(differences.values()), "store offer differs from Mahak's: " + ", ".join(
        f"{len(ids)} {kind} {ids[:10]}" for kind, ids in differences.items() if ids
    )

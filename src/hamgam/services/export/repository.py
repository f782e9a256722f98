"""What the exporter reads and writes in PostgreSQL: one job with everything its request needs, and the
confirmations, refusals and final state it records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.domain.export import ClientKind, ItemError, JobStatus


@dataclass
class ClientRecord:
    kind: ClientKind
    local_key: str
    client_id: int
    mahak_id: int | None
    row_version: int | None
    code: str | None
    #: When the id first left, and the read-back cursor of its entity taken just before (None: never sent).
    sent_at: Any = None
    readback_from: int | None = None

    @property
    def confirmed(self) -> bool:
        return self.mahak_id is not None


@dataclass
class ExportBundle:
    """One job and everything its SaveAllData needs, read in one go."""

    job: dict[str, Any]
    order: dict[str, Any]
    customer: dict[str, Any]
    lines: list[dict[str, Any]]
    payment: dict[str, Any] | None
    records: dict[tuple[ClientKind, str], ClientRecord] = field(default_factory=dict)

    def record(self, kind: ClientKind, key: str) -> ClientRecord | None:
        return self.records.get((kind, key))

    def unconfirmed(self) -> list[ClientRecord]:
        return [r for r in self.records.values() if not r.confirmed]

    def maybe_in_mahak(self) -> list[ClientRecord]:
        """Unconfirmed records that may have reached Mahak: sent by this job, or by an earlier one (a customer's
        person and visitor link travel with the first order that needs them)."""
        sent_by_job = self.job.get("sent_at") is not None
        return [r for r in self.unconfirmed() if sent_by_job or r.sent_at is not None]


async def load(conn: AsyncConnection, job_id: int) -> ExportBundle | None:
    job = (await conn.execute(text("SELECT * FROM export_job WHERE id = :i"), {"i": job_id})).mappings().first()
    if job is None:
        return None
    order = (
        (await conn.execute(text("SELECT * FROM store_order WHERE id = :o"), {"o": job["order_id"]}))
        .mappings()
        .one()
    )
    customer = (
        (await conn.execute(text("SELECT * FROM customer WHERE id = :c"), {"c": order["customer_id"]}))
        .mappings()
        .one()
    )
    lines = (
        (
            await conn.execute(
                text("""SELECT l.product_detail_id, l.product_id, l.name, l.variant, l.quantity, l.unit_price_rial,
                               l.total_rial, l.tax_percent, l.charge_percent,
                               (d.mahak_id IS NOT NULL AND d.deleted_at IS NULL) AS detail_live
                        FROM order_line l
                        LEFT JOIN product_detail d ON d.mahak_id = l.product_detail_id
                        WHERE l.order_id = :o ORDER BY l.product_detail_id"""),
                {"o": job["order_id"]},
            )
        )
        .mappings()
        .all()
    )
    payment = (
        (
            await conn.execute(
                text("""SELECT amount_rial, ref_id, verified_at FROM payment
                        WHERE order_id = :o AND status = 'paid' LIMIT 1"""),
                {"o": job["order_id"]},
            )
        )
        .mappings()
        .first()
    )
    keys = [f"customer:{order['customer_id']}"]
    records = (
        (
            await conn.execute(
                text("""SELECT kind, local_key, client_id, mahak_id, row_version, mahak_code, sent_at, readback_from
                        FROM mahak_client_id
                        WHERE job_id = :j OR (kind IN ('person', 'visitor_person') AND local_key = ANY(:keys))"""),
                {"j": job_id, "keys": keys},
            )
        )
        .mappings()
        .all()
    )
    job = dict(job)
    if job["kind"] == "return":
        job["sale_code"] = await conn.scalar(
            text("SELECT mahak_order_code FROM export_job WHERE order_id = :o AND kind = 'sale'"),
            {"o": job["order_id"]},
        )
    bundle = ExportBundle(
        job, dict(order), dict(customer), [dict(r) for r in lines], dict(payment) if payment else None
    )
    for r in records:
        kind = ClientKind(r["kind"])
        bundle.records[(kind, r["local_key"])] = ClientRecord(
            kind, r["local_key"], r["client_id"], r["mahak_id"], r["row_version"], r["mahak_code"],
            r["sent_at"], r["readback_from"],
        )
    return bundle


async def readback_cursors(conn: AsyncConnection) -> dict[str, int]:
    """Per entity, a RowVersion below every row this export can create: the sync's cursor, or the newest row
    Mahak already confirmed to us, whichever is higher (taken before sending, so anything saved later is above)."""
    rows = await conn.execute(
        text("""SELECT e.entity, GREATEST(
                    COALESCE((SELECT row_version FROM sync_cursor c WHERE c.entity = e.entity), 0),
                    COALESCE((SELECT max(row_version) FROM mahak_client_id m WHERE m.kind = e.kind), 0)) AS rv
                FROM (VALUES ('Person', 'person'), ('VisitorPerson', 'visitor_person'), ('Order', 'order'),
                             ('OrderDetail', 'order_detail'), ('Receipt', 'receipt')) AS e(entity, kind)""")
    )
    return {r.entity: int(r.rv) for r in rows}


async def mark_sending(
    engine: AsyncEngine, job_id: int, request: dict[str, Any], sending: list[tuple[ClientKind, int]]
) -> None:
    """Committed before the request leaves: from now on a retry (or another job carrying one of the ``sending``
    client ids) reads back before it resends."""
    async with engine.begin() as conn:
        cursors = await readback_cursors(conn)
        await conn.execute(
            text("""UPDATE mahak_client_id m SET sent_at = COALESCE(m.sent_at, now()),
                        readback_from = COALESCE(m.readback_from, s.rv)
                    FROM unnest(CAST(:ids AS bigint[]), CAST(:rvs AS bigint[])) AS s(client_id, rv)
                    WHERE m.client_id = s.client_id"""),
            {"ids": [cid for _, cid in sending], "rvs": [cursors.get(kind.entity, 0) for kind, cid in sending]},
        )
        await conn.execute(
            text("""UPDATE export_job SET attempts = attempts + 1, sent_at = COALESCE(sent_at, now()),
                        readback_from = COALESCE(readback_from, CAST(:c AS jsonb)), request = CAST(:r AS jsonb),
                        updated_at = now() WHERE id = :i"""),
            {"i": job_id, "c": orjson.dumps(cursors).decode(), "r": orjson.dumps(request).decode()},
        )


async def confirm(conn: AsyncConnection, confirmed: dict[int, tuple[int, int | None, str | None]]) -> None:
    """Record Mahak's ids for client ids it holds (``client_id -> (mahak_id, row_version, code)``)."""
    for client_id, (mahak_id, row_version, code) in confirmed.items():
        await conn.execute(
            text("""UPDATE mahak_client_id SET mahak_id = :m, row_version = COALESCE(:rv, row_version),
                        mahak_code = COALESCE(:code, mahak_code), confirmed_at = COALESCE(confirmed_at, now())
                    WHERE client_id = :c"""),
            {"c": client_id, "m": mahak_id, "rv": row_version, "code": code},
        )


async def set_status(
    conn: AsyncConnection,
    job_id: int,
    status: JobStatus,
    *,
    error: str | None = None,
    items: list[ItemError] | None = None,
) -> None:
    await conn.execute(
        text("""UPDATE export_job SET status = :s, error = :e, errors = CAST(:items AS jsonb), updated_at = now()
                WHERE id = :i"""),
        {
            "i": job_id,
            "s": str(status),
            "e": error,
            "items": orjson.dumps([i.as_dict() for i in items]).decode() if items else None,
        },
    )


async def record_sent(conn: AsyncConnection, job_id: int, order: ClientRecord) -> None:
    await conn.execute(
        text("""UPDATE export_job SET status = 'sent', confirmed_at = now(), mahak_order_id = :m,
                    mahak_order_code = :code, mahak_order_row_version = :rv, error = NULL, errors = NULL,
                    updated_at = now() WHERE id = :i"""),
        {"i": job_id, "m": order.mahak_id, "code": order.code, "rv": order.row_version},
    )


async def live_person(conn: AsyncConnection, customer: dict[str, Any], match_by: list[str]) -> int | None:
    """A synced, live Mahak person matching the customer by the configured keys, in order."""
    for key in match_by:
        value = customer.get("mobile" if key == "mobile" else "national_code")
        if not value:
            continue
        found = await conn.scalar(
            text(f"""SELECT mahak_id FROM person WHERE deleted_at IS NULL AND {key} = :v
                     ORDER BY mahak_id LIMIT 1"""),
            {"v": value},
        )
        if found is not None:
            return int(found)
    return None


async def visitor_link_exists(conn: AsyncConnection, visitor_id: int, person_id: int) -> bool:
    return bool(
        await conn.scalar(
            text("""SELECT EXISTS (SELECT 1 FROM visitor_person WHERE visitor_id = :v AND person_id = :p
                    AND deleted_at IS NULL)"""),
            {"v": visitor_id, "p": person_id},
        )
    )


async def default_person_group(conn: AsyncConnection) -> int | None:
    value = await conn.scalar(
        text("SELECT min(mahak_id) FROM person_group WHERE deleted_at IS NULL")
    )
    return int(value) if value is not None else None


async def settings_value(conn: AsyncConnection, code: int) -> str | None:
    return await conn.scalar(
        text("SELECT value FROM setting WHERE code = :c AND deleted_at IS NULL ORDER BY mahak_id DESC LIMIT 1"),
        {"c": code},
    )


async def visitor_defaults(conn: AsyncConnection, visitor_id: int) -> dict[str, Any]:
    row = (
        (await conn.execute(text("SELECT store_code, cash_code FROM visitor WHERE mahak_id = :v"), {"v": visitor_id}))
        .mappings()
        .first()
    )
    return dict(row) if row else {}


async def live_stores(conn: AsyncConnection) -> list[tuple[int, str | None]]:
    rows = await conn.execute(text("SELECT mahak_id, code FROM store WHERE deleted_at IS NULL ORDER BY mahak_id"))
    return [(int(r.mahak_id), r.code) for r in rows]


async def store_stock(conn: AsyncConnection, detail_id: int, store_ids: list[int]) -> dict[int, float]:
    rows = await conn.execute(
        text("""SELECT store_id, count1 FROM product_detail_stock
                WHERE product_detail_id = :d AND store_id = ANY(:s) AND deleted_at IS NULL"""),
        {"d": detail_id, "s": store_ids},
    )
    return {int(r.store_id): float(r.count1 or 0) for r in rows}

"""Read-back: before resending anything that may have reached Mahak, ask Mahak what it holds under our client
ids (GetAllData from the cursor fixed before the first send, matched on client id and our SyncId). That covers
the job's own earlier attempts and the ids an earlier job sent (a customer's person and visitor link).

Parents first: details and the receipt can exist only if their order does, so they are looked for only then;
an order found names its person, so the people list is read only when no order was found.
"""

from __future__ import annotations

import structlog

from hamgam.domain.export import ClientKind
from hamgam.ports.export import Confirmed, ExportBundle, MahakForExport

log = structlog.get_logger(__name__)

#: ``client_id -> (mahak_id, row_version, code)``
Found = Confirmed


async def read_back(mahak: MahakForExport, bundle: ExportBundle, sync_id: int | None) -> Found:
    """What Mahak holds of the bundle's unconfirmed records; never sends anything."""
    cursors: dict[str, int] = dict(bundle.job.get("readback_from") or {})
    unconfirmed: dict[ClientKind, set[int]] = {}
    for record in bundle.maybe_in_mahak():
        unconfirmed.setdefault(record.kind, set()).add(record.client_id)
        if record.readback_from is not None:  # sent by another job: from below its own first send
            entity = record.kind.entity
            cursors[entity] = min(cursors.get(entity, record.readback_from), record.readback_from)
    found: Found = {}
    order_confirmed = not unconfirmed.get(ClientKind.ORDER)
    if ClientKind.ORDER in unconfirmed:
        orders = await _scan(mahak, ClientKind.ORDER, unconfirmed[ClientKind.ORDER], cursors, sync_id)
        found.update({cid: hit[:3] for cid, hit in orders.items()})
        order_confirmed = bool(orders)
        person_ids = {hit[3] for hit in orders.values() if hit[3]}
        for cid in unconfirmed.get(ClientKind.PERSON, ()):
            if len(person_ids) == 1:  # the order we sent names the person we sent with it
                found[cid] = (person_ids.pop(), None, None)
    for kind in (ClientKind.VISITOR_PERSON, ClientKind.ORDER_DETAIL, ClientKind.RECEIPT, ClientKind.PERSON):
        wanted = unconfirmed.get(kind, set()) - found.keys()
        if not wanted or (kind in (ClientKind.ORDER_DETAIL, ClientKind.RECEIPT) and not order_confirmed):
            continue
        found.update({cid: hit[:3] for cid, hit in (await _scan(mahak, kind, wanted, cursors, sync_id)).items()})
    log.info(
        "export.read_back",
        job_id=bundle.job["id"],
        found=len(found),
        unconfirmed=sum(len(v) for v in unconfirmed.values()),
    )
    return found


async def _scan(
    mahak: MahakForExport, kind: ClientKind, wanted: set[int], cursors: dict[str, int], sync_id: int | None
) -> dict[int, tuple[int, int | None, str | None, int | None]]:
    """Rows of ``kind`` after its read-back cursor whose client id is wanted (and created by our SyncId)."""
    hits: dict[int, tuple[int, int | None, str | None, int | None]] = {}
    async for page in mahak.iter_changes(kind.entity, int(cursors.get(kind.entity, 0))):
        for row in page.rows:
            client_id = getattr(row, f"{kind.value}_client_id", None)
            if client_id not in wanted or row.deleted:
                continue
            if sync_id is not None and row.create_sync_id not in (None, sync_id):
                continue  # another client's row that happens to use the same number
            code = getattr(row, f"{kind.value}_code", None)
            hits[client_id] = (
                getattr(row, f"{kind.value}_id"),
                row.row_version,
                str(code) if code else None,
                getattr(row, "person_id", None),
            )
        if len(hits) == len(wanted):
            break
    return hits

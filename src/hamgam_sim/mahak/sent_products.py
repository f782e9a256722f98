"""The desktop app's "sent products" list of one visitor (the site), changed in send/receive rounds.

A detail is on the list while at least one VisitorProduct link row ties it to the visitor with ``Deleted=false``
(contract §3). Taking it off logically deletes its live link (``Deleted=true``, a new RowVersion); putting it back
creates a new link row, so the old deleted one stays behind, as in Mahak. ``site_offer`` is the simulator's own
answer to "what may the site sell, and how many": the yardstick a store is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hamgam_sim.mahak.builder import DESKTOP_SYNC_ID
from hamgam_sim.mahak.clock import tehran_now
from hamgam_sim.mahak.reading import serve_row
from hamgam_sim.mahak.store import ChangeBatch, Database


@dataclass(frozen=True)
class Round:
    """One send/receive round's changes to the list: details taken off the site, and details put back on it."""

    take_off: list[int] = field(default_factory=list)
    put_back: list[int] = field(default_factory=list)


def send_receive(db: Database, batch: ChangeBatch, visitor_id: int, changes: Round) -> list[dict[str, Any]]:
    """Apply one round in ``batch``; returns the link rows it wrote, as served.

    Taking off a detail that is not on the list, or putting back one that is, changes nothing. A detail id that
    does not exist is a ``KeyError`` (nothing is changed).
    """
    details = db["ProductDetail"]
    unknown = sorted(d for d in {*changes.take_off, *changes.put_back} if details.get(d) is None)
    if unknown:
        raise KeyError(f"ProductDetail has no row(s) {unknown}")
    links = db["VisitorProduct"]
    index = links.entity.index
    now = tehran_now()
    written = []
    for detail_id in dict.fromkeys(changes.take_off):
        live = links.lookup("detail_visitor", (detail_id, visitor_id))
        if live is None:
            continue
        row = list(live)
        row[index["Deleted"]], row[index["UpdateDate"]] = True, now
        written.append(batch.put("VisitorProduct", tuple(row)))
    for detail_id in dict.fromkeys(changes.put_back):
        if links.lookup("detail_visitor", (detail_id, visitor_id)) is not None:
            continue
        values = dict(zip(links.entity.columns, links.entity.defaults, strict=True))
        row_id = links.next_id
        values.update(
            {
                "VisitorProductId": row_id,
                "VisitorProductClientId": row_id,
                "ProductDetailId": detail_id,
                "VisitorId": visitor_id,
                "Count1": _last_count(db, detail_id, visitor_id),
                "CreateDate": now,
                "UpdateDate": now,
                "CreateSyncId": DESKTOP_SYNC_ID,
                "UpdateSyncId": DESKTOP_SYNC_ID,
            }
        )
        written.append(batch.put("VisitorProduct", tuple(values[c] for c in links.entity.columns)))
    return [serve_row(links, row) for row in written]


def _last_count(db: Database, detail_id: int, visitor_id: int) -> float:
    """The visitor's count of a detail put back: its newest old link's, else the detail's own Count1."""
    links = db["VisitorProduct"]
    index = links.entity.index
    old = [
        row
        for row in links.rows.values()
        if row[index["ProductDetailId"]] == detail_id and row[index["VisitorId"]] == visitor_id
    ]
    if old:
        return float(max(old, key=lambda row: row[-1])[index["Count1"]])
    return float(db["ProductDetail"].value(db["ProductDetail"].get(detail_id), "Count1"))


def site_offer(db: Database, visitor_id: int) -> dict[int, float]:
    """``detail id -> the visitor's Count1`` of every detail the site may sell: its product is live and a live
    link row ties it to the visitor. The detail's own ``Deleted`` flag decides nothing (contract §3)."""
    links, details, products = db["VisitorProduct"], db["ProductDetail"], db["Product"]
    li, di, pi = links.entity.index, details.entity.index, products.entity.index
    offer: dict[int, tuple[int, float]] = {}
    for link in links.rows.values():
        if link[li["Deleted"]] or link[li["VisitorId"]] != visitor_id:
            continue
        detail = details.get(link[li["ProductDetailId"]])
        product = products.get(detail[di["ProductId"]]) if detail is not None else None
        if product is None or product[pi["Deleted"]]:
            continue
        kept = offer.get(detail[0])
        if kept is None or link[-1] > kept[0]:
            offer[detail[0]] = (link[-1], float(link[li["Count1"]]))
    return {detail_id: count for detail_id, (_, count) in sorted(offer.items())}

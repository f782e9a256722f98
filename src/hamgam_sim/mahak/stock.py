"""Stock movements caused by saved sales, applied at once or after N pulls (the desktop's delay)."""

from __future__ import annotations

from dataclasses import dataclass

from hamgam_sim.mahak.builder import DESKTOP_SYNC_ID
from hamgam_sim.mahak.clock import tehran_now
from hamgam_sim.mahak.store import ChangeBatch, Database

SALES_INVOICE = 201
SALES_RETURN = 202
PRO_FORMA = 299
#: Order types that move stock, with the sign of the movement.
STOCK_SIGN: dict[int, int] = {SALES_INVOICE: -1, SALES_RETURN: +1}


@dataclass(frozen=True)
class StockMove:
    """``count1`` units of a detail leave (negative) or enter (positive) one store for one visitor."""

    product_detail_id: int
    store_id: int
    visitor_id: int
    count1: float


class StockLedger:
    """Holds moves until they are due, then applies each due group as one change batch."""

    def __init__(self) -> None:
        self._pending: list[tuple[int, StockMove]] = []  # (due at pull number, move)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def schedule(self, moves: list[StockMove], *, due_at_pull: int) -> None:
        self._pending.extend((due_at_pull, move) for move in moves)

    def apply_due(self, db: Database, batch_factory, *, pulls_so_far: int) -> int:
        """Apply every move due by ``pulls_so_far`` in one new batch; returns how many were applied."""
        due = [move for at, move in self._pending if at <= pulls_so_far]
        if not due:
            return 0
        self._pending = [(at, move) for at, move in self._pending if at > pulls_so_far]
        apply_moves(db, batch_factory(), due)
        return len(due)


def apply_moves(db: Database, batch: ChangeBatch, moves: list[StockMove]) -> None:
    """Change ProductDetailStoreAsset, ProductDetail and VisitorProduct ``Count1`` for each move.

    A store with no asset row for the detail gets one (stock may go negative, as in Mahak).
    """
    now = tehran_now()
    for move in moves:
        assets = db["ProductDetailStoreAsset"]
        asset = assets.lookup("detail_store", (move.product_detail_id, move.store_id))
        if asset is None:
            fresh = dict(zip(assets.entity.columns, assets.entity.defaults, strict=True))
            row_id = assets.next_id
            fresh.update(
                ProductDetailStoreAssetId=row_id,
                ProductDetailStoreAssetClientId=row_id,
                ProductDetailId=move.product_detail_id,
                StoreId=move.store_id,
                CreateDate=now,
                CreateSyncId=DESKTOP_SYNC_ID,
                UpdateSyncId=DESKTOP_SYNC_ID,
            )
            asset = tuple(fresh[c] for c in assets.entity.columns)
        _add_count(db, batch, "ProductDetailStoreAsset", asset, move.count1, now)
        detail = db["ProductDetail"].get(move.product_detail_id)
        if detail is not None:
            _add_count(db, batch, "ProductDetail", detail, move.count1, now)
        link = db["VisitorProduct"].lookup("detail_visitor", (move.product_detail_id, move.visitor_id))
        if link is not None:
            _add_count(db, batch, "VisitorProduct", link, move.count1, now)


def _add_count(db: Database, batch: ChangeBatch, entity_name: str, row: tuple, delta: float, now: str) -> None:
    table = db[entity_name]
    index = table.entity.index
    values = list(row)
    values[index["Count1"]] = float(values[index["Count1"]]) + delta
    values[index["UpdateDate"]] = now
    batch.put(entity_name, tuple(values))

"""In-memory Mahak database: one table per entity and one RowVersion counter for all of them.

A table keeps ``id -> row tuple`` plus an append-only change log of ``(row_version, id)`` pairs. The
log is sorted because RowVersions only grow, so "rows changed after cursor X" is a bisect followed by a
scan; entries superseded by a later change of the same row are skipped lazily (the row's current
RowVersion no longer matches) and compacted away when they pile up. Paging a million rows therefore
costs only the page itself.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any

from hamgam_sim.mahak.entities import ENTITIES, Entity

#: First RowVersion of a fresh database: real Mahak counters are far above 2**31.
FIRST_ROW_VERSION = 3_000_000_000

Row = tuple[Any, ...]
KeyFn = Callable[[Row], Any]


class EntityTable:
    """Rows of one entity, with the change log that serves cursors and optional lookup indexes."""

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self.rows: dict[int, Row] = {}
        self._log_rv = array("q")
        self._log_id = array("q")
        self._dead_entries = 0
        self._rv_pos = len(entity.columns) - 1
        self._indexes: dict[str, tuple[KeyFn, dict[Any, int]]] = {}
        self._index_makers: dict[str, KeyFn] = {}
        self.next_id = 1

    def __len__(self) -> int:
        return len(self.rows)

    # -- reading ---------------------------------------------------------------------------------------
    def get(self, row_id: int) -> Row | None:
        return self.rows.get(row_id)

    def value(self, row: Row, column: str) -> Any:
        return row[self.entity.index[column]]

    def as_dict(self, row: Row) -> dict[str, Any]:
        return dict(zip(self.entity.columns, row, strict=True))

    def changed_since(
        self, cursor: int, *, inclusive: bool, limit: int | None, keep: Callable[[Row], bool] | None = None
    ) -> list[Row]:
        """Current rows whose RowVersion is ``> cursor`` (``>=`` if inclusive), in RowVersion order.

        ``keep`` filters rows without counting the rejected ones against ``limit``.
        """
        start = bisect_left(self._log_rv, cursor) if inclusive else bisect_right(self._log_rv, cursor)
        out: list[Row] = []
        rows, log_rv, log_id, rv_pos = self.rows, self._log_rv, self._log_id, self._rv_pos
        for pos in range(start, len(log_rv)):
            row = rows[log_id[pos]]
            if row[rv_pos] != log_rv[pos] or (keep is not None and not keep(row)):
                continue
            out.append(row)
            if limit is not None and len(out) >= limit:
                break
        return out

    def max_row_version(self) -> int:
        return self._log_rv[-1] if self._log_rv else 0

    # -- lookup indexes (built on first use, then maintained) ------------------------------------------
    def define_index(self, name: str, key: KeyFn) -> None:
        """Declare a unique lookup ``key(row) -> id``; it is built only when first queried."""
        self._index_makers[name] = key

    def lookup(self, index_name: str, key: Any) -> Row | None:
        if index_name not in self._indexes:
            make = self._index_makers[index_name]
            self._indexes[index_name] = (make, {make(row): row_id for row_id, row in self.rows.items()})
        row_id = self._indexes[index_name][1].get(key)
        return None if row_id is None else self.rows.get(row_id)

    # -- writing ---------------------------------------------------------------------------------------
    def put(self, row: Row, row_version: int | None) -> Row:
        """Store ``row`` (its id is column 0) stamped with ``row_version``.

        ``row_version=None`` is a silent edit: the row keeps its stored RowVersion and no log entry is
        written, so cursors do not see the change.
        """
        row_id = row[0]
        old = self.rows.get(row_id)
        if row_version is None:
            row_version = old[self._rv_pos] if old is not None else self.max_row_version()
            append = old is None
        else:
            append = old is None or old[self._rv_pos] != row_version
            if old is not None and append:
                self._dead_entries += 1
        row = (*row[: self._rv_pos], row_version)
        self.rows[row_id] = row
        self.next_id = max(self.next_id, row_id + 1)
        if append:
            self._append_log(row_version, row_id)
        for make, index in self._indexes.values():
            if old is not None:
                index.pop(make(old), None)
            index[make(row)] = row_id
        return row

    def load(self, rows: Iterable[Row]) -> None:
        """Bulk-insert freshly generated rows whose RowVersions are already set and ascending."""
        rows = list(rows)
        ids = list(map(itemgetter(0), rows))
        self.rows.update(zip(ids, rows, strict=True))
        self._log_rv.extend(array("q", map(itemgetter(self._rv_pos), rows)))
        self._log_id.extend(array("q", ids))
        if rows:
            self.next_id = max(self.next_id, max(self.rows) + 1)
        self._indexes.clear()

    def _append_log(self, row_version: int, row_id: int) -> None:
        if self._log_rv and row_version < self._log_rv[-1]:
            raise ValueError("RowVersions must not go backwards")
        self._log_rv.append(row_version)
        self._log_id.append(row_id)
        if self._dead_entries > 10_000 and self._dead_entries > len(self.rows):
            self._compact()

    def _compact(self) -> None:
        live = [
            (rv, rid) for rv, rid in zip(self._log_rv, self._log_id, strict=True) if self.rows[rid][self._rv_pos] == rv
        ]
        self._log_rv = array("q", (rv for rv, _ in live))
        self._log_id = array("q", (rid for _, rid in live))
        self._dead_entries = 0


class Database:
    """All tables of one Mahak database and its shared RowVersion counter."""

    def __init__(self, *, first_row_version: int = FIRST_ROW_VERSION) -> None:
        self.tables: dict[str, EntityTable] = {entity.name: EntityTable(entity) for entity in ENTITIES}
        self._next_rv = first_row_version
        _define_indexes(self)

    def __getitem__(self, entity_name: str) -> EntityTable:
        return self.tables[entity_name]

    def allocate_row_versions(self, count: int = 1) -> int:
        """Reserve ``count`` consecutive RowVersions and return the first."""
        first = self._next_rv
        self._next_rv += count
        return first

    @property
    def next_row_version(self) -> int:
        return self._next_rv

    def max_row_version(self) -> int:
        return max(table.max_row_version() for table in self.tables.values())

    def batch(self, *, per_row: bool) -> ChangeBatch:
        return ChangeBatch(self, per_row=per_row)


class ChangeBatch:
    """One server-side change: every row it stamps shares one RowVersion (or gets its own if per_row)."""

    def __init__(self, db: Database, *, per_row: bool) -> None:
        self._db = db
        self._per_row = per_row
        self._row_version: int | None = None

    def stamp(self) -> int:
        if self._per_row:
            return self._db.allocate_row_versions()
        if self._row_version is None:
            self._row_version = self._db.allocate_row_versions()
        return self._row_version

    def put(self, entity_name: str, row: Row) -> Row:
        return self._db[entity_name].put(row, self.stamp())


def iter_rows(table: EntityTable, *, live_only: bool) -> Iterator[Row]:
    """All rows of ``table`` in id order, optionally without logically deleted ones."""
    deleted_pos = table.entity.index["Deleted"]
    for row_id in sorted(table.rows):
        row = table.rows[row_id]
        if not (live_only and row[deleted_pos]):
            yield row


def _define_indexes(db: Database) -> None:
    """Lookups the save path and stock moves need; built lazily so a 1M-row load stays fast."""
    for table in db.tables.values():
        e = table.entity
        sync_pos, client_pos = e.index["CreateSyncId"], e.index[e.client_id_column]
        table.define_index("client", lambda r, s=sync_pos, c=client_pos: (r[s], r[c]))
    pos = db["ProductDetailStoreAsset"].entity.index
    db["ProductDetailStoreAsset"].define_index("detail_store", lambda r: (r[pos["ProductDetailId"]], r[pos["StoreId"]]))
    vp = db["VisitorProduct"].entity.index
    # A detail taken off a visitor's list and put back has an old deleted link row besides its live one: the
    # ``(detail, visitor)`` key names the live link; each deleted row keeps a key of its own.
    db["VisitorProduct"].define_index(
        "detail_visitor",
        lambda r: (r[vp["ProductDetailId"]], r[vp["VisitorId"]], *((r[0],) if r[vp["Deleted"]] else ())),
    )
    vpe = db["VisitorPerson"].entity.index
    db["VisitorPerson"].define_index("visitor_person", lambda r: (r[vpe["VisitorId"]], r[vpe["PersonId"]]))
    pic = db["Picture"].entity.index
    db["Picture"].define_index("file_name", lambda r: str(r[pic["FileName"]]).lower())
    gal = db["PhotoGallery"].entity.index
    # A picture's live gallery link (deleted links keep a key of their own, as VisitorProduct's do).
    db["PhotoGallery"].define_index("picture", lambda r: (r[gal["PictureId"]], *((r[0],) if r[gal["Deleted"]] else ())))

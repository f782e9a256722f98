"""Column-wise row building for the generator: seeded picks, RowVersion stamping, zipping into tuples.

Generating column lists with C-speed helpers and zipping them into row tuples is what keeps a
million-product database within seconds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import repeat
from typing import Any

from hamgam_sim.mahak.entities import ENTITY_BY_NAME
from hamgam_sim.mahak.store import Database, Row

DESKTOP_SYNC_ID = 1  #: CreateSyncId/UpdateSyncId of rows the desktop app created
MIX = 2_654_435_761  #: Knuth's multiplicative hash constant, spreads ids over variants


class RowVersionStamper:
    """Hands out initial RowVersions: one value per change batch of rows, or one value per row.

    Batch sizes vary around ``batch_rows`` (from half to one and a half times it), as the desktop
    app's send/receive batches do, so page edges fall inside groups of equal RowVersions.
    """

    def __init__(self, db: Database, batch_rows: int, per_row: bool, rnd: random.Random) -> None:
        self._db, self._per_row, self._rnd = db, per_row, rnd
        self._smallest, self._largest = max(1, batch_rows // 2), max(1, batch_rows + batch_rows // 2)

    def versions(self, count: int) -> list[int]:
        if self._per_row:
            first = self._db.allocate_row_versions(count)
            return list(range(first, first + count))
        sizes: list[int] = []
        covered = 0
        while covered < count:
            sizes.append(self._rnd.randint(self._smallest, self._largest))
            covered += sizes[-1]
        first = self._db.allocate_row_versions(len(sizes))
        # one int object per batch, shared by its rows: saves memory on a million-row load
        return [rv for rv, size in zip(range(first, first + len(sizes)), sizes, strict=True) for _ in range(size)][
            :count
        ]


class RowBuilder:
    """Zips column lists into entity row tuples and loads them into the database."""

    def __init__(self, db: Database, stamper: RowVersionStamper, rnd: random.Random, now: datetime) -> None:
        self.db, self.stamper, self.rnd = db, stamper, rnd
        self.dates = [(now - timedelta(days=d, minutes=7 * d)).strftime("%Y-%m-%dT%H:%M:%S") for d in range(256)]

    def pick(self, pool: Sequence[Any], count: int) -> list[Any]:
        """``count`` seeded picks from ``pool`` (at most 256 items); C-speed, unlike ``random.choices``."""
        by_byte = [pool[i % len(pool)] for i in range(256)]
        return list(map(by_byte.__getitem__, self.rnd.randbytes(count)))

    def load(self, entity_name: str, count: int, columns: dict[str, Sequence[Any] | Any]) -> list[int]:
        """Append ``count`` rows (ids continue the table's); list values are per row, others constant."""
        entity = ENTITY_BY_NAME[entity_name]
        first_id = self.db[entity_name].next_id
        ids = list(range(first_id, first_id + count))
        dates = self.pick(self.dates, count)
        base: dict[str, Any] = {
            entity.id_column: ids,
            entity.client_id_column: ids,
            "CreateDate": dates,
            "UpdateDate": dates,
            "CreateSyncId": DESKTOP_SYNC_ID,
            "UpdateSyncId": DESKTOP_SYNC_ID,
            "RowVersion": self.stamper.versions(count),
        }
        if entity.has_code:
            base[entity.code_column] = ids
        values = {**base, **columns}
        unknown = set(values) - set(entity.columns)
        if unknown:
            raise KeyError(f"{entity_name} has no column(s) {sorted(unknown)}")
        streams = []
        for column, default in zip(entity.columns, entity.defaults, strict=True):
            value = values.get(column, default)
            if isinstance(value, list):
                if len(value) != count:
                    raise ValueError(f"{entity_name}.{column}: {len(value)} values for {count} rows")
                streams.append(value)
            else:
                streams.append(repeat(value, count))
        rows: list[Row] = list(zip(*streams, strict=True))
        self.db[entity_name].load(rows)
        return ids

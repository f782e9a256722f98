"""A batch: one page of rows of one entity, as it travels from the fetcher to the worker pool.

Two encodings travel, told apart by ``version``: 1, store rows (mapped by the fetcher, as batches were first
sent); 2, Mahak's rows as validated, under their wire names, which the worker maps before its upsert (the
mapping's CPU then runs in the worker processes, beside the fetcher). A worker accepts both, so batches of
either kind waiting in the queue or the dead letters still apply after an upgrade; deploy the workers first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from hamgam.domain.errors import MalformedMessage
from hamgam.domain.sync.rejection import Rejection

#: ``Batch.version`` of store rows, mapped by the fetcher.
STORE_ROWS = 1
#: ``Batch.version`` of Mahak's validated rows, mapped by the worker.
MAHAK_ROWS = 2
_VERSIONS = (STORE_ROWS, MAHAK_ROWS)


@dataclass(frozen=True)
class Batch:
    """One page of rows. ``rows`` are dicts whose values are JSON types (dates as ISO strings): store rows ready
    to upsert (``version`` 1) or Mahak's rows under their wire names (``version`` 2, mapped by the worker)."""

    batch_id: int
    run_id: int
    entity: str
    rows: list[dict[str, Any]]
    #: A reconciliation batch may also fix rows whose RowVersion did not move (silent edits).
    reconcile: bool = False
    row_version_max: int = 0
    #: A rewind heal: Mahak was restored below what the store holds, so Mahak's row wins whatever its RowVersion.
    authoritative: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    version: int = STORE_ROWS
    #: Mahak rows (``version`` 2): the money unit the fetcher read them in (the merchant's setting at fetch time).
    money_unit: str | None = None
    #: Rows the worker's mapping rejected, recorded with the batch when it is applied (never encoded).
    rejected: tuple[Rejection, ...] = ()

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "batch_id": self.batch_id,
                "run_id": self.run_id,
                "entity": self.entity,
                "reconcile": self.reconcile,
                "row_version_max": self.row_version_max,
                "authoritative": self.authoritative,
                "version": self.version,
                "money_unit": self.money_unit,
                "rows": self.rows,
            }
        )

    @classmethod
    def decode(cls, body: bytes) -> Batch:
        """Parse a message body; a body that is not a batch raises ``MalformedMessage`` (permanent, and a
        ``ValueError``)."""
        try:
            data = orjson.loads(body)
            version = int(data.get("version", STORE_ROWS))
            if version not in _VERSIONS:
                raise MalformedMessage(f"a sync batch of version {version}, newer than this worker reads")
            return cls(
                batch_id=int(data["batch_id"]),
                run_id=int(data["run_id"]),
                entity=str(data["entity"]),
                rows=list(data["rows"]),
                reconcile=bool(data.get("reconcile", False)),
                row_version_max=int(data.get("row_version_max", 0)),
                authoritative=bool(data.get("authoritative", False)),
                version=version,
                money_unit=None if data.get("money_unit") is None else str(data["money_unit"]),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a JSON error is a ValueError
            raise MalformedMessage(f"not a sync batch: {exc}") from exc


@dataclass(frozen=True)
class ApplyCounts:
    """What applying a batch did to the store's rows."""

    inserted: int = 0
    updated: int = 0
    stale: int = 0
    deleted: int = 0

    def __add__(self, other: ApplyCounts) -> ApplyCounts:
        return ApplyCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.stale + other.stale,
            self.deleted + other.deleted,
        )

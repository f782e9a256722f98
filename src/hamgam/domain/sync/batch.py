"""A batch: one page of transformed rows of one entity, as it travels from the fetcher to the worker pool."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from hamgam.domain.errors import MalformedMessage


@dataclass(frozen=True)
class Batch:
    """Rows ready to upsert. ``rows`` are store-row dicts whose values are JSON types (dates as ISO strings)."""

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

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "batch_id": self.batch_id,
                "run_id": self.run_id,
                "entity": self.entity,
                "reconcile": self.reconcile,
                "row_version_max": self.row_version_max,
                "authoritative": self.authoritative,
                "rows": self.rows,
            }
        )

    @classmethod
    def decode(cls, body: bytes) -> Batch:
        """Parse a message body; a body that is not a batch raises ``MalformedMessage`` (permanent, and a
        ``ValueError``)."""
        try:
            data = orjson.loads(body)
            return cls(
                batch_id=int(data["batch_id"]),
                run_id=int(data["run_id"]),
                entity=str(data["entity"]),
                rows=list(data["rows"]),
                reconcile=bool(data.get("reconcile", False)),
                row_version_max=int(data.get("row_version_max", 0)),
                authoritative=bool(data.get("authoritative", False)),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
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

"""The cursor rule of contract §3/§7: walk one entity's changes without ever cutting a RowVersion group.

GetAllData has no continuation token: a page is "the lowest ``pageSize`` rows after the cursor", and many
rows share one RowVersion. Whether the server filters ``RowVersion > cursor`` or ``>= cursor`` is unknown,
so the walk is written to be right under both:

1. Sort each response by RowVersion and keep one copy per id, the one with the highest RowVersion.
2. A page that is not full is probably the end: every group in it is yielded. Because a server may cap pages
   below the asked size without saying so, one more request from just below its last RowVersion confirms it:
   a page with nothing new is the end (a run with no changes still costs one request).
3. A full page's last group (RowVersion ``L``) may be cut. Yield only the rows with RowVersion ``< L`` and
   fetch again from ``L - 1``: under ``>`` that returns the whole of group ``L``; under ``>=`` it may also
   return rows already yielded, which are skipped (an id comes again only if it now has a newer RowVersion,
   i.e. it changed between pages, and then its newer version is yielded).
4. If a full page holds nothing beyond what is already yielded but the last group, that group alone fills the
   page: ask again from the same cursor with twice the page size until it fits.

A group larger than a server's silent page cap cannot be read whole under ``>``: the doubling stops when the
page stops growing, the rows seen are yielded, and the periodic reconciliation from 0 is the safety net.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson
from pydantic import TypeAdapter, ValidationError

from hamgam.adapters.mahak.errors import ContractViolation
from hamgam.adapters.mahak.wire import CatalogueRow, Entity, RowValueError, WireRow, to_wire_rows

#: ``fetch(entity, from_version, page_size)`` returns the raw rows of one GetAllData response.
Fetch = Callable[[Entity, int, int], Awaitable[list[Any]]]


@dataclass(frozen=True, slots=True)
class ChangePage:
    """Rows of one entity whose RowVersion groups are complete, in RowVersion order.

    ``invalid`` holds the rows that failed validation (each a ``ContractViolation``, the raw row in ``.raw``)
    so the caller can isolate them while the valid rows go on. ``max_row_version`` is the cursor to store once
    this page (and every page before it) is committed: every change up to it has been yielded.
    """

    entity: Entity
    rows: list[WireRow]
    invalid: list[ContractViolation] = field(default_factory=list)
    max_row_version: int = 0

    def wire_rows(self) -> list[dict[str, Any]]:
        """The rows as JSON types under their wire names, as validated (``MahakRowReader`` reads them back)."""
        return to_wire_rows(self.rows)


class MahakRowReader:
    """``hamgam.ports.sync.MahakRows``: the rows of ``ChangePage.wire_rows`` back as typed rows, a page in one
    call; the first row that does not read raises its ``ContractViolation``."""

    def read(self, entity: str, rows: Sequence[Any]) -> list[WireRow]:
        typed: list[WireRow] = []
        for parsed in validate_rows(Entity(entity), list(rows)):
            if isinstance(parsed, ContractViolation):
                raise parsed
            typed.append(parsed)
        return typed


def validate_row(entity: Entity, raw: Any) -> WireRow | ContractViolation:
    """The typed row, or a ``ContractViolation`` naming entity, row id and the first offending wire field."""
    if not isinstance(raw, Mapping):
        return ContractViolation(entity.value, None, None, f"row is {type(raw).__name__}, not an object", raw)
    model = entity.model
    try:
        if issubclass(model, CatalogueRow):
            return msgspec.convert(raw, model, strict=False)
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        reason = first["msg"]
    except msgspec.ValidationError as error:
        where, reason = _msgspec_fault(error)
    row_id, _ = _identity(entity.id_field, raw)
    return ContractViolation(entity.value, row_id, where, reason, raw)


def validate_rows(entity: Entity, raw_rows: list[Any]) -> list[WireRow | ContractViolation]:
    """``validate_row`` of each row, in order; the whole list is validated in one call while every row is valid
    (the common case), and row by row only when some row is not."""
    try:
        if issubclass(entity.model, CatalogueRow):
            return list(msgspec.convert(raw_rows, _catalogue_list(entity), strict=False))
        return list(_list_adapter(entity).validate_python(raw_rows))
    except (ValidationError, msgspec.ValidationError):
        return [validate_row(entity, raw) for raw in raw_rows]


@functools.cache
def _list_adapter(entity: Entity) -> TypeAdapter[list[WireRow]]:
    # the entity's own row model, chosen at run time (mypy reads a subscript as a static type)
    return TypeAdapter(list[entity.model])  # type: ignore[name-defined]


@functools.cache
def _catalogue_list(entity: Entity) -> Any:
    return list[entity.model]  # type: ignore[name-defined]


def _msgspec_fault(error: msgspec.ValidationError) -> tuple[str | None, str]:
    """The wire field at fault and the reason, from msgspec's ``"reason - at `$.Field`"``."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, RowValueError):
        return cause.field, cause.reason
    message, _, path = str(error).rpartition(" - at `")
    if not message:
        message, path = str(error), ""
    parts = [part for part in path.rstrip("`").lstrip("$").split(".") if part and not part.startswith("[")]
    where = parts[0].split("[")[0] if parts else None
    if where is None and "missing required field `" in message:
        where = message.split("`")[1]
    return where, message


def parse_rows(entity: Entity, raw_rows: Iterable[Any]) -> list[WireRow]:
    """Validate every row strictly: the first bad one raises its ``ContractViolation``."""
    rows: list[WireRow] = []
    for raw in raw_rows:
        parsed = validate_row(entity, raw)
        if isinstance(parsed, ContractViolation):
            raise parsed
        rows.append(parsed)
    return rows


async def iter_changes(fetch: Fetch, entity: Entity, from_version: int, page_size: int) -> AsyncIterator[ChangePage]:
    """Yield every change of ``entity`` after ``from_version`` exactly once (see the module docstring).

    Pages with nothing new are not yielded; when nothing changed the iterator yields nothing at all.
    """
    cursor, ask = from_version, page_size
    id_field = entity.id_field
    yielded: dict[Hashable, int] = {}  # key -> RowVersion yielded; only entries that a refetch can return
    broken_seen: set[bytes] = set()
    pending_broken: list[ContractViolation] = []
    complete_through = from_version
    #: Rows a page held when its page size was doubled; a server cap stops the doubling.
    capped_at = 0
    while True:
        raw_rows = await fetch(entity, cursor, ask)
        full = len(raw_rows) >= ask
        latest: dict[Hashable, tuple[int, Any]] = {}
        for raw in raw_rows:
            row_id, row_version = _identity(id_field, raw)
            if row_version is None:
                fingerprint = _fingerprint(raw)
                if fingerprint not in broken_seen:
                    broken_seen.add(fingerprint)
                    pending_broken.append(_unplaceable(entity, raw, row_id))
                continue
            key: Hashable = row_id if row_id is not None else _fingerprint(raw)
            if key not in latest or latest[key][0] < row_version:
                latest[key] = (row_version, raw)

        last = max((row_version for row_version, _ in latest.values()), default=None)
        if full and last is not None:
            next_cursor = last - 1
            single_group = all(row_version == last for row_version, _ in latest.values())
            if (next_cursor <= cursor or single_group) and len(raw_rows) > capped_at:
                capped_at = len(raw_rows)
                ask *= 2  # one group fills the page: it must come whole
                continue
            boundary = None if single_group else last
        else:
            next_cursor, boundary = None, None

        fresh = sorted(
            (
                (row_version, key, raw)
                for key, (row_version, raw) in latest.items()
                # Everything at or below the cursor is complete and was yielded (or applied before this walk):
                # a ``>=`` server, or one that ignores the cursor, sends such rows again; they are not news.
                if cursor < row_version
                and (boundary is None or row_version < boundary)
                and yielded.get(key, -1) < row_version
            ),
            key=lambda item: item[0],
        )
        if next_cursor is None and fresh and last is not None:
            # A short page is the end only if the server did not cap it: ask once more from just below its last
            # RowVersion; a page with nothing new confirms the end (the rest of a cut group would be new).
            next_cursor = last - 1
        rows: list[WireRow] = []
        invalid, pending_broken = pending_broken, []
        for parsed in validate_rows(entity, [raw for _, _, raw in fresh]):
            if isinstance(parsed, ContractViolation):
                invalid.append(parsed)
            else:
                rows.append(parsed)
        for row_version, key, _ in fresh:
            yielded[key] = row_version
        if fresh:
            complete_through = max(complete_through, fresh[-1][0])
        if rows or invalid:
            yield ChangePage(entity, rows, invalid, complete_through)

        if next_cursor is None:
            return
        cursor, ask, capped_at = next_cursor, page_size, 0
        yielded = {key: row_version for key, row_version in yielded.items() if row_version >= cursor}


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _identity(id_field: str, raw: Any) -> tuple[int | None, int | None]:
    """The server id (wire field ``id_field``) and RowVersion of a raw row, or None where they are missing or
    unreadable."""
    if not isinstance(raw, Mapping):
        return None, None
    return _as_int(raw.get(id_field)), _as_int(raw.get("RowVersion"))


def _fingerprint(raw: Any) -> bytes:
    try:
        return orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return repr(raw).encode()


def _unplaceable(entity: Entity, raw: Any, row_id: int | None) -> ContractViolation:
    if isinstance(raw, Mapping):
        return ContractViolation(entity.value, row_id, "RowVersion", "missing or not an integer", raw)
    return ContractViolation(entity.value, None, None, f"row is {type(raw).__name__}, not an object", raw)

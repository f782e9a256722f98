"""Behaviour switches: every [guess] of the Mahak contract (§6) as a setting with its default."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from hamgam_sim.mahak.entities import ENTITY_BY_NAME

CursorFilter = Literal[">", ">="]


@dataclass
class Switches:
    """How the simulated Mahak behaves where the real one is unknown or unreliable.

    Defaults are the contract's defaults; tests flip one at a time through the control API.
    """

    #: ``">"`` returns rows after the cursor; ``">="`` also returns rows *at* the cursor again.
    cursor_filter: CursorFilter = ">"
    #: ``"batch"``: every row a change batch touches shares one RowVersion; ``"row"``: one value per row.
    row_version_mode: Literal["batch", "row"] = "batch"
    #: Largest page the server returns whatever ``pageSize`` asks for; ``None`` means no cap.
    page_size_cap: int | None = None
    #: Page size when the request names none; ``None`` returns everything (up to the cap).
    default_page_size: int | None = None
    #: Seconds a login token stays valid.
    token_lifetime_s: float = 10 * 3600
    #: Control-API updates change fields without bumping RowVersion (the desktop's silent edits).
    silent_edits: bool = False
    #: Live ProductDetail rows with ``id % 3 == 0`` are served with ``Deleted=true`` (link rows: see
    #: ``entities.NOISY_DELETE_ENTITIES``).
    noisy_child_deletes: bool = False
    #: Every 4th row of a page is served twice, the second copy with an older RowVersion.
    duplicate_rows: bool = False
    #: Saving an already-accepted client id: ``"update"`` the row, or ``"reject"`` the item.
    duplicate_client_id: Literal["update", "reject"] = "update"
    #: A sale's stock movement lands after this many GetAllData pulls; 0 means at once.
    stock_move_after_pulls: int = 0
    #: With ``stock_move_after_pulls`` 0: ``"later"`` moves the stock in a change batch of its own just after the
    #: save (a RowVersion above the invoice's); ``"same"`` moves it in the save's own batch, so the stock rows
    #: carry the invoice's RowVersion (one save is one change batch, contract §3).
    stock_move_batch: Literal["later", "same"] = "later"
    #: Rows within a page are shuffled instead of sorted by RowVersion.
    unsorted: bool = False
    #: Entities (e.g. ``["Bank"]``) this Mahak does not serve: their list is ``null`` even when the request sends
    #: their cursor, as on a Mahak whose version or package lacks them.
    unserved_lists: list[str] = field(default_factory=list)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply ``changes``; ``ValueError`` on an unknown switch or an invalid value."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown switch(es) {sorted(unknown)}; known: {sorted(known)}")
        candidate = Switches(**{**asdict(self), **changes})
        candidate.validate()
        for name in changes:
            setattr(self, name, getattr(candidate, name))

    def validate(self) -> None:
        choices = {
            "cursor_filter": (">", ">="),
            "row_version_mode": ("batch", "row"),
            "duplicate_client_id": ("update", "reject"),
            "stock_move_batch": ("later", "same"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}")
        for name in ("page_size_cap", "default_page_size"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive int or null")
        if not isinstance(self.stock_move_after_pulls, int) or self.stock_move_after_pulls < 0:
            raise ValueError("stock_move_after_pulls must be an int >= 0")
        if not isinstance(self.unserved_lists, list) or not all(
            isinstance(name, str) and name in ENTITY_BY_NAME for name in self.unserved_lists
        ):
            raise ValueError(f"unserved_lists must be a list of entity names, of: {sorted(ENTITY_BY_NAME)}")
        if self.token_lifetime_s <= 0:
            raise ValueError("token_lifetime_s must be > 0")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

"""The Mahak entities the store follows, in the order a sync cycle applies them.

Parents come before children (stores and categories before products, products before details and stock), so a
cycle leaves no child pointing at a parent the store has not seen yet.

The entities fall in two lanes. The *fresh* lane holds what a shopper sees change at once (prices and names on
``Product``, the variants, stock per warehouse, the visitor links) with their small parents; the *bulk* lane holds
the large entities that may take minutes to walk at scale (extra data, pictures, people, Mahak's own orders). The
scheduler runs the two lanes side by side and the worker applies their batches from separate topics, so a price
or stock change never waits behind a bulk entity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hamgam.domain.errors import PermanentError


class Lane(StrEnum):
    """The two lanes of a sync cycle (module docstring)."""

    FRESH = "fresh"
    BULK = "bulk"


@dataclass(frozen=True)
class SyncedEntity:
    """One Mahak entity and the store table that mirrors it."""

    #: Mahak's singular name, as in ``from<Name>Version`` (``Product``).
    name: str
    #: The store table (``product``).
    table: str
    #: In the bulk lane (``Lane.BULK``) rather than the fresh one.
    bulk: bool = False

    @property
    def lane(self) -> Lane:
        return Lane.BULK if self.bulk else Lane.FRESH


#: Every synced entity, parents first.
SYNC_ORDER: tuple[SyncedEntity, ...] = (
    SyncedEntity("Setting", "setting"),
    SyncedEntity("CostLevelName", "cost_level_name"),
    SyncedEntity("Store", "store"),
    SyncedEntity("Bank", "bank"),
    SyncedEntity("Region", "region"),
    SyncedEntity("Visitor", "visitor"),
    SyncedEntity("PropertyDescription", "property_description"),
    SyncedEntity("ProductCategory", "product_category"),
    SyncedEntity("Product", "product"),
    SyncedEntity("ProductDetail", "product_detail"),
    SyncedEntity("ProductDetailStoreAsset", "product_detail_stock"),
    SyncedEntity("VisitorProduct", "visitor_product"),
    SyncedEntity("ExtraData", "extra_data", bulk=True),
    SyncedEntity("Picture", "picture", bulk=True),
    SyncedEntity("PhotoGallery", "photo_gallery", bulk=True),
    SyncedEntity("PersonGroup", "person_group", bulk=True),
    SyncedEntity("Person", "person", bulk=True),
    SyncedEntity("PersonAddress", "person_address", bulk=True),
    SyncedEntity("VisitorPerson", "visitor_person", bulk=True),
    SyncedEntity("Order", "mahak_order", bulk=True),
    SyncedEntity("OrderDetail", "mahak_order_detail", bulk=True),
    SyncedEntity("Receipt", "receipt", bulk=True),
)

ENTITIES_BY_NAME: dict[str, SyncedEntity] = {e.name.lower(): e for e in SYNC_ORDER}


def lane_of(name: str) -> Lane:
    """The lane of the entity called ``name`` (Mahak's name); a name that is no synced entity is bulk."""
    entity = ENTITIES_BY_NAME.get(name.lower())
    return Lane.BULK if entity is None else entity.lane


def by_lane(entities: Sequence[SyncedEntity]) -> dict[Lane, list[SyncedEntity]]:
    """``entities`` split by lane, each in the order given (parents first stays parents first)."""
    lanes: dict[Lane, list[SyncedEntity]] = {}
    for entity in entities:
        lanes.setdefault(entity.lane, []).append(entity)
    return lanes


class UnknownEntity(PermanentError, KeyError):
    """A name that is no synced entity (a typo on the command line, an unknown entity in a request)."""

    def __str__(self) -> str:  # KeyError quotes its argument; this one is a sentence
        return str(self.args[0])


def entity_named(name: str) -> SyncedEntity:
    """Look an entity up by its Mahak name, its table name or a plural spelling, case-insensitively."""
    key = name.lower().replace("-", "").replace("_", "")
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es"), key.removesuffix("ies") + "y"):
        if candidate in ENTITIES_BY_NAME:
            return ENTITIES_BY_NAME[candidate]
    for entity in SYNC_ORDER:
        if entity.table.replace("_", "") == key:
            return entity
    known = ", ".join(e.name for e in SYNC_ORDER)
    raise UnknownEntity(f"unknown entity {name!r}; known: {known}")

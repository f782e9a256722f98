"""The Mahak entities the store follows, in the order a sync cycle applies them.

Parents come before children (stores and categories before products, products before details and stock), so a
cycle leaves no child pointing at a parent the store has not seen yet.

The entities fall in three lanes. The *fresh* lane holds what a shopper sees change at once (prices and names on
``Product``, the variants, stock per warehouse, the visitor links); the *reference* lane their small parents
(settings, price levels, warehouses, regions, visitors, categories…); the *bulk* lane the large entities that may
take minutes to walk at scale (extra data, pictures, people, Mahak's own orders). The scheduler runs the lanes side
by side and the worker applies the bulk lane's batches from a topic of their own, so a price or stock change never
waits behind a bulk entity, and a cycle of the fresh lane is four runs long.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hamgam.domain.errors import PermanentError


class Lane(StrEnum):
    """The lanes of a sync cycle (module docstring)."""

    FRESH = "fresh"
    REFERENCE = "reference"
    BULK = "bulk"


@dataclass(frozen=True)
class SyncedEntity:
    """One Mahak entity and the store table that mirrors it."""

    #: Mahak's singular name, as in ``from<Name>Version`` (``Product``).
    name: str
    #: The store table (``product``).
    table: str
    #: Its lane (module docstring).
    lane: Lane


#: Every synced entity, parents first.
SYNC_ORDER: tuple[SyncedEntity, ...] = (
    SyncedEntity("Setting", "setting", Lane.REFERENCE),
    SyncedEntity("CostLevelName", "cost_level_name", Lane.REFERENCE),
    SyncedEntity("Store", "store", Lane.REFERENCE),
    SyncedEntity("Bank", "bank", Lane.REFERENCE),
    SyncedEntity("Region", "region", Lane.REFERENCE),
    SyncedEntity("Visitor", "visitor", Lane.REFERENCE),
    SyncedEntity("PropertyDescription", "property_description", Lane.REFERENCE),
    SyncedEntity("ProductCategory", "product_category", Lane.REFERENCE),
    SyncedEntity("Product", "product", Lane.FRESH),
    SyncedEntity("ProductDetail", "product_detail", Lane.FRESH),
    SyncedEntity("ProductDetailStoreAsset", "product_detail_stock", Lane.FRESH),
    SyncedEntity("VisitorProduct", "visitor_product", Lane.FRESH),
    SyncedEntity("ExtraData", "extra_data", Lane.BULK),
    SyncedEntity("Picture", "picture", Lane.BULK),
    SyncedEntity("PhotoGallery", "photo_gallery", Lane.BULK),
    SyncedEntity("PersonGroup", "person_group", Lane.BULK),
    SyncedEntity("Person", "person", Lane.BULK),
    SyncedEntity("PersonAddress", "person_address", Lane.BULK),
    SyncedEntity("VisitorPerson", "visitor_person", Lane.BULK),
    SyncedEntity("Order", "mahak_order", Lane.BULK),
    SyncedEntity("OrderDetail", "mahak_order_detail", Lane.BULK),
    SyncedEntity("Receipt", "receipt", Lane.BULK),
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

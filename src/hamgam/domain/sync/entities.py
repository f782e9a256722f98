"""The Mahak entities the store follows, in the order a sync cycle applies them.

Parents come before children (stores and categories before products, products before details and stock), so a
cycle leaves no child pointing at a parent the store has not seen yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from hamgam.domain.errors import PermanentError


@dataclass(frozen=True)
class SyncedEntity:
    """One Mahak entity and the store table that mirrors it."""

    #: Mahak's singular name, as in ``from<Name>Version`` (``Product``).
    name: str
    #: The store table (``product``).
    table: str


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
    SyncedEntity("ExtraData", "extra_data"),
    SyncedEntity("Picture", "picture"),
    SyncedEntity("PhotoGallery", "photo_gallery"),
    SyncedEntity("PersonGroup", "person_group"),
    SyncedEntity("Person", "person"),
    SyncedEntity("PersonAddress", "person_address"),
    SyncedEntity("VisitorPerson", "visitor_person"),
    SyncedEntity("Order", "mahak_order"),
    SyncedEntity("OrderDetail", "mahak_order_detail"),
    SyncedEntity("Receipt", "receipt"),
)

ENTITIES_BY_NAME: dict[str, SyncedEntity] = {e.name.lower(): e for e in SYNC_ORDER}


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

"""Staff edits of products: what is refused, and that each change and its audit entry commit together."""

from __future__ import annotations

import pytest

from hamgam.domain.errors import Conflict, InvalidInput, NotFound
from hamgam.services.store.admin import AdminService
from tests.fakes.admin import AdminData

ACTOR = "admin:1"


@pytest.fixture
def data() -> AdminData:
    data = AdminData()
    for product_id, name in ((101, "پیراهن"), (102, "شلوار")):
        data.products[product_id] = {"product_id": product_id, "code": str(product_id), "name": name}
    return data


@pytest.fixture
def admin(data: AdminData) -> AdminService:
    return AdminService(data.uow)


async def test_a_listing_change_is_saved_and_audited(admin: AdminService, data: AdminData) -> None:
    product = await admin.update_listing(101, {"slug": "shirt", "hidden": True}, ACTOR)
    assert product["listing"]["slug"] == "shirt" and product["listing"]["hidden"] is True
    assert data.audit == [
        {"actor": ACTOR, "action": "product.listing", "target": "product:101",
         "details": {"slug": "shirt", "hidden": True}}
    ]  # fmt: skip


async def test_a_taken_slug_is_a_conflict_and_nothing_is_written(admin: AdminService, data: AdminData) -> None:
    await admin.update_listing(101, {"slug": "shirt"}, ACTOR)
    with pytest.raises(Conflict) as refused:
        await admin.update_listing(102, {"slug": "shirt", "featured": True}, ACTOR)
    assert refused.value.details == {"field": "slug"}
    assert 102 not in data.listings and len(data.audit) == 1


async def test_unknown_products_and_fields_are_refused(admin: AdminService, data: AdminData) -> None:
    with pytest.raises(NotFound):
        await admin.update_listing(999, {"hidden": True}, ACTOR)
    with pytest.raises(InvalidInput):
        await admin.update_listing(101, {"price": 1}, ACTOR)
    with pytest.raises(InvalidInput):
        await admin.set_override(101, "prices_rial", 1, ACTOR)
    assert data.audit == []


async def test_clearing_an_override_resolves_its_conflicts(admin: AdminService, data: AdminData) -> None:
    data.conflicts[7] = {"product_id": 101, "field": "name", "resolved": False}
    await admin.set_override(101, "name", "پیراهن مردانه", ACTOR)
    product = await admin.clear_override(101, "name", ACTOR)
    assert product["overrides"] == [] and product["conflicts"][0]["resolved"] is True
    assert [e["action"] for e in data.audit] == ["product.override.set", "product.override.clear"]
    with pytest.raises(NotFound):
        await admin.clear_override(101, "name", ACTOR)


async def test_a_conflict_is_resolved_once(admin: AdminService, data: AdminData) -> None:
    data.conflicts[7] = {"product_id": 101, "field": "name", "resolved": False}
    await admin.resolve_conflict(7, ACTOR)
    with pytest.raises(NotFound):
        await admin.resolve_conflict(7, ACTOR)
    assert [e["target"] for e in data.audit] == ["sync_conflict:7"]


async def test_the_product_list_filters_by_visibility_newest_first(admin: AdminService) -> None:
    await admin.update_listing(101, {"hidden": True}, ACTOR)
    shown, total = await admin.list_products(q=None, hidden=False, offset=0, limit=10)
    every, _ = await admin.list_products(q=None, hidden=None, offset=0, limit=10)
    assert [p["product_id"] for p in shown] == [102] and total == 1
    assert [p["product_id"] for p in every] == [102, 101]


async def test_a_searched_override_carries_its_search_key(admin: AdminService, data: AdminData) -> None:
    # when staff override the name (searched, written with Arabic yeh) and the unit (not searched)
    await admin.set_override(101, "name", "پيراهن مردانه", ACTOR)
    await admin.set_override(101, "unit_name", "بسته", ACTOR)
    # then the name's search key is normalised as the storefront's queries are; the unit has none
    assert data.overrides[(101, "name")]["search"] == "پیراهن مردانه"
    assert data.overrides[(101, "unit_name")]["search"] is None


async def test_a_bulk_action_changes_the_chosen_products_once_and_audits_each(
    admin: AdminService, data: AdminData
) -> None:
    data.listings[102] = {"hidden": True}
    # when staff hide both products (one already hidden) and an unknown one
    assert await admin.bulk_listing([101, 102, 999, 101], "hide", ACTOR) == 1
    # then only the product that changed is audited; featuring both changes both
    assert [(e["target"], e["details"]) for e in data.audit] == [("product:101", {"hidden": True, "bulk": "hide"})]
    assert await admin.bulk_listing([101, 102], "feature", ACTOR) == 2
    assert data.listings[101] == {"hidden": True, "featured": True}
    assert await admin.bulk_listing([102], "show", ACTOR) == 1 and data.listings[102]["hidden"] is False
    # an unknown action or no product is refused, and nothing is written
    before = len(data.audit)
    for ids, action in (([101], "delete"), ([], "hide")):
        with pytest.raises(InvalidInput):
            await admin.bulk_listing(ids, action, ACTOR)
    assert len(data.audit) == before

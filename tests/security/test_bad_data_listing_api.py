"""The listing PATCH refuses nulls where a field has no "cleared" state, clears where it has one, and answers a
duplicate slug with 409; every admin body model is checked for fields that are nullable by accident."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hamgam.entrypoints.api.schemas import (
    DeadLetterBodyIn,
    DisabledIn,
    ListingIn,
    OrderStatusIn,
    OverrideIn,
    RoleIn,
    SyncRunIn,
)
from tests.api.conftest import Api
from tests.web.conftest import Web, web  # noqa: F401  (fixture)

LISTING = "/api/v1/admin/products/{}/listing"


async def _staff(web: Web) -> dict[str, str]:  # noqa: F811
    return await Api(web.http, web.container).login("09120000009", role="staff")


@pytest.mark.parametrize("field", ["images", "hidden", "featured"])
async def test_update_listing_null_refused_where_not_clearable(web: Web, field: str) -> None:  # noqa: F811
    # given
    headers = await _staff(web)
    # when
    response = await web.http.patch(LISTING.format(103), json={field: None}, headers=headers)
    # then: a 422 naming the field, nothing stored, and every page still renders
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    async with web.container.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM product_listing WHERE product_id = 103")) == 0
    for path in ("/", "/product/103", "/category/2", "/search?q=کتری"):
        assert (await web.http.get(path)).status_code == 200, path


async def test_update_listing_null_clears_text_fields(web: Web) -> None:  # noqa: F811
    # given
    headers = await _staff(web)
    filled = {"slug": "kettle", "description": "d", "seo_title": "t", "seo_description": "s"}
    assert (await web.http.patch(LISTING.format(103), json=filled, headers=headers)).status_code == 200
    # when
    response = await web.http.patch(LISTING.format(103), json=dict.fromkeys(filled), headers=headers)
    # then
    assert response.status_code == 200, response.text
    assert {k: response.json()["listing"][k] for k in filled} == dict.fromkeys(filled)


async def test_update_listing_duplicate_slug_is_conflict(web: Web) -> None:  # noqa: F811
    # given
    headers = await _staff(web)
    assert (await web.http.patch(LISTING.format(101), json={"slug": "shirt"}, headers=headers)).status_code == 200
    # when
    response = await web.http.patch(LISTING.format(102), json={"slug": "shirt"}, headers=headers)
    # then
    assert response.status_code == 409, response.text
    assert response.json()["error"]["field"] == "slug"
    async with web.container.engine.connect() as conn:
        assert await conn.scalar(text("SELECT slug FROM product_listing WHERE product_id = 102")) is None


async def test_update_listing_page_duplicate_slug_is_conflict(web: Web) -> None:  # noqa: F811
    # given
    await web.login_staff()
    await web.container.store.admin.update_listing(101, {"slug": "shirt"}, "test")
    # when
    response = await web.post("/admin/products/102/listing", {"slug": "shirt"}, from_page="/admin/products/102")
    # then
    assert response.status_code == 409
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize(
    "changes",
    [{"images": None}, {"hidden": None}, {"featured": None}, {"images": {"url": "x"}}, {"images": [1]}],
)
async def test_update_listing_service_refuses_bad_values(web: Web, changes: dict) -> None:  # noqa: F811
    # given: a caller that skips the API model (the pages, a job)
    from hamgam.domain.errors import InvalidInput

    # when / then
    with pytest.raises(InvalidInput) as refused:
        await web.container.store.admin.update_listing(103, changes, "test")
    assert refused.value.field == next(iter(changes))


@pytest.mark.parametrize(
    "model", [ListingIn, OverrideIn, OrderStatusIn, RoleIn, DisabledIn, DeadLetterBodyIn, SyncRunIn]
)
def test_admin_bodies_nullable_only_where_null_means_clear(model: type) -> None:
    # a field may accept null only if null has a meaning: clearing a text field, "no reason given", "every entity"
    meant = {"slug", "description", "seo_title", "seo_description", "reason", "entity"}
    for name, field in model.model_fields.items():
        schema = model.model_json_schema()["properties"][name]
        nullable = any(option.get("type") == "null" for option in schema.get("anyOf", []))
        assert not nullable or name in meant, (model.__name__, name, field)

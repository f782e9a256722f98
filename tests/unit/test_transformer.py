"""The transformer maps typed Mahak rows to store rows and isolates the ones that break a rule."""

from __future__ import annotations

from hamgam.adapters.mahak.paging import validate_row
from hamgam.adapters.mahak.wire import Entity
from hamgam.services.sync.transformer import TransformContext, transform
from hamgam.settings import MoneyUnit


def detail(**fields):
    raw = {
        "ProductDetailId": 7,
        "ProductId": 3,
        "RowVersion": 3_000_000_001,
        **{f"Price{n}": 0 for n in range(1, 11)},
        "Price1": 1_250_000,
        "Price2": 990_000,
        "DefaultSellPriceLevel": -1,
        "Count1": -3,
        "Properties": '[{"C": 1, "V": "قرمز"}]',
        **fields,
    }
    return validate_row(Entity.PRODUCT_DETAIL, raw)


def test_transform_product_detail_maps_prices_levels_and_properties() -> None:
    (row,) = transform("ProductDetail", [detail()], TransformContext()).rows
    assert row["prices_rial"][:3] == [1_250_000, 990_000, 0]
    assert row["default_price_level"] == 1  # Mahak's −1 means level 1
    assert row["properties"] == [{"code": 1, "value": "قرمز"}]
    assert row["count1"] == -3.0  # negative stock is kept as sent
    assert row["row_version"] == 3_000_000_001


def test_transform_converts_toman_database_to_rial() -> None:
    (row,) = transform("ProductDetail", [detail()], TransformContext(money_unit=MoneyUnit.TOMAN)).rows
    assert row["prices_rial"][0] == 12_500_000


def test_transform_product_normalises_search_name_for_every_spelling() -> None:
    arabic = validate_row(
        Entity.PRODUCT, {"ProductId": 1, "RowVersion": 5, "Name": "كيك شكلاتي ٢٠٠ گرمی", "ProductCode": 12}
    )
    persian = validate_row(
        Entity.PRODUCT, {"ProductId": 2, "RowVersion": 5, "Name": "کیک شکلاتی ۲۰۰ گرمی", "ProductCode": 12}
    )
    rows = transform("Product", [arabic, persian], TransformContext()).rows
    assert rows[0]["name_search"] == rows[1]["name_search"]
    assert "200" in rows[0]["name_search"]
    assert rows[0]["name"] == "كيك شكلاتي ٢٠٠ گرمی"  # display text stays as Mahak sent it


def test_transform_isolates_a_row_without_name_and_keeps_the_rest() -> None:
    good = validate_row(Entity.PRODUCT, {"ProductId": 1, "RowVersion": 5, "Name": "چای"})
    nameless = validate_row(Entity.PRODUCT, {"ProductId": 2, "RowVersion": 6, "Name": "  "})
    result = transform("Product", [good, nameless], TransformContext())
    assert [r["mahak_id"] for r in result.rows] == [1]
    (rejected,) = result.rejected
    assert (rejected.entity, rejected.mahak_id, rejected.field, rejected.reason) == (
        "Product",
        2,
        "Name",
        "missing",
    )
    assert rejected.raw["ProductId"] == 2


def test_transform_person_normalises_mobile_but_keeps_unparseable() -> None:
    people = [
        validate_row(Entity.PERSON, {"PersonId": 1, "RowVersion": 1, "Mobile": "+98 912 123 4567"}),
        validate_row(Entity.PERSON, {"PersonId": 2, "RowVersion": 1, "Mobile": "۰۹۱۲۱۲۳۴۵۶۷"}),
        validate_row(Entity.PERSON, {"PersonId": 3, "RowVersion": 1, "Mobile": "unknown"}),
    ]
    rows = transform("Person", people, TransformContext()).rows
    assert [r["mobile"] for r in rows] == ["09121234567", "09121234567", "unknown"]

"""The transformer maps typed Mahak rows to store rows and isolates the ones that break a rule."""

from __future__ import annotations

import pytest

from hamgam.adapters.mahak.paging import MahakRowReader, validate_row
from hamgam.adapters.mahak.wire import Entity
from hamgam.domain.errors import MalformedMessage
from hamgam.domain.sync.batch import MAHAK_ROWS, STORE_ROWS, Batch
from hamgam.services.sync.transformer import TransformContext, map_batch, transform
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


def _mahak_batch(entity: Entity, raw_rows: list[dict], money_unit: str) -> Batch:
    """A batch as the fetcher publishes it: Mahak's rows as validated, under their wire names."""
    rows = [validate_row(entity, raw).to_wire() for raw in raw_rows]
    return Batch(5, 2, entity.value, rows, row_version_max=9, version=MAHAK_ROWS, money_unit=money_unit)


def test_map_batch_maps_mahak_rows_in_the_money_unit_they_were_fetched_in() -> None:
    # given a page published by the fetcher of a Toman database, through the queue
    sent = _mahak_batch(Entity.PRODUCT_DETAIL, [{**detail().to_wire(), "Price1": 1_250_000}], "toman")
    received = Batch.decode(sent.encode())
    # when
    mapped = map_batch(received, MahakRowReader())
    # then
    assert (mapped.version, mapped.batch_id, mapped.run_id, mapped.row_version_max) == (STORE_ROWS, 5, 2, 9)
    (row,) = mapped.rows
    assert row["prices_rial"][:2] == [12_500_000, 9_900_000]
    assert row["properties"] == [{"code": 1, "value": "قرمز"}]
    assert row["flagged_deleted"] is False and mapped.rejected == ()


def test_map_batch_isolates_a_row_without_name_and_passes_store_rows_as_they_are() -> None:
    # given
    products = [
        {"ProductId": 1, "Name": "چای", "RowVersion": 8},
        {"ProductId": 2, "Name": "   ", "RowVersion": 9},
    ]
    store_rows = Batch(6, 2, "Product", [{"mahak_id": 1, "row_version": 8}])
    # when
    mapped = map_batch(Batch.decode(_mahak_batch(Entity.PRODUCT, products, "rial").encode()), MahakRowReader())
    # then
    assert [row["mahak_id"] for row in mapped.rows] == [1]
    (rejected,) = mapped.rejected
    assert (rejected.mahak_id, rejected.row_version, rejected.field) == (2, 9, "Name")
    assert rejected.raw["ProductId"] == 2
    assert map_batch(Batch.decode(store_rows.encode()), MahakRowReader()) == store_rows


def test_a_batch_of_an_unknown_version_is_malformed() -> None:
    body = (
        Batch(6, 2, "Product", [{"mahak_id": 1}], version=MAHAK_ROWS).encode().replace(b'"version":2', b'"version":3')
    )
    with pytest.raises(MalformedMessage):
        Batch.decode(body)

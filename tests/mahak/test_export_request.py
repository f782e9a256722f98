"""The export's SaveAllData records (``ports.export``) become the same wire request as Mahak's own models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from hamgam.adapters.mahak import calls
from hamgam.adapters.mahak.export import MahakExportClient, save_all_request
from hamgam.adapters.mahak.wire import Entity
from hamgam.ports import export

PAID = datetime(2024, 3, 20, 7, 0, tzinfo=UTC)


def test_records_go_out_as_the_wire_models_send_them() -> None:
    # given: one record of every list, children naming parents by client id, and None fields
    records = export.SaveAllData(
        people=[export.PersonSave(person_client_id=1, person_group_id=4, first_name="علی", mobile="09121112233")],
        visitor_people=[export.VisitorPersonSave(visitor_person_client_id=2, visitor_id=3, person_client_id=1)],
        orders=[
            export.OrderSave(
                order_client_id=11,
                visitor_id=3,
                order_date=PAID,
                person_client_id=1,
                send_cost=Decimal(50000),
                other_cost=Decimal(3),
                shipping_address='{"title": "x"}',
            )
        ],
        order_details=[
            export.OrderDetailSave(
                order_detail_client_id=12,
                order_client_id=11,
                product_detail_id=5,
                store_id=1,
                price=Decimal(125000),
                count1=Decimal("1.5"),
                tax_percent=Decimal(10),
                row_id=1,
            )
        ],
        receipts=[
            export.ReceiptSave(
                receipt_client_id=13, cash_amount=Decimal(130000), order_client_id=11, date=PAID, tracking_code="7"
            )
        ],
    )
    wire_models = calls.SaveAllDataRequest(
        people=[calls.PersonSave(person_client_id=1, person_group_id=4, first_name="علی", mobile="09121112233")],
        visitor_people=[calls.VisitorPersonSave(visitor_person_client_id=2, visitor_id=3, person_client_id=1)],
        orders=[
            calls.OrderSave(
                order_client_id=11,
                visitor_id=3,
                order_date=PAID,
                person_client_id=1,
                send_cost=Decimal(50000),
                other_cost=Decimal(3),
                shipping_address='{"title": "x"}',
            )
        ],
        order_details=[
            calls.OrderDetailSave(
                order_detail_client_id=12,
                order_client_id=11,
                product_detail_id=5,
                store_id=1,
                price=Decimal(125000),
                count1=Decimal("1.5"),
                tax_percent=Decimal(10),
                row_id=1,
            )
        ],
        receipts=[
            calls.ReceiptSave(
                receipt_client_id=13, cash_amount=Decimal(130000), order_client_id=11, date=PAID, tracking_code="7"
            )
        ],
    )
    # when
    body = save_all_request(records).to_wire()
    # then: same keys in the same order, same values
    assert list(body) == list(wire_models.to_wire())
    assert body == wire_models.to_wire()
    assert body["orders"][0]["orderDate"] == "2024-03-20T10:30:00"
    assert body["people"][0] == {
        "personClientId": 1,
        "personGroupId": 4,
        "personType": 0,
        "firstName": "علی",
        "mobile": "09121112233",
    }
    assert "personAddresses" not in body  # empty lists are not sent


def test_empty_records_send_nothing() -> None:
    assert save_all_request(export.SaveAllData()).to_wire() == {}


def test_entities_are_named_as_mahak_names_them() -> None:
    # given: a client that records what it is asked
    asked: list[tuple[Entity, int]] = []

    class Client:
        session = None

        def iter_changes(self, entity: Entity, from_version: int = 0) -> object:
            asked.append((entity, from_version))
            return SimpleNamespace()

    mahak = MahakExportClient(Client())  # type: ignore[arg-type]  # a stand-in for the HTTP client
    # when
    mahak.iter_changes("OrderDetail", 42)
    # then
    assert asked == [(Entity.ORDER_DETAIL, 42)]
    assert mahak.session is None

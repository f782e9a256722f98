"""The JSON API after the purchase: staff ship with carrier and tracking code; the buyer reads the buyer's state
and the shipment, and downloads their invoice."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.test_gateway import _order


async def test_staff_ship_through_the_api_and_the_buyer_reads_state_and_tracking(api: Api) -> None:
    buyer = await api.login("09120000001")
    staff = await api.login("09120000009", role="staff")
    order_id = await _order(api, buyer)
    # an unpaid order has no invoice and cannot be shipped
    assert (await api.http.get(f"/api/v1/orders/{order_id}/invoice.pdf", headers=buyer)).status_code == 409
    early = await api.http.post(
        f"/api/v1/admin/orders/{order_id}/shipment", json={"carrier": "courier", "tracking_code": "PK-1"}, headers=staff
    )
    assert early.status_code == 409
    pay = (await api.http.post(f"/api/v1/orders/{order_id}/pay", headers=buyer)).json()
    api.container.payment_gateway.pay(pay["authority"])
    await api.http.get("/api/v1/payments/callback", params={"Authority": pay["authority"], "Status": "OK"})
    for status in ("sent_to_accounting", "invoiced"):
        moved = await api.http.post(f"/api/v1/admin/orders/{order_id}/status", json={"status": status}, headers=staff)
        assert moved.status_code == 200
    mine = (await api.http.get(f"/api/v1/orders/{order_id}", headers=buyer)).json()
    assert (mine["status"], mine["state"], mine["shipment"]) == ("invoiced", "preparing", None)
    # shipping needs the carrier and a code of that carrier; the status route alone is refused
    bare = await api.http.post(f"/api/v1/admin/orders/{order_id}/status", json={"status": "shipped"}, headers=staff)
    assert bare.status_code == 400
    wrong = await api.http.post(
        f"/api/v1/admin/orders/{order_id}/shipment", json={"carrier": "tipax", "tracking_code": "x1"}, headers=staff
    )
    assert wrong.status_code == 400 and "tracking_code" in wrong.text
    shipped = await api.http.post(
        f"/api/v1/admin/orders/{order_id}/shipment",
        json={"carrier": "tipax", "tracking_code": "۱۲۳۴۵۶۷۸۹۰"},
        headers=staff,
    )
    assert shipped.status_code == 200 and shipped.json()["shipment"]["tracking_code"] == "1234567890"
    mine = (await api.http.get(f"/api/v1/orders/{order_id}", headers=buyer)).json()
    assert mine["state"] == "shipped"
    assert mine["shipment"]["carrier"] == "tipax" and mine["shipment"]["tracking_url"].endswith("1234567890")
    listed = (await api.http.get("/api/v1/orders", headers=buyer)).json()["items"]
    assert [o["state"] for o in listed] == ["shipped"]
    again = await api.http.post(
        f"/api/v1/admin/orders/{order_id}/shipment", json={"carrier": "post", "tracking_code": "1" * 24}, headers=staff
    )
    assert again.status_code == 409
    # the invoice: the buyer's own, and staff's
    invoice = await api.http.get(f"/api/v1/orders/{order_id}/invoice.pdf", headers=buyer)
    assert invoice.status_code == 200 and invoice.content.startswith(b"%PDF-")
    other = await api.login("09120000002")
    assert (await api.http.get(f"/api/v1/orders/{order_id}/invoice.pdf", headers=other)).status_code == 404
    staff_copy = await api.http.get(f"/api/v1/admin/orders/{order_id}/invoice.pdf", headers=staff)
    assert staff_copy.status_code == 200 and staff_copy.headers["content-type"] == "application/pdf"
    assert (await api.http.get(f"/api/v1/admin/orders/{order_id}/invoice.pdf", headers=buyer)).status_code == 403

import json
import time

import httpx2
import pytest

PULL = {"fromProductVersion": 0, "pageSize": 50}


def test_latency_delays_the_answer(mahak, sim):
    sim.control.add_fault("latency", "getalldata", param=0.4)
    started = time.monotonic()
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 200
    assert time.monotonic() - started >= 0.4
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 200
    # fired on the first request only (times=1 by default)
    [rule] = sim.control.faults()
    assert (rule["seen"], rule["fired"]) == (2, 1)


def test_timeout_outlasts_the_client(mahak, sim):
    sim.control.add_fault("timeout", "getalldata", param=1.5)
    with pytest.raises(httpx2.TimeoutException):
        mahak.post("/Sync/GetAllData", PULL, timeout=0.3)


def test_rate_limit_answers_429_with_retry_after(mahak, sim):
    sim.control.add_fault("rate_limit", "getalldata", param=7)
    response = mahak.post("/Sync/GetAllData", PULL)
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(mahak, sim, status):
    sim.control.add_fault("server_error", "getalldata", param=status)
    assert mahak.post("/Sync/GetAllData", PULL).status_code == status


def test_dropped_connection_is_a_transport_error_not_a_status(mahak, sim):
    sim.control.add_fault("drop", "getalldata")
    with pytest.raises(httpx2.TransportError):
        mahak.post("/Sync/GetAllData", PULL)
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 200
    assert sim.control.stats()["faults_fired"] == {"drop": 1}


def test_malformed_json_body(mahak, sim):
    sim.control.add_fault("malformed_json", "getalldata")
    response = mahak.post("/Sync/GetAllData", PULL)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


@pytest.mark.parametrize(
    ("defect", "check"),
    [
        ("missing_field", lambda row: "Price1" not in row),
        ("wrong_type", lambda row: row["Price1"] == "n/a"),
        ("negative_price", lambda row: row["Price1"] < 0),
        ("unknown_fk", lambda row: row["ProductId"] == 987_654_321),
    ],
)
def test_invalid_rows_are_injected(mahak, sim, defect, check):
    sim.control.add_fault("invalid_rows", "getalldata", param={"entity": "ProductDetail", "defect": defect, "count": 2})
    page = mahak.pull(fromProductDetailVersion=0, pageSize=10)["ProductDetails"]
    assert [check(row) for row in page] == [True, True] + [False] * 8


def test_token_expiry_mid_run_kills_the_old_token(mahak, sim):
    sim.control.add_fault("token_expiry", "getalldata", after=1)
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 200
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 401
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 401  # the old token stays dead
    mahak.login()
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 200


def test_rows_change_between_two_pages_of_one_run(mahak, sim):
    # given a mutation scheduled right after page 1 is served
    sim.control.add_fault(
        "mutate",
        "getalldata",
        param={"entity": "Product", "rows": [{"ProductId": 2, "Name": "تغییر میان صفحه‌ها"}]},
    )
    page1 = mahak.pull(fromProductVersion=0, pageSize=50)["Products"]
    assert 2 in {r["ProductId"] for r in page1} and all(r["Name"] != "تغییر میان صفحه‌ها" for r in page1)
    # when the client fetches the rest
    rest = mahak.pull(fromProductVersion=page1[-1]["RowVersion"], pageSize=1000)["Products"]
    # then the changed row comes again, at the end, with the new name
    assert rest[-1]["ProductId"] == 2 and rest[-1]["Name"] == "تغییر میان صفحه‌ها"


def test_schedule_after_every_times(mahak, sim):
    sim.control.add_fault("server_error", "getalldata", after=1, every=2, times=2, param=500)
    statuses = [mahak.post("/Sync/GetAllData", PULL).status_code for _ in range(7)]
    assert statuses == [200, 500, 200, 500, 200, 200, 200]
    assert sim.control.faults()[0]["fired"] == 2
    stats = sim.control.stats()
    assert stats["faults_fired"] == {"server_error": 2} and stats["statuses"]["500"] == 2
    assert stats["requests"]["/api/v3/sync/getalldata"] == 7


def test_path_filter_and_clearing(mahak, sim):
    sim.control.add_fault("server_error", "savealldata", times=None, param=503)
    assert mahak.post("/Sync/GetAllData", PULL).status_code == 200
    assert mahak.post("/Sync/SaveAllData", {}).status_code == 503
    sim.control.clear_faults()
    assert mahak.post("/Sync/SaveAllData", {}).status_code == 200


def test_per_request_fault_header(mahak):
    response = mahak.post("/Sync/GetAllData", PULL, headers={"X-Sim-Fault": '{"kind": "rate_limit", "param": 3}'})
    assert response.status_code == 429 and response.headers["retry-after"] == "3"


def test_unknown_fault_kind_is_rejected(sim):
    with pytest.raises(httpx2.HTTPStatusError):
        sim.control.add_fault("meteor_strike")

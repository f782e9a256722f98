import hashlib
import re
import time

import httpx2


def test_login_success_returns_identity_and_a_working_token(new_wire):
    # given
    wire = new_wire()
    # when
    answer = wire.login()
    # then
    data = answer["Data"]
    assert answer["Result"] is True and answer["Code"] == 0
    assert data["VisitorId"] == 1 and data["SyncId"] == 2 and data["DatabaseId"] > 0
    assert data["UserTitle"] and data["PackageNo"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", data["ServerTime"])  # local time, no offset
    assert wire.post("/Sync/GetAllData", {"fromStoreVersion": 0}).status_code == 200


def test_login_failure_is_http_200_with_persian_message(sim, new_wire):
    wire = new_wire()
    response = wire.http.post("/Sync/Login", json={"userName": "demo", "password": "demo"})  # plain, not MD5
    answer = response.json()
    assert response.status_code == 200
    assert answer["Result"] is False
    assert "رمز" in answer["Message"]
    assert wire.login(password="wrong")["Result"] is False
    assert sim.control.stats()["logins_failed"] == 2


def test_login_accepts_any_key_and_path_casing(sim):
    body = {"USERNAME": "demo", "PassWord": hashlib.md5(b"demo").hexdigest()}
    response = httpx2.post(f"{sim.root_url}/api/V3/sync/LOGIN", json=body)
    assert response.json()["Result"] is True


def test_configured_credentials_replace_the_default(sim, new_wire):
    sim.control.reset(products=50, user_name="shop", password="s3cret")
    wire = new_wire()
    assert wire.login()["Result"] is False
    assert wire.login("shop", "s3cret")["Result"] is True


def test_missing_bad_and_expired_tokens_get_401(sim, new_wire):
    wire = new_wire()
    response = wire.post("/Sync/GetAllData", {"fromProductVersion": 0})
    assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}
    wire.token = "not-a-token"
    assert wire.post("/Sync/GetAllData", {"fromProductVersion": 0}).status_code == 401
    # given a token that lives for a moment
    sim.control.set_switches(token_lifetime_s=0.5)
    wire.login()
    assert wire.post("/Sync/GetAllData", {"fromProductVersion": 0}).status_code == 200
    # when it runs out
    time.sleep(0.6)
    # then
    assert wire.post("/Sync/GetAllData", {"fromProductVersion": 0}).status_code == 401
    assert wire.login()["Result"] is True
    assert wire.post("/Sync/GetAllData", {"fromProductVersion": 0}).status_code == 200


def test_expire_tokens_control_kills_issued_tokens(mahak, sim):
    assert sim.control.expire_tokens() >= 1
    assert mahak.post("/Sync/GetAllData", {"fromProductVersion": 0}).status_code == 401

import httpx2
from typer.testing import CliRunner

from hamgam_sim.cli import app
from hamgam_sim.mahak.control import ControlClient


def test_pictures_are_served_as_png_behind_bearer_auth(mahak, sim):
    picture = mahak.pull(fromPictureVersion=0, pageSize=1)["Pictures"][0]
    assert picture["Url"].startswith("/Content/Images/all/") and picture["FileName"] in picture["Url"]
    response = mahak.http.get(sim.base_url + picture["Url"], headers={"Authorization": f"Bearer {mahak.token}"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n") and len(response.content) == picture["FileSize"]
    assert httpx2.get(sim.base_url + picture["Url"]).status_code == 401


def test_solve_dispute_answers_current_rows(mahak, sim):
    sim.control.delete_rows("Product", [3])
    response = mahak.post(
        "/Sync/SolveDispute",
        {
            "databaseId": 4321,
            "entityName": "Product",
            "disputeItems": [{"id": 3, "rw": 1}, {"id": 4, "rw": 1}],
        },
    )
    rows = response.json()["Data"]["Objects"]["Products"]
    assert [(r["ProductId"], r["Deleted"]) for r in rows] == [(3, True), (4, False)]


def test_get_product_info(mahak):
    response = mahak.http.get(
        "/Lookup/GetProductInfo", params={"productId": 1}, headers={"Authorization": f"Bearer {mahak.token}"}
    )
    data = response.json()["Data"]
    assert data["Product"]["ProductId"] == 1
    assert data["ProductDetails"] and all(d["ProductId"] == 1 for d in data["ProductDetails"])
    assert data["ProductDetailStoreAssets"]


def test_v2_twins_answer_the_same_shape(mahak):
    response = mahak.post("/Sync/GetAllDataV2", {"fromStoreVersion": 0})
    assert len(response.json()["Data"]["Objects"]["Stores"]) == 3


def test_control_client_accepts_the_api_base_url(sim):
    with ControlClient(sim.base_url) as control:
        assert control.switches()["cursor_filter"] == ">"


def test_stats_count_requests_per_endpoint(mahak, sim):
    mahak.pull(fromStoreVersion=0)
    mahak.pull(fromStoreVersion=0)
    stats = sim.control.stats()
    assert stats["requests"]["/api/v3/sync/getalldata"] == 2 and stats["pulls"] == 2
    assert stats["last_page_sizes"] == {"Stores": 3}


def test_cli_has_a_mahak_subcommand_next_to_the_other_simulators():
    result = CliRunner().invoke(app, ["mahak", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--products" in result.output and "--port" in result.output
    for name in ("zarinpal", "sms"):
        assert CliRunner().invoke(app, [name, "serve", "--help"], env={"COLUMNS": "200"}).exit_code == 0

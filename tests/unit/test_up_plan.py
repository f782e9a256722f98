"""What `hamgam up` prints: where the shop, its admin panel, its API and its probes are."""

from __future__ import annotations

from rich.console import Console

from hamgam.entrypoints.runtime import ROLES
from hamgam.entrypoints.up import _print_plan
from hamgam.settings import Settings


def _plan(roles: tuple[str, ...], **settings) -> str:
    console = Console(record=True, width=200)
    _print_plan(console, Settings(database_url="postgresql://u@h/db", api_port=8123, **settings), roles, False)
    return console.export_text()


def test_the_plan_names_the_storefront_admin_api_and_probes() -> None:
    text = _plan(ROLES, health_port=9123)
    assert "storefront : http://127.0.0.1:8123/" in text
    assert "admin      : http://127.0.0.1:8123/admin" in text and "hamgam admin create" in text
    assert "store API  : http://127.0.0.1:8123/api/v1" in text
    assert "http://127.0.0.1:9123/readyz" in text


def test_without_the_gateway_no_shop_urls_are_printed() -> None:
    text = _plan(("worker",), health_port=0)
    assert "storefront" not in text and "store API" not in text and "health" not in text


def test_the_simulated_mahak_is_named_with_where_its_data_lives(tmp_path) -> None:
    console = Console(record=True, width=300)
    settings = Settings(
        database_url="postgresql://u@h/db", data_dir=tmp_path, mahak={"base_url": "http://127.0.0.1:5080/API/v3"}
    )
    _print_plan(console, settings, ("worker",), False, simulated_mahak=True)
    text = console.export_text()
    assert "http://127.0.0.1:5080/API/v3 (simulator with demo data kept in" in text
    assert str(tmp_path / "mahak-simulator") in text

"""Admin settings, as JSON and as a page, never show a secret: passwords inside URLs, keys, tokens."""

from __future__ import annotations

import pytest

from hamgam.settings import Settings, public_settings
from tests.api.conftest import Api
from tests.web.conftest import Web, web  # noqa: F401  (fixture)

SECRETS = {
    "db": "Pg-Pa55word-7731",
    "amqp": "Rabbit-Pa55-2290",
    "core": "Core-Pa55-5512",
    "s3_endpoint": "Minio-Pa55-8034",
    "s3_id": "AKIAEXAMPLE77QQ",
    "s3_secret": "wJalrXUtnFEMI-K7MDENG-bPxRfiCY",
    "mahak": "Mahak-Pa55-0911",
    "jwt": "jwt-secret-4b1d9a0c7e",
    "merchant": "4f0c9a2e-1b7d-4c3a-9e8f-0a1b2c3d4e5f",
    "sms": "sms-api-key-66f1e2",
    "mahak_url": "Mahak-Url-Pa55-44",
    "token": "tok3n-in-query-992",
}


def _secret_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url.replace("postgres@", f"postgres:{SECRETS['db']}@", 1),
        rabbitmq_url=f"amqp://shop:{SECRETS['amqp']}@rabbit.internal:5672/hamgam",
        core_url=f"http://gateway:{SECRETS['core']}@core:8000",
        mahak={
            "base_url": f"https://hamgam:{SECRETS['mahak_url']}@mahak.example/api?token={SECRETS['token']}",
            "password": SECRETS["mahak"],
        },
        payments={"merchant_id": SECRETS["merchant"]},
        sms={"api_key": SECRETS["sms"]},
        auth={"jwt_secret": SECRETS["jwt"]},
        storage={
            "backend": "memory",
            "s3_endpoint": f"http://minio:{SECRETS['s3_endpoint']}@minio:9000",
            "s3_access_key_id": SECRETS["s3_id"],
            "s3_secret_access_key": SECRETS["s3_secret"],
        },
    )


def test_public_settings_masks_every_secret(database_url: str) -> None:
    # given
    settings = _secret_settings(database_url)
    # when
    shown = repr(public_settings(settings))
    # then: no secret shows; the rest of each URL does, so staff can still see where things point
    for name, secret in SECRETS.items():
        assert secret not in shown, name
    assert "rabbit.internal:5672/hamgam" in shown and "shop:" in shown
    assert "mahak.example/api" in shown


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "amqp://h:5672/", "not a url", "http://[::1"])
def test_public_settings_keeps_urls_without_secrets(url: str) -> None:
    # given / when
    shown = public_settings(Settings(database_url=url))
    # then
    assert shown["database_url"] == url


async def test_admin_settings_api_and_page_show_no_secret(web: Web, database_url: str) -> None:  # noqa: F811
    # given: real-looking secrets in every secret setting
    headers = await Api(web.http, web.container).login("09120000009", role="admin")
    web.container.settings = _secret_settings(database_url)
    # when
    api = await web.http.get("/api/v1/admin/settings", headers=headers)
    await web.login_staff()
    page = await web.http.get("/admin/settings")
    # then
    assert api.status_code == page.status_code == 200
    assert "rabbit.internal" in api.text and "rabbit.internal" in page.text
    for name, secret in SECRETS.items():
        assert secret not in api.text, name
        assert secret not in page.text, name

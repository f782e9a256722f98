"""``/api/docs`` works offline: the page and everything it loads come from this server, none from a CDN."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.web.conftest import Web

_URLS = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*["']([^"']+)["']|["'](https?://[^"']+)["']""")


async def test_api_docs_reference_no_foreign_host(web: Web) -> None:
    # when
    page = await web.http.get("/api/docs")
    # then: every URL in the page is this server's, and each one answers
    assert page.status_code == 200
    urls = {next(g for g in m.groups() if g) for m in _URLS.finditer(page.text)}
    assert urls, page.text
    foreign = [u for u in urls if urlsplit(u).netloc not in ("", "shop.test")]
    assert not foreign, foreign
    assets = [u for u in urls if u.startswith("/api/docs/assets/")]
    assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for url in urls:
        assert (await web.http.get(url)).status_code == 200, url


async def test_api_docs_bundle_reads_openapi_3_1(web: Web) -> None:
    # given: FastAPI describes the API as OpenAPI 3.1, which Swagger UI reads from version 5 on
    schema = (await web.http.get("/api/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    # when
    bundle = (await web.http.get("/api/docs/assets/swagger-ui-bundle.js")).text
    # then
    assert re.search(r'"5\.\d+\.\d+"', bundle)

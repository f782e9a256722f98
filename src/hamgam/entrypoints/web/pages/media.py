"""Product images from the object store: only the resized WebP variants, with long cache headers (their keys
hold the content digest, so they never change)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response

#: ``p/<product>/<digest>/<width>.webp`` (uploads), ``m/<product>/<picture>-<digest>/<width>.webp`` (Mahak) and
#: ``s/logo/<digest>/<width>.webp`` (the shop's logo).
_VARIANT = re.compile(r"([pm]/[0-9]{1,19}|s/logo)/[A-Za-z0-9\-]{1,80}/[0-9]{2,5}\.webp")
CACHE_FOREVER = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False)


@router.get("/media/{key:path}")
async def media(request: Request, key: str) -> Response:
    images = request.app.state.container.images
    if images is None or not _VARIANT.fullmatch(key):
        return Response("not found", status_code=404, media_type="text/plain")
    if request.headers.get("if-none-match") == f'"{key}"':
        return Response(status_code=304, headers={"cache-control": CACHE_FOREVER, "etag": f'"{key}"'})
    data = await images.objects.get(key)
    if data is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(
        data,
        media_type="image/webp",
        headers={"cache-control": CACHE_FOREVER, "etag": f'"{key}"', "x-content-type-options": "nosniff"},
    )

"""``ObjectStore`` over obstore: one adapter for S3/MinIO, a local directory and memory (STYLE.md §1).

Keys are checked before they reach a backend: relative, ``/``-separated, no empty or dot segments, a safe
alphabet. A local directory therefore can never be escaped, and S3 keys stay printable.
"""

from __future__ import annotations

import re
from pathlib import Path

import obstore
from obstore.store import LocalStore, MemoryStore, ObjectStore, S3Store

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")
#: Longest key accepted, in characters.
MAX_KEY_CHARS = 512


class InvalidKey(ValueError):
    """A key with an unsafe shape (absolute, ``..``, odd characters)."""


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_CHARS:
        raise InvalidKey(f"bad object key length: {len(key)}")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise InvalidKey(f"bad object key: {key!r}")
    return key


class ObstoreObjectStore:
    """An ``ObjectStore`` over any obstore store. ``prefix`` is prepended to every key (shared buckets)."""

    def __init__(self, store: ObjectStore, *, prefix: str = "") -> None:
        self._store = store
        self._prefix = prefix.strip("/")
        if self._prefix:
            check_key(self._prefix)

    def _path(self, key: str) -> str:
        check_key(key)
        return f"{self._prefix}/{key}" if self._prefix else key

    async def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        attributes = {"Content-Type": content_type} if content_type and self._supports_attributes else None
        if attributes:
            await obstore.put_async(self._store, self._path(key), data, attributes=attributes)
        else:
            await obstore.put_async(self._store, self._path(key), data)

    @property
    def _supports_attributes(self) -> bool:
        return isinstance(self._store, S3Store)

    async def get(self, key: str) -> bytes | None:
        try:
            result = await obstore.get_async(self._store, self._path(key))
        except FileNotFoundError:
            return None
        return bytes(await result.bytes_async())

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self._store, self._path(key))
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, self._path(key))
        except FileNotFoundError:
            pass

    async def list(self, prefix: str) -> list[str]:
        path = self._path(prefix)
        cut = len(self._prefix) + 1 if self._prefix else 0
        found = await obstore.list(self._store, path + "/").collect_async()
        return sorted(item["path"][cut:] for item in found)


def local_store(directory: Path, *, prefix: str = "") -> ObstoreObjectStore:
    directory.mkdir(parents=True, exist_ok=True)
    return ObstoreObjectStore(LocalStore(directory, mkdir=True), prefix=prefix)


def memory_store() -> ObstoreObjectStore:
    return ObstoreObjectStore(MemoryStore())


def s3_store(
    bucket: str,
    *,
    endpoint: str | None = None,
    region: str = "us-east-1",
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    prefix: str = "",
) -> ObstoreObjectStore:
    """S3 or MinIO; ``endpoint`` may be ``http://`` for a private MinIO (then plain HTTP is allowed)."""
    config: dict[str, object] = {"region": region}
    if endpoint:
        config["endpoint"] = endpoint
        config["virtual_hosted_style_request"] = False
    if access_key_id and secret_access_key:
        config["access_key_id"] = access_key_id
        config["secret_access_key"] = secret_access_key
    client_options = {"allow_http": True} if endpoint and endpoint.startswith("http://") else None
    # obstore types `config` as a TypedDict of literal keys; this one is built key by key above.
    store = S3Store(bucket, config=config, client_options=client_options)  # type: ignore[arg-type]
    return ObstoreObjectStore(store, prefix=prefix)

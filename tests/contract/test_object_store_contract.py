"""One behaviour suite for every ``ObjectStore`` adapter: local directory, memory, and S3 (moto's server over real
HTTP on a free loopback port, started by the test)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from hamgam.adapters.storage.obstore_store import InvalidKey, ObstoreObjectStore, local_store, memory_store, s3_store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket="hamgam-images")
    yield endpoint
    server.stop()


@pytest.fixture(params=["local", "memory", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObstoreObjectStore:
    if request.param == "local":
        return local_store(tmp_path / "objects")
    if request.param == "memory":
        return memory_store()
    endpoint = request.getfixturevalue("moto_endpoint")
    return s3_store(
        "hamgam-images",
        endpoint=endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        prefix=f"t{tmp_path.name[-8:].replace('_', '')}",
    )


async def test_put_get_overwrite(store: ObstoreObjectStore) -> None:
    await store.put("p/1/abc/480.webp", b"one", content_type="image/webp")
    assert await store.get("p/1/abc/480.webp") == b"one"
    await store.put("p/1/abc/480.webp", b"two")
    assert await store.get("p/1/abc/480.webp") == b"two"
    assert await store.exists("p/1/abc/480.webp")


async def test_missing_key_is_none_and_delete_is_idempotent(store: ObstoreObjectStore) -> None:
    assert await store.get("p/9/none/160.webp") is None
    assert not await store.exists("p/9/none/160.webp")
    await store.delete("p/9/none/160.webp")


async def test_list_by_prefix_sorted(store: ObstoreObjectStore) -> None:
    for key in ("p/2/b/960.webp", "p/2/a/160.webp", "p/20/x/160.webp", "m/2/c/160.webp"):
        await store.put(key, b"x")
    assert await store.list("p/2") == ["p/2/a/160.webp", "p/2/b/960.webp"]
    await store.delete("p/2/a/160.webp")
    assert await store.list("p/2") == ["p/2/b/960.webp"]


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/./b", "a/b c", "", "a/" + "x" * 600])
async def test_unsafe_keys_are_refused(store: ObstoreObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        await store.put(key, b"x")

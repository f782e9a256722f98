"""Choose the object store from the settings."""

from __future__ import annotations

from pathlib import Path

from hamgam.adapters.storage.obstore_store import ObstoreObjectStore, local_store, memory_store, s3_store
from hamgam.settings import Settings, StorageBackend


def build_object_store(settings: Settings) -> ObstoreObjectStore:
    s = settings.storage
    if s.backend is StorageBackend.MEMORY:
        return memory_store()
    if s.backend is StorageBackend.S3:
        if not s.s3_bucket:
            raise ValueError("storage.s3_bucket is required for the s3 backend (HAMGAM_STORAGE__S3_BUCKET)")
        return s3_store(
            s.s3_bucket,
            endpoint=s.s3_endpoint,
            region=s.s3_region,
            access_key_id=s.s3_access_key_id.get_secret_value() if s.s3_access_key_id else None,
            secret_access_key=s.s3_secret_access_key.get_secret_value() if s.s3_secret_access_key else None,
            prefix=s.prefix,
        )
    return local_store(Path(s.local_dir or Path(settings.data_dir) / "objects"), prefix=s.prefix)

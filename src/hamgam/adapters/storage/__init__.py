"""Object storage adapters (``ObjectStore`` port): obstore over S3/MinIO, a local directory, or memory."""

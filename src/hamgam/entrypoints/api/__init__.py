"""The API gateway / BFF: one FastAPI app, JWT and roles, rate limits, request ids, ``/api/v1`` (OpenAPI)."""

"""Schemathesis over the OpenAPI document: whatever it sends, every answer is documented and never a 500.

The app builds its own container in its lifespan (schemathesis runs it on its own event loop). Requests carry
an admin token, so admin routes are explored too; the catalogue has a few seeded products.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, pool, text

from hamgam.adapters.db.engine import sync_url
from hamgam.entrypoints.api.app import create_app
from tests.api.conftest import api_settings
from tests.store.conftest import JWT_SECRET


@pytest.fixture
def fuzzed_app(database_url: str) -> Iterator[tuple[object, str]]:
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    with engine.begin() as conn:
        admin_id = conn.execute(text("INSERT INTO customer (mobile, role) VALUES ('09120000000', 'admin') RETURNING id")).scalar_one()
        conn.execute(text("""INSERT INTO product (mahak_id, name, name_search, row_version) VALUES (1, 'چای', 'چای', 1);
            INSERT INTO product_detail (mahak_id, product_id, prices_rial, row_version) VALUES (10, 1, '{1000000,0,0,0,0,0,0,0,0,0}', 1);
            INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, row_version) VALUES (10, 10, 1, 5, 1)"""))
    engine.dispose()
    now = dt.datetime.now(dt.UTC)
    token = jwt.encode({"sub": str(admin_id), "sid": str(uuid.uuid4()), "iss": "hamgam", "typ": "access",
                        "iat": now, "exp": now + dt.timedelta(hours=1)}, JWT_SECRET, algorithm="HS256")
    yield create_app(settings=api_settings(database_url)), token


def test_openapi_every_operation_answers_without_server_errors(fuzzed_app: tuple[object, str]) -> None:
    app, token = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=8, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @operation.as_strategy().__class__ and __import__("hypothesis").given(operation.as_strategy())
        def run(case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

        try:
            run()
        except Exception as exc:  # collect every failing operation, then fail once with all of them
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert operations > 40
    assert not failures, "\n\n".join(failures)

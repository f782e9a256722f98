"""The schema migrations: applied on start, safe to run twice."""

from sqlalchemy import create_engine, inspect, pool

from hamgam.adapters.db.engine import sync_url
from hamgam.adapters.db.migrate import upgrade_to_head


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    # given a database already at head (the fixture migrated it)
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    before = set(inspect(engine).get_table_names())
    # when the migrations run again
    upgrade_to_head(database_url)
    # then nothing changed and the foundation tables are there
    assert set(inspect(engine).get_table_names()) == before
    assert {"mahak_rate_bucket", "mahak_circuit", "alembic_version"} <= before
    engine.dispose()

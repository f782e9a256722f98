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


def test_link_rows_kept_as_noise_are_deleted_and_their_products_leave_the_listing(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from hamgam.adapters.db.migrate import alembic_config

    # given a store from before 0010: a product whose only link row came back deleted, kept aside as noise
    config = alembic_config(database_url)
    command.downgrade(config, "0010-1")
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text("""INSERT INTO product (mahak_id, name, name_search, row_version) VALUES (1, 'چای', 'چای', 1),
                        (2, 'قهوه', 'قهوه', 1);
                    INSERT INTO product_detail (mahak_id, product_id, prices_rial, row_version) VALUES
                        (11, 1, '{100,0,0,0,0,0,0,0,0,0}', 1), (21, 2, '{100,0,0,0,0,0,0,0,0,0}', 1);
                    INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, row_version, flagged_deleted)
                        VALUES (111, 11, 1, 2, true), (211, 21, 1, 2, false)""")
        )
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT product_id FROM catalog_entry")).scalars()) == {1, 2}
    # when the migrations run
    upgrade_to_head(database_url)
    # then the deleted link row is deleted, and only the product with a live link is listed
    with engine.connect() as conn:
        deleted = dict(conn.execute(text("SELECT mahak_id, deleted_at IS NOT NULL FROM visitor_product")).all())
        assert deleted == {111: True, 211: False}
        assert set(conn.execute(text("SELECT product_id FROM catalog_entry")).scalars()) == {2}
    engine.dispose()


def test_the_heads_read_from_the_scripts_are_alembics(database_url: str) -> None:
    from alembic.script import ScriptDirectory

    from hamgam.adapters.db.migrate import alembic_config, script_heads

    assert script_heads() == frozenset(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def test_a_schema_at_head_is_checked_without_loading_alembic(database_url: str) -> None:
    import os
    import subprocess
    import sys

    # given a database at head: every command starts with this check, so it must not load Alembic's machinery
    probe = (
        "import sys\n"
        "from hamgam.adapters.db.migrate import upgrade_to_head\n"
        f"upgrade_to_head({database_url!r})\n"
        "print(sorted(m for m in sys.modules if m == 'alembic' or m.startswith('alembic.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=dict(os.environ), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_database_behind_head_is_still_migrated(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from hamgam.adapters.db.migrate import alembic_config, script_heads

    command.downgrade(alembic_config(database_url), "0011")
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == set(script_heads())
    engine.dispose()

"""sync_rewind: a Mahak database that went back in time; mahak_client_id: when each client id was first sent

When Mahak's RowVersions fall below an entity's cursor, incremental runs would ask only for what is newer than
the cursor and never see a change again. The fetcher records each such rewind here when it finds one (and the
audit log says so), heals it with a re-fetch of the entity in which Mahak's rows win whatever their RowVersion,
and marks the rewind healed with what the re-fetch changed. An open row (``healed_at`` null) is what the
admin banner and the ``hamgam_sync_rewind_open`` gauge report.

``mahak_client_id.sent_at`` / ``readback_from``: a customer's person and visitor link keep one client id across
all their orders, so the order that sent them last may not be the one that re-sends them. Each client id now
remembers when it first left (and the read-back cursor of its entity taken just before), and any export reads
back every unconfirmed id that may have reached Mahak before sending it again (contract §5, §7).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_rewind",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("cursor_row_version", sa.BigInteger, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("healed_at", sa.DateTime(timezone=True)),
        sa.Column("heal_run_id", sa.BigInteger),
        sa.Column("report", JSONB),
    )
    op.create_index(
        "ix_sync_rewind_open", "sync_rewind", ["entity"], unique=True, postgresql_where=sa.text("healed_at IS NULL")
    )

    op.add_column("mahak_client_id", sa.Column("sent_at", sa.DateTime(timezone=True)))
    op.add_column("mahak_client_id", sa.Column("readback_from", sa.BigInteger))


def downgrade() -> None:
    op.drop_column("mahak_client_id", "readback_from")
    op.drop_column("mahak_client_id", "sent_at")
    op.drop_table("sync_rewind")

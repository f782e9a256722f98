"""session factors and guest cart expiry

``refresh_token.factors``: which factors proved the session (family) the token belongs to, ``password`` and/or
``otp``. Staff and admin privileges are granted only to sessions proved by both; sessions started before this
revision have none, so staff sign in again (customers are unaffected).

``ix_cart_guest_updated_at``: guest carts expire some time after they were last touched and a job purges them
(``services/store/jobs.purge_guest_carts``); the index lets the job find them without scanning every cart.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE refresh_token ADD COLUMN factors TEXT[] NOT NULL DEFAULT '{}'")
    op.execute("CREATE INDEX ix_cart_guest_updated_at ON cart (updated_at) WHERE customer_id IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cart_guest_updated_at")
    op.execute("ALTER TABLE refresh_token DROP COLUMN factors")

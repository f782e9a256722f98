"""site_page and site_setting: the footer pages staff edit and the trust-badge codes

The footer links to four pages (contact, about, returns, privacy) whose Markdown bodies staff edit in the admin
panel; they are created here with their Persian titles and empty bodies (an empty page is not linked). The
Enamad and Samandehi badge codes are rows of ``site_setting``; a badge shows only when its codes are set.

The sitemap and the price-comparison feed walk ``catalog_entry`` by its primary key (keyset pages), so they
need no index of their own.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: The footer pages, in footer order, with their Persian titles.
_PAGES = (
    ("contact", "تماس با ما"),
    ("about", "درباره ما"),
    ("returns", "رویه بازگرداندن کالا"),
    ("privacy", "حریم خصوصی"),
)


def upgrade() -> None:
    op.create_table(
        "site_page",
        sa.Column("slug", sa.Text(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("body_md", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "site_setting",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    page = sa.table(
        "site_page", sa.column("slug", sa.Text()), sa.column("title", sa.Text()), sa.column("position", sa.Integer())
    )
    op.bulk_insert(page, [{"slug": s, "title": t, "position": i} for i, (s, t) in enumerate(_PAGES, start=1)])


def downgrade() -> None:
    op.drop_table("site_setting")
    op.drop_table("site_page")

"""products by their last change (``ix_product_updated_at_mahak_id``), gallery rows by picture
(``ix_photo_gallery_picture_id``)

Torob's numbered feed pages in ``date_updated_desc`` order read one range of the first index per page (the page
after ``(updated_at, mahak_id)`` of the previous page's last product) instead of sorting every product per
request. Each Mahak picture the sync brings looks up its gallery rows by picture through the second.

Revision ID: 0022
Revises: 0023
"""

from alembic import op

revision = "0022"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_product_updated_at_mahak_id", "product", ["updated_at", "mahak_id"])
    op.create_index("ix_photo_gallery_picture_id", "photo_gallery", ["picture_id"])


def downgrade() -> None:
    op.drop_index("ix_photo_gallery_picture_id", table_name="photo_gallery")
    op.drop_index("ix_product_updated_at_mahak_id", table_name="product")

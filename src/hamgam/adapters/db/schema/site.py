"""Tables of the site's own texts: the footer pages staff edit (contact, about, returns, privacy) and the
site settings staff edit beside them (the Enamad and Samandehi trust-badge codes, and the shop's settings of
``hamgam.domain.shop_settings``)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, Table, Text, func

from hamgam.adapters.db.schema.base import metadata

#: One footer page: its address (``/page/{slug}``), title and Markdown body (rendered with raw HTML escaped).
site_page = Table(
    "site_page",
    metadata,
    Column("slug", Text, primary_key=True),
    Column("title", Text, nullable=False),
    #: Footer order.
    Column("position", Integer, nullable=False, server_default="0"),
    Column("body_md", Text, nullable=False, server_default=""),
    Column("updated_by", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: A site setting staff edit in the admin panel (``key`` → text); a missing row is an unset setting.
site_setting = Table(
    "site_setting",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    #: Who saved it (migration 0019); None for rows written before.
    Column("updated_by", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

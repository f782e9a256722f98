"""The store's housekeeping statements (``hamgam.ports.store.Housekeeping``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


class SqlHousekeeping:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def forget_old_windows_and_codes(self) -> None:
        await self._conn.execute(text("DELETE FROM rate_limit_hit WHERE window_start < now() - interval '1 day'"))
        await self._conn.execute(text("DELETE FROM otp_code WHERE created_at < now() - interval '1 day'"))

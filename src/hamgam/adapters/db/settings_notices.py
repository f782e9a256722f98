"""Change notices of the site settings across processes: a save in any process sends ``NOTIFY`` on
``SETTINGS_CHANNEL`` in its transaction (``SqlSiteSettingRepository.put``), so it is heard once committed; each
process LISTENs on its own asyncpg connection and tells its ``ShopSettingsService``.

A lost connection is reopened every ``LISTEN_RETRY_S``; meanwhile the service is told it hears nothing, and
falls back to reading the settings again after its short TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)

#: The channel a save of a site setting notifies on (no payload).
SETTINGS_CHANNEL = "hamgam_settings"
#: Seconds between attempts to open a lost LISTEN connection.
LISTEN_RETRY_S = 5.0


class PostgresSettingsNotices:
    """Calls ``changed`` on each notice, and ``listening(True/False)`` as the LISTEN connection comes and goes.
    Nothing is opened until ``start`` (a role that never refreshes the settings never listens)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        changed: Callable[[], None],
        listening: Callable[[bool], None],
        retry_s: float = LISTEN_RETRY_S,
    ) -> None:
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._changed = changed
        self._listening = listening
        self._retry_s = retry_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Listen from now on, in the background (again only if the listening task has ended)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._listen(), name="settings-notices")

    async def aclose(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self._dsn, timeout=5)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("settings.listen_failed", error=str(exc))
                await asyncio.sleep(self._retry_s)
                continue
            try:
                await self._hear(connection)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("settings.listen_failed", error=str(exc))
            finally:
                self._listening(False)
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
            await asyncio.sleep(self._retry_s)

    async def _hear(self, connection: asyncpg.Connection) -> None:
        """Pass on the notices until the connection is lost."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _conn: lost.set())
        await connection.add_listener(SETTINGS_CHANNEL, self._on_notice)
        self._listening(True)
        await lost.wait()
        log.warning("settings.listen_lost")

    def _on_notice(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        self._changed()


__all__ = ["LISTEN_RETRY_S", "SETTINGS_CHANNEL", "PostgresSettingsNotices"]

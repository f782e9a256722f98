"""The PostgreSQL unit of work: commit on success, rollback on error, and joining another's transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork


class _Notes:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, value: str) -> None:
        await self._connection.execute(text("INSERT INTO uow_note (value) VALUES (:v)"), {"v": value})


class _NotesUnitOfWork(SqlUnitOfWork):
    notes: _Notes

    def _bind(self, connection: AsyncConnection) -> None:
        self.notes = _Notes(connection)


def test_commits_on_success_rolls_back_on_error_and_joins(database_url: str) -> None:
    async def scenario() -> list[str]:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE uow_note (value text)"))
            async with _NotesUnitOfWork(engine) as uow:
                await uow.notes.add("kept")
            with pytest.raises(RuntimeError):
                async with _NotesUnitOfWork(engine) as uow:
                    await uow.notes.add("dropped")
                    raise RuntimeError("boom")
            with pytest.raises(RuntimeError):
                async with engine.begin() as conn:
                    async with _NotesUnitOfWork.joining(conn) as joined:
                        await joined.notes.add("joined then rolled back by its owner")
                    raise RuntimeError("owner fails")
            async with engine.begin() as conn:
                async with _NotesUnitOfWork.joining(conn) as joined:
                    await joined.notes.add("joined and committed by its owner")
            async with engine.connect() as conn:
                return list((await conn.execute(text("SELECT value FROM uow_note ORDER BY value"))).scalars())
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == ["joined and committed by its owner", "kept"]

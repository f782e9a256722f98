"""The database's failures told apart without a database: a refused value, an unreachable server, anything else."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from hamgam.adapters.db.errors import DatabaseError, is_data_error, unreachable_reason


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def test_a_refused_value_is_the_requests_fault() -> None:
    assert is_data_error(DBAPIError("SELECT 1", {}, _DriverError("bad", "22P02")))
    assert not is_data_error(DBAPIError("SELECT 1", {}, _DriverError("boom", "XX000")))
    assert not is_data_error(RuntimeError("no database involved"))


def test_the_sqlstate_of_a_wrapped_driver_error_counts() -> None:
    inner = _DriverError("wrapper")
    inner.__cause__ = _DriverError("value out of range", "22003")
    assert is_data_error(DBAPIError("SELECT 1", {}, inner))


def test_an_unreachable_server_gives_the_drivers_first_line() -> None:
    refused = OperationalError("connect", {}, _DriverError("connection refused\nIs the server running?"))
    assert unreachable_reason(refused) == "connection refused"
    assert unreachable_reason(OperationalError("SELECT 1", {}, _DriverError("deadlock detected"))) is None
    assert unreachable_reason(ConnectionRefusedError("not the database's")) is None


def test_every_statement_failure_is_a_database_error() -> None:
    assert isinstance(OperationalError("SELECT 1", {}, _DriverError("x")), DatabaseError)

"""The database engine and the schema: SQLite file by default, PostgreSQL by URL.

A database that cannot be used (a URL that is not one, a server that does not answer, a file
that cannot be opened) is `DatabaseUnavailable`, in one line that never shows the password.

On SQLite, a process writes as a product on one file must: the journal is a write-ahead log
(WAL: readers never wait for the writer, nor the writer for them), a write waits for another
process's lock up to `SQLITE_BUSY_SECONDS`, and the threads of one process (the worker's
activities) take turns to write, each transaction waiting on one lock per file from its first
write to its commit, rather than all of them polling SQLite's lock, where a burst (an event a
thousand tasks wait on) left some failing with "database is locked" and retried by Temporal
minutes later. PostgreSQL needs none of this: its rows are locked, not its file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session, create_engine

# Where the migrations are: the source tree's folder, or the wheel's package (settings.py).
from settings import MIGRATIONS_DIR as MIGRATIONS_DIR

# How long a write waits for the SQLite file's lock (held by another process, or by another
# thread of this one) before it fails; the driver's default is 5 s. Long enough for a burst of
# writes to pass; the notification log retries a failed write on top of this.
SQLITE_BUSY_SECONDS = 30.0
# Connections one process keeps (`POOL_SIZE`) and opens beyond them at busy times: at least one
# for each of the worker's threads (16 activities and 16 local activities by default,
# control.runtime.activity_threads), so that none waits for a connection.
POOL_SIZE = 5
POOL_OVERFLOW = 27
# The statements that begin a write transaction on SQLite (a savepoint opens one too).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")
_writer_locks: dict[str, threading.RLock] = {}
_writer_locks_guard = threading.Lock()


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used; the message names it (password hidden) and says why."""


def shown_url(url: str) -> str:
    """The URL as messages may show it: the password hidden, or only its scheme when it is not
    a URL at all."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        scheme, found, _rest = url.partition("://")
        return f"{scheme}://…" if found else "(not a URL)"


def _first_line(error: BaseException) -> str:
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    if isinstance(cause, ImportError):
        return f"its driver is not installed ({cause})"
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__


def _writer_lock(path: str) -> threading.RLock:
    """The one lock of this process for writing the SQLite file at `path`: re-entrant only so
    that it can tell whether the running thread holds it (`_owns`)."""
    key = str(Path(path).resolve())
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.RLock())


def _owns(lock: threading.RLock) -> bool:
    """Whether the running thread holds `lock`."""
    return bool(lock._is_owned())  # type: ignore[attr-defined]


class _TakingTurnsCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        self._turn(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Self:
        self._turn(sql)
        return super().executemany(sql, parameters)

    def _turn(self, sql: str) -> None:
        connection = self.connection
        assert isinstance(connection, _TakingTurnsConnection)
        connection.take_turn(sql)


class _TakingTurnsConnection(sqlite3.Connection):
    """A connection that holds its file's writer lock from its first write until the
    transaction ends (the driver opens the transaction at that write; reads before it see
    the latest commit, so a transaction never has to upgrade a stale read to a write)."""

    writer: threading.RLock
    _holding = False

    def take_turn(self, sql: str) -> None:
        if self._holding or not sql.lstrip().upper().startswith(_WRITES):
            return
        try:
            if not self.writer.acquire(timeout=SQLITE_BUSY_SECONDS):
                raise sqlite3.OperationalError(
                    "database is locked (another thread of this process kept writing)"
                )
            self._holding = True
        except BaseException:
            # Temporal cancels an activity by raising CancelledError in its thread, wherever it
            # runs: raised just after the lock was taken and before it was noted, it left the
            # lock taken for good, and every later write of the worker failed (the drills under
            # load: "every message: not within 150 s"). The lock knows its owner: give it back.
            if not self._holding and _owns(self.writer):
                self.writer.release()
            raise

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _TakingTurnsCursor)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        if self._holding:
            try:
                self.writer.release()
            finally:
                self._holding = False


def _sqlite_connection(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path,
        timeout=SQLITE_BUSY_SECONDS,
        check_same_thread=False,
        factory=_TakingTurnsConnection,
    )
    assert isinstance(connection, _TakingTurnsConnection)
    connection.writer = _writer_lock(path)
    return connection


def _prepare_sqlite(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    # Kept in the file once set: every process that opens it shares the log.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine (and its connection pool) per database URL for the whole process."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            creator=lambda: _sqlite_connection(path),
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine, "connect", _prepare_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(url: str) -> None:
    """Bring the database to the newest schema; a no-op when it is there already.

    Raises `DatabaseUnavailable` when the database cannot be reached or the URL is not one."""
    try:
        get_engine(url)  # creates the SQLite file's folder
        command.upgrade(alembic_config(url), "head")
    except (
        ArgumentError,
        NoSuchModuleError,
        DBAPIError,
        CommandError,
        OSError,
        ImportError,
    ) as error:
        raise DatabaseUnavailable(
            f"database {shown_url(url)} (NHACHAN_DATABASE_URL): {_first_line(error)}"
        ) from None


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

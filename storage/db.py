"""The database engine and the schema: SQLite file by default, PostgreSQL by URL.

A database that cannot be used (a URL that is not one, a server that does not answer, a file
that cannot be opened) is `DatabaseUnavailable`, in one line that never shows the password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session, create_engine

# Where the migrations are: the source tree's folder, or the wheel's package (settings.py).
from settings import MIGRATIONS_DIR as MIGRATIONS_DIR

# How long a write waits for another process's lock on the SQLite file before it fails (the
# driver's default is 5 s). The notification log retries a failed write on top of this.
SQLITE_BUSY_SECONDS = 10.0


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


def _enable_sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine (and its connection pool) per database URL for the whole process."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        )
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(url, pool_pre_ping=True)


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

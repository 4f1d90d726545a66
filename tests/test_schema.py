"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models.tables  # noqa: F401
from storage.db import get_engine, upgrade_schema
from tests.support.postgres import private_postgres


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with private_postgres() as url:
        yield url


def _differences(url: str) -> list[object]:
    with get_engine(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_sqlite_schema_matches_the_models_and_upgrading_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    upgrade_schema(url)
    assert _differences(url) == []


def test_postgresql_schema_matches_the_models(postgres_url: str) -> None:
    upgrade_schema(postgres_url)
    upgrade_schema(postgres_url)
    assert _differences(postgres_url) == []

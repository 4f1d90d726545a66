"""The dashboard's one query reads the same rows on SQLite and PostgreSQL: statuses as the
engine's words, instants aware in UTC, unit lists as tuples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from models.statuses import MilestoneStatus
from plan_import import read_plan
from plan_import.units import load_unit_directory
from settings import DATA_DIR, Settings
from storage.db import session_scope, upgrade_schema
from storage.overview import MilestoneRow, milestone_rows
from storage.plans import get_plan, store_plan
from storage.progress import save_task_snapshot
from tests.support.postgres import private_postgres
from tests.web.conftest import NOW, snapshots


def _rows(url: str, folder: Path) -> list[MilestoneRow]:
    settings = Settings(database_url=url, var_dir=folder)
    upgrade_schema(url)
    directory = load_unit_directory(DATA_DIR / "units.yaml")
    imported = read_plan(settings.plan_file, year=2023, directory=directory)
    with session_scope(url) as session:
        store_plan(session, imported=imported, directory=directory)
        for snapshot in snapshots(imported, settings, NOW):
            save_task_snapshot(session, snapshot=snapshot)
    with session_scope(url) as session:
        plan = get_plan(session, imported.key)
        assert plan is not None and plan.id is not None
        return sorted(milestone_rows(session, plan.id), key=lambda r: (r.task_code, r.key or ""))


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with private_postgres() as url:
        yield url


def test_the_same_rows_on_sqlite_and_postgresql(tmp_path: Path, postgres_url: str) -> None:
    on_sqlite = _rows(f"sqlite:///{tmp_path / 'nhachan.db'}", tmp_path)
    on_postgres = _rows(postgres_url, tmp_path)
    strip = [row._replace(task_id=0) for row in on_sqlite]
    assert strip == [row._replace(task_id=0) for row in on_postgres]
    overdue = next(r for r in on_sqlite if r.task_code == "II.2")
    assert overdue.status is MilestoneStatus.OVERDUE
    assert overdue.due_at is not None and overdue.due_at.tzinfo is UTC
    assert overdue.lead_units == ("van-phong",)

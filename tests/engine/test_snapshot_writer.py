"""The projection's writer: snapshots that arrive together are written together, and one that
cannot be written fails alone."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from activities.records import SnapshotWriter
from deadlines import MilestoneKind
from models.statuses import DisplayStatus, MilestoneStatus, TaskStatus
from models.workflow_messages import MilestoneView, TaskSnapshot
from plan_import import read_plan
from plan_import.units import BUNDLED_UNITS_FILE, load_unit_directory
from storage.db import session_scope, upgrade_schema
from storage.plans import list_tasks, store_plan
from storage.progress import UnknownTask
from tests.plan_import.seed_table import SEED


def snapshot(plan_key: str, task_code: str) -> TaskSnapshot:
    due = datetime(2023, 3, 31, 10, 0, tzinfo=UTC)
    return TaskSnapshot(
        plan_key=plan_key,
        task_code=task_code,
        title="",
        status=TaskStatus.ACTIVE,
        lead_units=["van-phong"],
        milestones=[
            MilestoneView(
                "1", "Tháng 3", MilestoneKind.FIXED, MilestoneStatus.OPEN, due, None, None
            )
        ],
        next_action=None,
        display_status=DisplayStatus.ACTIVE,
    )


def test_many_at_once_are_all_written_and_a_wrong_one_fails_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    directory = load_unit_directory(BUNDLED_UNITS_FILE)
    imported = read_plan(SEED, directory=directory)
    with session_scope(url) as session:
        store_plan(session, imported=imported, directory=directory)
    codes = [task.code for task in imported.tasks]
    writer = SnapshotWriter(url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        written = [pool.submit(writer.save, snapshot(imported.key, code)) for code in codes]
        wrong = pool.submit(writer.save, snapshot(imported.key, "IX.99"))
        for future in written:
            future.result()
        with pytest.raises(UnknownTask, match=r"IX\.99"):
            wrong.result()
    with session_scope(url) as session:
        tasks = list_tasks(session, plan_key=imported.key)
    assert {task.code for task in tasks if task.status == DisplayStatus.ACTIVE} == set(codes)

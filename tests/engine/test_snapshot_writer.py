"""The projection's writer: snapshots that arrive together are written together, and one that
cannot be written fails alone."""

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from activities.records import SnapshotWriter
from deadlines import MilestoneKind
from models.statuses import DisplayStatus, MilestoneStatus, TaskStatus
from models.tables import ProjectionVersion
from models.workflow_messages import MilestoneView, TaskSnapshot
from plan_import import ImportedPlan, read_plan
from plan_import.units import BUNDLED_UNITS_FILE, load_unit_directory
from storage.db import session_scope, upgrade_schema
from storage.plans import list_tasks, store_plan
from storage.progress import UnknownTask, milestones_by_task, save_task_snapshots
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


def stored_seed(tmp_path: Path) -> tuple[str, ImportedPlan]:
    """A database under `tmp_path` holding the seed plan, as `start` stores it; its URL."""
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    directory = load_unit_directory(BUNDLED_UNITS_FILE)
    imported = read_plan(SEED, directory=directory)
    with session_scope(url) as session:
        store_plan(session, imported=imported, directory=directory)
    return url, imported


def test_many_at_once_are_all_written_and_a_wrong_one_fails_alone(tmp_path: Path) -> None:
    url, imported = stored_seed(tmp_path)
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


def test_a_batch_updates_adds_keeps_the_latest_of_a_task_and_bumps_the_version_once(
    tmp_path: Path,
) -> None:
    url, imported = stored_seed(tmp_path)
    first, second = (task.code for task in imported.tasks[:2])
    with session_scope(url) as session:
        save_task_snapshots(session, [snapshot(imported.key, first)])
    closed_at = datetime(2023, 3, 20, 9, 0, tzinfo=UTC)
    done = snapshot(imported.key, first)
    done.milestones[0] = dataclasses.replace(
        done.milestones[0], status=MilestoneStatus.DONE_ON_TIME, closed_at=closed_at
    )
    occurrence = MilestoneView(
        "1@2023-05-15",
        "Lần 15/05/2023",
        MilestoneKind.RECURRING_EVENT,
        MilestoneStatus.OPEN,
        None,
        None,
        "su-kien",
    )
    done.milestones.append(occurrence)
    with session_scope(url) as session:
        before = session.exec(select(ProjectionVersion.version)).one()
        # The task's older snapshot comes first in the batch: the latest one is what stays.
        save_task_snapshots(
            session, [snapshot(imported.key, first), done, snapshot(imported.key, second)]
        )
    with session_scope(url) as session:
        after = session.exec(select(ProjectionVersion.version)).one()
        rows = milestones_by_task(session, plan_key=imported.key)
        stamped = {
            task.code: task.projection_version
            for task in list_tasks(session, plan_key=imported.key)
        }
    assert after == before + 1
    assert stamped[first] == stamped[second] == after
    assert [(m.key, m.status, m.closed_at, m.order) for m in rows[first]][:1] == [
        ("1", MilestoneStatus.DONE_ON_TIME, closed_at, 1)
    ]
    assert ("1@2023-05-15", MilestoneStatus.OPEN, 2, "su-kien") in [
        (m.key, m.status, m.order, m.event_key) for m in rows[first]
    ]

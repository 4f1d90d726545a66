"""The plan's rows a reader keeps: after the engine writes one task, that task is read again
and the rest kept; a write that names no task, or a new import, reads the whole plan again."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import select

from models.statuses import DisplayStatus, MilestoneStatus, TaskStatus
from models.tables import Milestone, Plan, Task
from models.workflow_messages import MilestoneView, TaskSnapshot
from storage.db import session_scope
from storage.overview import MilestoneRow, milestone_rows
from storage.plan_rows import KeptPlanRows
from storage.progress import bump_projection_version, save_task_snapshot
from tests.web.conftest import PLAN_KEY, site_settings


def _status(rows: list[MilestoneRow], code: str) -> str | None:
    return next(r.status for r in rows if r.task_code == code and r.key == "1")


def test_a_write_of_one_task_reads_that_task_and_one_naming_none_reads_the_plan(
    tmp_path: Path, site_database: Path
) -> None:
    shutil.copy(site_database, tmp_path / "nhachan.db")
    url = site_settings(tmp_path).resolved_database_url()
    kept = KeptPlanRows()
    with session_scope(url) as session:
        plan = session.exec(select(Plan).where(Plan.key == PLAN_KEY)).one()
        assert plan.id is not None
        first = kept.rows(session, plan)
        whole = milestone_rows(session, plan.id)
    assert sorted(first) == sorted(whole)
    order = [(r.task_code, r.key) for r in first]
    assert order[0] == ("I.1", "1") and order[-1][0] == "VII.8"

    # The engine delivers II.3's milestone: the snapshot stamps the task with its write.
    with session_scope(url) as session:
        task = session.exec(select(Task).where(Task.code == "II.3")).one()
        milestone = session.exec(select(Milestone).where(Milestone.task_id == task.id)).one()
        view = MilestoneView(
            "1", milestone.label, milestone.kind, MilestoneStatus.DONE_ON_TIME,  # type: ignore[arg-type]
            milestone.due_at, milestone.due_at, None,
        )  # fmt: skip
        snapshot = TaskSnapshot(
            PLAN_KEY, "II.3", task.title, TaskStatus.DONE, task.lead_units, [view], None,
            DisplayStatus.DONE,
        )  # fmt: skip
        save_task_snapshot(session, snapshot=snapshot)
        # A change made behind the engine's back, to a task no write names.
        other = session.exec(
            select(Milestone).join(Task).where(Task.code == "VI.2", Milestone.key == "1")
        ).one()
        other.status = MilestoneStatus.CANCELLED
        session.add(other)
    with session_scope(url) as session:
        after = kept.rows(session, plan)
    assert _status(after, "II.3") == MilestoneStatus.DONE_ON_TIME
    assert [(r.task_code, r.key) for r in after] == order
    # Only the task written was read again.
    assert _status(after, "VI.2") == MilestoneStatus.OPEN

    # A write that names no task: the whole plan is read again.
    with session_scope(url) as session:
        bump_projection_version(session, plan_id=plan.id)
    with session_scope(url) as session:
        again = kept.rows(session, plan)
    assert _status(again, "VI.2") == MilestoneStatus.CANCELLED
    assert _status(again, "II.3") == MilestoneStatus.DONE_ON_TIME
    assert [(r.task_code, r.key) for r in again] == order

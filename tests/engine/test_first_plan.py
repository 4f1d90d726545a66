"""A task's first plan made by the starter: the starter plans every task and writes their
projections in one transaction; a task's first run takes the plan from its input (no
`plan_task`), and writes its projection again only when it would differ from the starter's:
when the time has moved past a step since the starter planned, the projection shows the task
as it stands, not as the starter saw it."""

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, timedelta
from pathlib import Path

from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHandle

from control import starting
from control.runtime import build_worker
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.tables import Milestone, Task
from models.workflow_messages import TaskSnapshot
from plan_import.units import load_unit_directory
from settings import Settings, get_settings
from simulation.clock import start_time_skipping_at
from simulation.run import NotificationRecorder, local_start, simulated_plan
from storage.db import session_scope, upgrade_schema
from storage.plans import store_plan
from storage.progress import save_task_snapshots
from workflows.search_attributes import initial_search_attributes
from workflows.task import TaskWorkflow, task_workflow_id

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,,Tháng 3/2023,
"""
MARKER = EventType.EVENT_TYPE_MARKER_RECORDED


def sandboxed(tmp_path: Path) -> tuple[Settings, Path]:
    plan_file = tmp_path / "one.csv"
    plan_file.write_text(PLAN, encoding="utf-8")
    settings = get_settings().model_copy(
        update={"var_dir": tmp_path, "database_url": f"sqlite:///{tmp_path / 'first.db'}"}
    )
    return settings, plan_file


def markers_recorded(events: Sequence[HistoryEvent]) -> list[str]:
    return [
        event.marker_recorded_event_attributes.marker_name
        for event in events
        if event.event_type == MARKER
    ]


def local_activities(events: Sequence[HistoryEvent]) -> list[str]:
    """The types of the local activities a history recorded, in order."""
    found: list[str] = []
    for event in events:
        marker = event.marker_recorded_event_attributes
        if event.event_type == MARKER and marker.marker_name == "core_local_activity":
            [payload] = marker.details["data"].payloads
            found.append(json.loads(payload.data)["activity_type"])
    return found


def stored(settings: Settings, task_code: str) -> tuple[Task, list[Milestone]]:
    with session_scope(settings.resolved_database_url()) as session:
        task = session.exec(select(Task).where(Task.code == task_code)).one()
        milestones = session.exec(select(Milestone).where(Milestone.task_id == task.id)).all()
        session.expunge_all()
        return task, list(milestones)


def shows(settings: Settings, snapshot: TaskSnapshot) -> bool:
    """Whether the projection shows `snapshot`'s status, next step and milestones."""
    task, milestones = stored(settings, snapshot.task_code)
    following = snapshot.next_action
    at = task.next_action_at.replace(tzinfo=UTC) if task.next_action_at else None
    return (
        task.status == snapshot.display_status
        and task.next_action == (following.action if following else "")
        and at == (following.at if following else None)
        and {(m.key, m.status) for m in milestones}
        == {(m.key, m.status) for m in snapshot.milestones}
    )


async def current(handle: WorkflowHandle[TaskWorkflow, TaskSnapshot]) -> TaskSnapshot:
    return await handle.query(TaskWorkflow.snapshot)


async def test_a_task_runs_its_first_plan_from_the_starter_without_planning_or_writing_again(
    tmp_path: Path,
) -> None:
    settings, plan_file = sandboxed(tmp_path)
    start = local_start(date(2023, 3, 1)) + timedelta(hours=9)
    async with simulated_plan(plan_file, start_at=start, settings=settings, year=2023) as sim:
        # Before the task's first run: the starter wrote its projection.
        task, _milestones = stored(sim.settings, "I.1")
        assert task.status is not None and task.next_action_at is not None
        await sim.sleep_until(start + timedelta(minutes=5))
        handle = sim.client.get_workflow_handle_for(
            TaskWorkflow.run, task_workflow_id(sim.report.plan_key, "I.1")
        )
        history = await handle.fetch_history()
        snapshot = await current(handle)

    # The run took the markers and asked for no local activity: neither `plan_task` nor the
    # projection's write, which would have written what the starter had written already.
    assert set(markers_recorded(history.events)) == {"core_patch"}
    assert local_activities(history.events) == []
    assert snapshot.milestones[0].status is MilestoneStatus.OPEN
    assert shows(sim.settings, snapshot)


async def test_a_first_plan_the_time_has_moved_past_writes_the_task_as_it_stands(
    tmp_path: Path,
) -> None:
    settings, plan_file = sandboxed(tmp_path)
    directory = load_unit_directory(settings.units_file)
    imported = starting.load_plan_for_start(plan_file, year=2023, directory=directory)
    task = imported.tasks[0]
    planned = starting.planned_milestones(imported, settings)
    planned_at = local_start(date(2023, 3, 1)) + timedelta(hours=9)
    task_input, as_planned = starting.with_first_plan(
        starting.task_workflow_input(imported, task, directory),
        planned[task.code],
        settings,
        planned_at,
    )
    # The task starts an hour past the step the starter had planned next: it missed it.
    missed = as_planned.next_action
    assert missed is not None
    started_at = missed.at + timedelta(hours=1)
    url = settings.resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        store_plan(session, imported=imported, directory=directory)
        save_task_snapshots(session, [as_planned])
    assert shows(settings, as_planned)

    recorder = NotificationRecorder()
    async with await start_time_skipping_at(started_at) as env:
        with ThreadPoolExecutor(max_workers=4) as executor:
            worker = build_worker(
                env.client,
                settings,
                executor=executor,
                extra_activities=recorder.activities(),
                replace_notifications=True,
            )
            async with worker:
                handle = await env.client.start_workflow(
                    TaskWorkflow.run,
                    task_input,
                    id=task_workflow_id(task_input.plan_key, task_input.task_code),
                    task_queue=settings.task_queue,
                    search_attributes=initial_search_attributes(task_input),
                )
                await env.sleep(timedelta(minutes=5))
                snapshot = await current(handle)
                history = await handle.fetch_history()
                entries = await handle.query(TaskWorkflow.history)

    # The run took the starter's plan (no `plan_task`), skipped the step it missed (told once,
    # not sent), and wrote the projection as the task stands now (from 1.2.0 with the catch-up
    # message, in one local activity).
    assert markers_recorded(history.events)[0] == "core_patch"
    assert "plan_task" not in local_activities(history.events)
    assert {"record_task_state", "record_and_send"} & set(local_activities(history.events))
    assert any(entry.action == "caught_up" for entry in entries)
    assert snapshot.next_action is not None and snapshot.next_action.at > started_at
    assert snapshot.next_action != missed
    assert shows(settings, snapshot)
    assert not shows(settings, as_planned)
    assert [r.kind for r in recorder.requests] == [MessageKind.CATCH_UP]

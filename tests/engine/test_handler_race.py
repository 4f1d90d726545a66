"""The extension/schedule race: an extension granted while the task's main loop is asking the
policy for the next window of steps of the same milestone.

Before the task workflow's handlers followed Temporal's safe-message-handler pattern, both
planned steps for the milestone and the one that returned last won: the main loop's stale
schedule of escalations replaced the grant's reminders, and escalations went on after the
extension. Here the policy's answer to the main loop is held until the grant has had every
chance to finish, then let go.
"""

import asyncio
import tempfile
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.planning import PlanningActivities
from activities.record_and_send import record_and_send_activity
from activities.records import RecordActivities
from control import operations, starting
from control.permissions import Actor
from control.runtime import WORKFLOWS
from deadlines import ScheduledStep, StepAction
from deadlines.local_time import local_iso
from models.statuses import MilestoneStatus
from models.tables import UnitRole
from models.workflow_messages import ExtensionGrant, ScheduleRequest
from settings import Settings, get_settings
from simulation.clock import start_time_skipping_at
from simulation.run import NotificationRecorder, local_start
from workflows.task_state import FIRST_PLAN_WINDOW

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,,Tháng 3/2023,
"""
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
ACCEPTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED


class HeldSchedule:
    """`schedule_milestone` as the policy answers it, except that the first window asked for
    after the first (the main loop's next window) is held until `release` is set."""

    def __init__(self, planning: PlanningActivities) -> None:
        self._planning = planning
        self.entered = threading.Event()
        self.release = threading.Event()
        self._held = False
        self._lock = threading.Lock()

    @activity.defn(name="schedule_milestone")
    def schedule_milestone(self, request: ScheduleRequest) -> list[ScheduledStep]:
        steps = self._planning.schedule_milestone(request)
        with self._lock:
            hold = request.after is not None and not self._held
            self._held = self._held or hold
        if hold:
            self.entered.set()
            self.release.wait(timeout=60)
        return steps


@dataclass
class Engine:
    env: WorkflowEnvironment
    settings: Settings
    held: HeldSchedule
    recorder: NotificationRecorder
    plan_key: str

    @property
    def client(self) -> Client:
        return self.env.client


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    plan_file = tmp_path / "one.csv"
    plan_file.write_text(PLAN, encoding="utf-8")
    folder = Path(tempfile.mkdtemp(prefix="nhachan-race-"))
    settings = get_settings().model_copy(
        update={
            "var_dir": folder,
            "database_url": f"sqlite:///{folder / 'race.db'}",
            "task_queue": "nhachan-race",
        }
    )
    planning = PlanningActivities(settings)
    held = HeldSchedule(planning)
    recorder = NotificationRecorder()
    start = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00 in Vietnam
    env = await start_time_skipping_at(start)
    async with env:
        with ThreadPoolExecutor(max_workers=4) as executor:
            records = RecordActivities(database_url=settings.resolved_database_url())
            worker = Worker(
                env.client,
                task_queue=settings.task_queue,
                workflows=list(WORKFLOWS),
                activities=[
                    planning.plan_task_milestones,
                    planning.plan_task,
                    held.schedule_milestone,
                    planning.due_after_event,
                    planning.due_on_day,
                    *records.all(),  # type: ignore[list-item]
                    *recorder.activities(),
                    record_and_send_activity(records.snapshots, recorder.send_messages, executor),
                ],
                activity_executor=executor,
            )
            async with worker:
                report = await starting.start_plan(
                    env.client, settings, plan_file, year=2023, with_digest=False
                )
                try:
                    yield Engine(env, settings, held, recorder, report.plan_key)
                finally:
                    held.release.set()


async def grant_accepted(engine: Engine, plan_key: str) -> None:
    """Returns once the task's history holds the grant's update, accepted (or the grant done)."""
    handle = engine.client.get_workflow_handle(f"{plan_key}/I.1")
    for _ in range(600):
        history = await handle.fetch_history()
        if any(event.event_type == ACCEPTED for event in history.events):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the task never took the grant in")


async def test_an_extension_granted_while_the_next_window_is_planned_wins(
    engine: Engine,
) -> None:
    key = engine.plan_key
    await engine.env.sleep(timedelta(minutes=1))
    first = await operations.task_snapshot(engine.client, key, "I.1")
    due = first.milestones[0].due
    assert due is not None and local_iso(due) == "2023-03-31T17:00:00+07:00"
    # The first run planned the steps up to the due instant and a window beyond; the main loop
    # asks for the next window when that one is spent.
    next_window = due + FIRST_PLAN_WINDOW
    now = await engine.env.get_current_time()
    await engine.env.sleep(next_window - timedelta(seconds=10) - now)
    await engine.env.sleep(timedelta(seconds=20))
    assert await asyncio.to_thread(engine.held.entered.wait, 60), "the main loop never asked"

    grant = asyncio.create_task(
        operations.grant_extension(
            engine.client,
            key,
            "I.1",
            ExtensionGrant("1", date(2023, 8, 31), "the data came late", "cchc-vtlt"),
            actor=COORDINATOR,
        )
    )
    # The main loop is held on the policy's answer until the task has taken the grant in (the
    # update accepted, in its history): the race happens every time, however slow the machine.
    # Before the fix the grant then planned its own steps and the main loop's stale answer,
    # let go after it, replaced them; after the fix the main loop applies the grant next.
    await grant_accepted(engine, key)
    engine.held.release.set()
    view = await grant
    assert local_iso(view.due) == "2023-08-31T17:00:00+07:00"

    await engine.env.sleep(timedelta(minutes=1))
    snapshot = await operations.task_snapshot(engine.client, key, "I.1")
    milestone = snapshot.milestones[0]
    assert milestone.status is MilestoneStatus.OPEN
    assert local_iso(milestone.due) == "2023-08-31T17:00:00+07:00"
    nxt = snapshot.next_action
    assert nxt is not None
    # Reminders before the new due day, not the stale ladder of escalations.
    assert (nxt.action, local_iso(nxt.at)) == (
        StepAction.REMINDER,
        "2023-08-17T08:00:00+07:00",
    )
    # And nothing escalates once the extension is granted, up to the new due day.
    await engine.env.sleep(local_start(date(2023, 8, 31)) - await engine.env.get_current_time())
    after = [
        (local_iso(entry.at)[:10], entry.action)
        for entry in engine.recorder.entries
        if entry.at > next_window
    ]
    assert after == [
        ("2023-08-17", "reminder"),
        ("2023-08-24", "reminder"),
        ("2023-08-29", "reminder"),
    ]

"""The routing activity takes an event to the tasks waiting on it: a later attempt goes on from
the progress its predecessor heartbeated, and a task signalled twice (the attempt that died had
signalled it after its last heartbeat) applies the event once. From 1.2.0 the signal carries
the clocks the router worked out (workflows/event_clock.py): each task takes its due date and
steps from it, the same as it would have asked the policy for, and asks nothing itself.

The real task workflows and the real activity on the time-skipping server; the activity run by
hand, as the engine runs a retried attempt, with the heartbeat details it would be given.
(tests/drills/test_event_routing.py kills the worker of a routing for real.)
"""

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.routing import RoutingActivities
from control import starting
from control.runtime import build_worker
from models.workflow_messages import EventDelivery, EventOccurrence, NextAction, RoutedEvent
from plan_import.units import load_unit_directory
from settings import Settings, get_settings
from simulation.clock import start_time_skipping_at
from storage.db import session_scope
from storage.plans import list_tasks
from workflows.task import TaskWorkflow, task_workflow_id

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
2,Ban hành quy chế,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
3,Tổ chức hội nghị,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
4,Kiểm tra việc thực hiện,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
"""
CODES = ["I.1", "I.2", "I.3", "I.4"]
# Wednesday 01/03/2023 09:00 in Vietnam.
MORNING = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)


@dataclasses.dataclass
class Engine:
    env: WorkflowEnvironment
    settings: Settings
    plan_key: str
    delivery: EventDelivery


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    settings: Settings = get_settings().model_copy(
        update={
            "var_dir": tmp_path,
            "database_url": f"sqlite:///{tmp_path / 'nhachan.db'}",
            "task_queue": "nhachan-routing",
            "contacts": None,
        }
    )
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(PLAN, encoding="utf-8")
    env = await start_time_skipping_at(MORNING)
    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            async with build_worker(env.client, settings, executor=executor):
                report = await starting.start_plan(
                    env.client, settings, plan_file, year=2023, with_digest=False
                )
                assert sorted(report.started) == CODES
                # Planned, so that a signal enters a task's history as it comes (one that comes
                # while a workflow task runs waits for it to end): the projection is written,
                # and the workflow task that wrote it has ended (from 1.1.0 it goes on to send
                # the task's first messages by a local activity).
                while planned(settings, report.plan_key) < len(CODES) or not all(
                    [await between_workflow_tasks(env, report.plan_key, code) for code in CODES]
                ):
                    await asyncio.sleep(0.1)
                event = EventOccurrence(
                    key=starting.event_subscriptions(
                        starting.load_plan_for_start(
                            plan_file,
                            year=2023,
                            directory=load_unit_directory(settings.units_file),
                        ),
                        settings,
                    )[0].event_key,
                    occurred_on=date(2023, 3, 1),
                    decision="Quyết định số 1/QĐ-UBND",
                )
                # A task not running (closed, or not started yet) is missed, not an error.
                delivery = EventDelivery(report.plan_key, event, [*CODES, "IX.9"])
                yield Engine(env, settings, report.plan_key, delivery)


def planned(settings: Settings, plan_key: str) -> int:
    with session_scope(settings.resolved_database_url()) as session:
        return sum(1 for task in list_tasks(session, plan_key=plan_key) if task.status is not None)


async def between_workflow_tasks(env: WorkflowEnvironment, plan_key: str, code: str) -> bool:
    """Whether the task's last workflow task has ended and no other is due."""
    handle = env.client.get_workflow_handle(task_workflow_id(plan_key, code))
    steps = {
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    }
    kinds = [event.event_type async for event in handle.fetch_history_events()]
    ours = [kind for kind in kinds if kind in steps]
    return bool(ours) and ours[-1] == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED


def attempt(engine: Engine, heartbeat: list[list[str]]) -> ActivityEnvironment:
    """An attempt of the routing activity, given the details of its predecessor's last
    heartbeat (the tasks it had reached, those it found not running)."""
    activity = ActivityEnvironment(engine.env.client)
    activity.info = dataclasses.replace(activity.info, heartbeat_details=heartbeat)
    return activity


# The server's default: the task workflows are started without one of their own.
WORKFLOW_TASK_TIMEOUT = timedelta(seconds=10)


async def signals(engine: Engine, code: str, *, at_least: int) -> int:
    """How many times the task was signalled the event, once at least `at_least` signals are in
    its history and it has taken each. A signal that reaches a task while one of its workflow
    tasks is running is buffered by the server and enters the history only when that workflow
    task completes (or times out): it is waited for that long, twice over."""
    handle = engine.env.client.get_workflow_handle(task_workflow_id(engine.plan_key, code))
    patience = time.monotonic() + 2 * WORKFLOW_TASK_TIMEOUT.total_seconds()
    while True:
        kinds = [event.event_type async for event in handle.fetch_history_events()]
        signalled = [
            i
            for i, kind in enumerate(kinds)
            if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        ]
        taken = [
            i
            for i, kind in enumerate(kinds)
            if kind == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
        ]
        settled = not signalled or (taken and taken[-1] > signalled[-1])
        if settled and (len(signalled) >= at_least or time.monotonic() > patience):
            return len(signalled)
        await asyncio.sleep(0.1)


async def applied(engine: Engine, code: str) -> int:
    """How many times the task started its clock on the event."""
    handle = engine.env.client.get_workflow_handle_for(
        TaskWorkflow.run, task_workflow_id(engine.plan_key, code)
    )
    return [entry.action for entry in await handle.query(TaskWorkflow.history)].count("event")


async def test_a_later_attempt_signals_only_the_tasks_its_predecessor_did_not_reach(
    engine: Engine,
) -> None:
    routing = RoutingActivities(engine.env.client, engine.settings, in_flight=2)
    # The attempt that died had reached I.1 and found IX.9 missing, as its heartbeat says.
    retried = attempt(engine, [["I.1"], ["IX.9"]])
    reached = await retried.run(routing.route_event, engine.delivery)
    assert reached == CODES
    expected = [0, 1, 1, 1]
    assert [
        await signals(engine, code, at_least=n) for code, n in zip(CODES, expected, strict=True)
    ] == expected


async def test_a_task_signalled_again_applies_the_event_once(engine: Engine) -> None:
    routing = RoutingActivities(engine.env.client, engine.settings, in_flight=2)
    # The first attempt reached every task but died before its heartbeat said so.
    for _ in range(2):
        reached = await attempt(engine, []).run(routing.route_event, engine.delivery)
        assert reached == CODES
    assert [await signals(engine, code, at_least=2) for code in CODES] == [2, 2, 2, 2]
    assert [await applied(engine, code) for code in CODES] == [1, 1, 1, 1]
    # Each took the clock the router handed it, with both signals: it asked nothing itself.
    assert [await asked(engine, code) for code in CODES] == [[], [], [], []]


async def test_the_clock_a_task_takes_from_the_router_is_the_one_it_would_have_asked_for(
    engine: Engine,
) -> None:
    routing = RoutingActivities(engine.env.client, engine.settings, in_flight=2)
    # What the router hands I.1, and I.2 given the event without it (an older router).
    handle = engine.env.client.get_workflow_handle(task_workflow_id(engine.plan_key, "I.2"))
    await handle.signal(TaskWorkflow.event_occurred, engine.delivery.event)
    assert await signals(engine, "I.2", at_least=1) == 1
    delivery = dataclasses.replace(engine.delivery, task_codes=["I.1"])
    assert await attempt(engine, []).run(routing.route_event, delivery) == ["I.1"]
    assert await signals(engine, "I.1", at_least=1) == 1
    assert await asked(engine, "I.1") == []
    assert await asked(engine, "I.2") == ["due_after_event", "schedule_milestone"]
    took, computed = [await clocks(engine, code) for code in ("I.1", "I.2")]
    assert took == computed
    assert took[0] is not None and took[1] is not None  # a due date, and a step to come


async def test_a_clock_worked_out_from_another_milestone_is_not_taken(engine: Engine) -> None:
    routing = RoutingActivities(engine.env.client, engine.settings, in_flight=2)
    [clock] = routing.clocks(engine.delivery, ["I.1"], MORNING)["I.1"]
    # As if the task's deadline had been corrected since the router read it.
    other = dataclasses.replace(clock, waiting=dataclasses.replace(clock.waiting, text="khác"))
    handle = engine.env.client.get_workflow_handle(task_workflow_id(engine.plan_key, "I.1"))
    await handle.signal(TaskWorkflow.event_routed, RoutedEvent(engine.delivery.event, [other]))
    assert await signals(engine, "I.1", at_least=1) == 1
    assert await asked(engine, "I.1") == ["due_after_event", "schedule_milestone"]
    assert await applied(engine, "I.1") == 1


async def asked(engine: Engine, code: str) -> list[str]:
    """The local activities of the policy's dates the task asked for since it planned."""
    handle = engine.env.client.get_workflow_handle(task_workflow_id(engine.plan_key, code))
    found: list[str] = []
    async for event in handle.fetch_history_events():
        marker = event.marker_recorded_event_attributes
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and (
            marker.marker_name == "core_local_activity"
        ):
            [payload] = marker.details["data"].payloads
            kind = json.loads(payload.data)["activity_type"]
            if kind in ("due_after_event", "schedule_milestone"):
                found.append(kind)
    return found


async def clocks(engine: Engine, code: str) -> tuple[datetime | None, NextAction | None]:
    """The task's milestone as its clock started: its due date, and its next step."""
    handle = engine.env.client.get_workflow_handle_for(
        TaskWorkflow.run, task_workflow_id(engine.plan_key, code)
    )
    snapshot = await handle.query(TaskWorkflow.snapshot)
    [milestone] = snapshot.milestones
    return milestone.due, snapshot.next_action

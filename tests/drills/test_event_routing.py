"""An event reaches every task waiting on it exactly once, across a crash of its router.

The drill: a plan of a few hundred tasks that all wait on one event, the product's worker in a
process of its own. The coordinator records the event; while the routing activity signals the
tasks, its worker is frozen (SIGSTOP) and, the engine still waiting for the activity, killed
(SIGKILL). A second worker takes the activity up once its heartbeat stops. What must hold: the
event is recorded once; the coordinator's answer names every task; each task started its clock
once and its lead units were told once (counted at the SMTP server, by Message-ID), though some
tasks were signalled by both routers; and each took the clock its router worked out (from
1.2.0: workflows/event_clock.py), asking the policy for nothing itself.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client

from benchmarks.scale import FANOUT_DEADLINE
from benchmarks.synthetic_plan import write_synthetic_plan
from control import operations, starting
from control.permissions import Actor
from models.payloads import MessageKind
from models.tables import NotificationLog, UnitRole
from models.workflow_messages import EventOccurrence, EventRouting
from plan_import.units import load_unit_directory
from storage.db import session_scope
from storage.plans import list_tasks
from tests.drills.harness import DevServer, DrillProduct, eventually, worker_log
from workflows.plan import PlanWorkflow, plan_workflow_id
from workflows.task import TaskWorkflow, task_workflow_id

pytestmark = pytest.mark.slow

TASKS = 300
# How long each stage may take before it is a failure, not a slow machine: planning a few
# hundred tasks on 2 loaded cores, and the routing's heartbeat timeout (10 s) with the retry.
PATIENCE = 300
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)


@pytest.fixture
async def product(tmp_path: Path) -> AsyncIterator[DrillProduct]:
    server = DevServer(tmp_path / "temporal")
    server.start()
    product = DrillProduct("event-routing", tmp_path / "product", server)
    try:
        yield product
    finally:
        product.close()
        server.kill()


async def routing_started(client: Client, plan_key: str) -> bool:
    """Whether the plan's routing activity is running (started and not completed)."""
    described = await client.get_workflow_handle(plan_workflow_id(plan_key)).describe()
    return any(
        pending.activity_type.name == "route_event"
        and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        for pending in described.raw_description.pending_activities
    )


async def signallers(client: Client, plan_key: str, code: str) -> list[str]:
    """Who signalled the event to a task, one entry a signal (the client's identity)."""
    handle = client.get_workflow_handle(task_workflow_id(plan_key, code))
    return [
        event.workflow_execution_signaled_event_attributes.identity
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        and event.workflow_execution_signaled_event_attributes.signal_name
        in ("event_occurred", "event_routed")
    ]


async def asked_for_a_due_date(client: Client, plan_key: str, code: str) -> bool:
    """Whether the task asked the policy for its due date itself (a local activity), rather
    than taking the one its router handed it."""
    handle = client.get_workflow_handle(task_workflow_id(plan_key, code))
    async for event in handle.fetch_history_events():
        marker = event.marker_recorded_event_attributes
        if (
            event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and marker.marker_name == "core_local_activity"
        ):
            [payload] = marker.details["data"].payloads
            if json.loads(payload.data)["activity_type"] == "due_after_event":
                return True
    return False


def told_of(product: DrillProduct) -> Counter[tuple[str, str]]:
    """How many times each unit was told of each task's clock, by the notification log: the
    plan's message to a unit lists its tasks (its row's details), and a task telling its units
    itself would log a clock-started row of its own (counted as well)."""
    told: Counter[tuple[str, str]] = Counter()
    with session_scope(product.database_url) as session:
        rows = session.exec(
            select(NotificationLog).where(
                col(NotificationLog.kind).in_(
                    [MessageKind.CLOCKS_STARTED, MessageKind.CLOCK_STARTED]
                )
            )
        ).all()
    for row in rows:
        codes = row.details.get("task_codes", []) if not row.task_code else [row.task_code]
        told.update((row.unit_code, code) for code in codes)
    return told


async def kill_mid_routing(product: DrillProduct) -> dict[str, Any]:
    settings = product.settings
    client = await product.server.client(settings)
    worker = product.worker()
    await product.polled(client)
    path = write_synthetic_plan(product.root, TASKS, subject="lan tỏa", deadline=FANOUT_DEADLINE)
    # Next year's, as in the scale benchmark: a plan of this year started today would first
    # send every step its tasks missed.
    year = product.today.year + 1
    started = await starting.start_plan(client, settings, path, year=year)
    plan_key = started.plan_key
    codes = sorted(started.started)
    assert len(codes) == TASKS

    def planned() -> bool:
        with session_scope(product.database_url) as session:
            tasks = list_tasks(session, plan_key=plan_key)
            return sum(1 for task in tasks if task.status is not None) >= TASKS

    await eventually(planned, seconds=PATIENCE, what="every task planned")
    # And running, waiting for the event: a task whose first run comes after the event was
    # recorded reads it from the plan's record (and works its clock out itself).
    running = (
        f'NhachanPlan = "{plan_key}" AND NhachanTaskCode IS NOT NULL '
        "AND NhachanGeneration IS NOT NULL"
    )
    while (await client.count_workflows(running)).count < TASKS:
        await asyncio.sleep(0.2)
    imported = starting.load_plan_for_start(
        path, year=year, directory=load_unit_directory(settings.units_file)
    )
    [subscription] = {
        (s.event_key, s.needs_due_date): s for s in starting.event_subscriptions(imported, settings)
    }.values()
    event = EventOccurrence(
        key=subscription.event_key,
        occurred_on=product.today,
        decision="drill",
        due_on=product.today + timedelta(days=30) if subscription.needs_due_date else None,
    )
    triggered = asyncio.create_task(
        operations.trigger_event(client, plan_key, event, actor=COORDINATOR)
    )

    # The router is frozen as soon as it has signalled a task (it first works out the tasks'
    # clocks), then killed if the engine still waits for it.
    while not await routing_started(client, plan_key) or not await signallers(
        client, plan_key, codes[0]
    ):
        assert not triggered.done(), "the event was routed before its router could be stopped"
        await asyncio.sleep(0.01)
    worker.signal(signal.SIGSTOP)
    await asyncio.sleep(1)
    assert await routing_started(client, plan_key), "the routing ended before the kill"
    assert worker.process is not None
    killed = f"{worker.process.pid}@"
    worker.signal(signal.SIGKILL)
    worker.wait()
    product.worker()

    routing: EventRouting = await asyncio.wait_for(triggered, PATIENCE)
    assert sorted(routing.tasks) == codes and not routing.already_recorded
    plan = client.get_workflow_handle_for(PlanWorkflow.run, plan_workflow_id(plan_key))
    assert [e.identity for e in await plan.query(PlanWorkflow.events)] == [event.identity]

    await eventually(
        lambda: {code for _unit, code in told_of(product)} == set(codes),
        seconds=PATIENCE,
        what="every task's lead units told",
    )
    assert set(told_of(product).values()) == {1}
    # Each task applied it once, though some were signalled twice.
    for code in codes:
        history = await client.get_workflow_handle_for(
            TaskWorkflow.run, task_workflow_id(plan_key, code)
        ).query(TaskWorkflow.history)
        assert [entry.action for entry in history].count("event") == 1, code
    # A message the server accepted twice is one whose log write the kill may have cut.
    doubled = {mid for mid, count in product.copies().items() if count > 1}
    assert doubled <= set(product.uncertain())
    asked = [code for code in codes if await asked_for_a_due_date(client, plan_key, code)]
    assert asked == []
    routers = [await signallers(client, plan_key, code) for code in codes]
    by_killed = [any(r.startswith(killed) for r in signals) for signals in routers]
    return {
        "tasks": TASKS,
        "signalled by the killed router": sum(by_killed),
        "signalled by both routers": sum(
            seen and any(not r.startswith(killed) for r in signals)
            for seen, signals in zip(by_killed, routers, strict=True)
        ),
        "messages accepted twice": len(doubled),
    }


async def test_a_router_killed_mid_routing_reaches_every_task_once(
    product: DrillProduct,
) -> None:
    try:
        measures = await kill_mid_routing(product)
    except BaseException as error:
        error.add_note(worker_log(product))
        raise
    print(f"\nrouter killed mid-routing: {measures}")

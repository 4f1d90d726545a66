"""End to end on the real Temporal dev server (from the pip package), on the real clock: start a
plan, trigger an event, submit evidence, the task closes; then stop the server, start it again
on its database file, and a timer set before the stop still fires.

The timer is a deadline a minute away: the test's office hours run from midnight to 45 seconds
after it starts (the deadline of "ngày <day>" is the close of office hours; near midnight in
Vietnam, the day after it, 45 seconds after midnight), and its calendar makes that day and the
two after it working days whatever day, holiday or hour the test runs on
(simulation/real_clock.py).
"""

import asyncio
import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.client import Client
from typer.testing import CliRunner

from control import operations, starting
from control.permissions import Actor
from control.runtime import build_worker, start_dev_server
from deadlines.local_time import local_day, local_instant
from models.statuses import MilestoneStatus, TaskStatus
from models.tables import Milestone, Task, UnitRole
from models.workflow_messages import EventOccurrence, EvidenceSubmission
from scheduler import app
from settings import Settings, get_settings
from simulation.real_clock import OfficeWindow, office_window, write_calendar
from simulation.run import NotificationRecorder
from storage.db import session_scope
from tests.support.engine import deployment_settings, eventually, plan_csv, policy_at
from workflows import search_attributes as sa

# The deadline's distance from the start: the plan starts, an event, evidence, then the timer.
DEADLINE_IN = timedelta(seconds=45)


@pytest.fixture
def office() -> OfficeWindow:
    return office_window(datetime.now(UTC), DEADLINE_IN, timedelta(0))


@pytest.fixture
def settings(tmp_path: Path, office: OfficeWindow) -> Settings:
    calendar = write_calendar(tmp_path / "calendar", office.days(), name="test day")
    plan = plan_csv(
        tmp_path,
        "I. CHỈ ĐẠO",
        "1,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,\n"
        f"2,Báo cáo nhanh,Ban Tôn giáo,,{office.deadline_text()},\n",
    )
    return deployment_settings(
        tmp_path,
        task_queue="nhachan-e2e",
        calendar_dir=calendar,
        policy_file=policy_at(tmp_path),
        plan_file=plan,
        office_opens=office.opens,
        office_closes=office.closes,
    )


@asynccontextmanager
async def engine(settings: Settings, recorder: NotificationRecorder) -> AsyncIterator[Client]:
    """The dev server on its database file under var/, and the worker."""
    env = await start_dev_server(settings)
    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            worker = build_worker(
                env.client,
                settings,
                executor=executor,
                extra_activities=recorder.activities(),
                replace_notifications=True,
            )
            async with worker:
                yield env.client


def milestone_status(settings: Settings, task_code: str) -> MilestoneStatus | None:
    with session_scope(settings.resolved_database_url()) as session:
        row = session.exec(select(Milestone).join(Task).where(Task.code == task_code)).first()
        return row.status if row else None


def task_status(settings: Settings, task_code: str) -> str | None:
    with session_scope(settings.resolved_database_url()) as session:
        row = session.exec(select(Task).where(Task.code == task_code)).first()
        return row.status if row else None


async def test_a_plan_runs_on_the_dev_server_and_survives_a_restart(
    settings: Settings, office: OfficeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = NotificationRecorder()
    # The plan's year is its deadline's; the event happened today (the eve of it, near midnight).
    year = office.day.year
    today = local_day(datetime.now(UTC))
    async with engine(settings, recorder) as client:
        report = await starting.start_plan(client, settings, settings.plan_file, year=year)
        assert sorted(report.started) == ["I.1", "I.2"]
        key = report.plan_key
        routing = await operations.trigger_event(
            client,
            key,
            EventOccurrence("ubnd-tinh-ban-hanh", today, decision="1/QĐ-UBND"),
            actor=Actor("cchc-vtlt", UnitRole.COORDINATOR),
        )
        assert routing.tasks == ["I.1"]
        await eventually(lambda: milestone_status(settings, "I.1") is MilestoneStatus.OPEN)
        view = await operations.submit_evidence(
            client,
            key,
            "I.1",
            EvidenceSubmission("1", "van-phong", document_number="5/KH-SNV"),
            actor=Actor("van-phong", UnitRole.UNIT),
        )
        assert view.status is MilestoneStatus.DONE_ON_TIME
        # Done; its workflow stays for the evidence's review window (a rejection reopens it).
        await eventually(lambda: task_status(settings, "I.1") == "done")
        snapshot = await operations.task_snapshot(client, key, "I.1")
        assert snapshot.status is TaskStatus.DONE
        assert ("I.1", "closing") in [(e.task, e.action) for e in recorder.entries]
        # The other task waits for its deadline, a minute away, when the server goes down.
        assert milestone_status(settings, "I.2") is MilestoneStatus.OPEN

    async with engine(settings, recorder) as client:
        again = await starting.start_plan(client, settings, settings.plan_file, year=year)
        assert again.started == [] and again.already_running == ["I.2"]
        assert again.already_closed == ["I.1"]
        # The deadline timer set before the restart fires: the task turns overdue.
        await eventually(lambda: milestone_status(settings, "I.2") is MilestoneStatus.OVERDUE)
        snapshot = await operations.task_snapshot(client, key, "I.2")
        assert snapshot.display_status == "overdue"
        next_action = snapshot.next_action
        assert next_action is not None and next_action.action == "escalation"
        # The coordinator is told on the first working day after the due day, at the policy's
        # hour: the calendar made the next day one, whatever the date.
        assert next_action.at == local_instant(office.day + timedelta(days=1), time(0, 0))

        # Visibility: the search attributes tell where the task stands.
        async def listed_overdue() -> list[str]:
            query = f'{sa.PLAN.name} = "{key}" AND {sa.STATUS.name} = "overdue"'
            return [w.id async for w in client.list_workflows(query)]

        for _ in range(60):
            if await listed_overdue():
                break
            await asyncio.sleep(0.5)
        assert await listed_overdue() == [f"{key}/I.2"]

        # The coordinator's view of one task, through the command line.
        monkeypatch.setenv("NHACHAN_TEMPORAL_ADDRESS", settings.temporal_address)
        monkeypatch.setenv("NHACHAN_DATABASE_URL", settings.resolved_database_url())
        monkeypatch.setenv("NHACHAN_TASK_QUEUE", settings.task_queue)
        get_settings.cache_clear()
        cli = await asyncio.to_thread(
            CliRunner().invoke, app, ["history", "I.2", "--plan", key, "--json"]
        )
        get_settings.cache_clear()
        assert cli.exit_code == 0, cli.output
        document = json.loads(cli.stdout)
        assert document["status"] == "overdue"
        assert [h["action"] for h in document["history"]][:1] == ["started"]
        assert "overdue" in [h["action"] for h in document["history"]]
        # Every instant in Vietnam's time, the details' too ("overdue: due …").
        assert "+00:00" not in cli.stdout and "+07:00" in cli.stdout

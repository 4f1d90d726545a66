"""An event the coordinator records in the evening: the task's clock is written to the record
at once, while the message telling its lead units (the plan's, one per unit) waits for the next
morning's office hours.

The real workflows and activities, notifications included (to the outbox), on the time-skipping
server: the clock-started message is held by the office hours as in production, and the record
(what the dashboard and `scheduler.py status` read) must not show the task waiting for its event
all night meanwhile. The same holds for a task added to the plan after its event (it learns of
the event as it starts)."""

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from control import operations, starting
from control.permissions import Actor
from control.runtime import build_worker
from models.payloads import MessageKind
from models.statuses import DisplayStatus, MilestoneStatus
from models.tables import Milestone, NotificationLog, NotificationStatus, Task, UnitRole
from models.workflow_messages import EventOccurrence
from settings import Settings, get_settings
from simulation.clock import start_time_skipping_at
from simulation.run import local_start
from storage.db import session_scope

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
3,Xây dựng quy chế phối hợp,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
"""
# Added by a second start, that evening, after the event.
ADDED_LATER = "2,Ban hành quy chế,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,\n"
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
# Wednesday 01/03/2023 09:00 in Vietnam: the plan starts (a task's catch-up goes out then).
MORNING = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
# 18:00: the office closed at 17:00.
EVENING = datetime(2023, 3, 1, 11, 0, tzinfo=UTC)
# Thursday 02/03/2023 09:00: open again.
NEXT_MORNING = local_start(date(2023, 3, 2)) + timedelta(hours=9)


@asynccontextmanager
async def engine(settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    """The product's worker with its own notification activities."""
    env = await start_time_skipping_at(MORNING)
    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            async with build_worker(env.client, settings, executor=executor):
                yield env


async def sleep(env: WorkflowEnvironment, until: datetime) -> None:
    await env.sleep(until - await env.get_current_time())


def recorded(settings: Settings, code: str) -> tuple[str | None, MilestoneStatus | None]:
    """A task's status and its milestone's, as the record shows them."""
    with session_scope(settings.resolved_database_url()) as session:
        task = session.exec(select(Task).where(Task.code == code)).one()
        # No row until the task's workflow first writes its projection.
        milestone = session.exec(select(Milestone).where(Milestone.task_id == task.id)).first()
        if milestone is None:
            return task.status, None
        if milestone.status is MilestoneStatus.OPEN:
            assert milestone.due_at is not None and milestone.due_at > EVENING
        return task.status, milestone.status


def clock_started(settings: Settings) -> dict[str, NotificationStatus]:
    """The messages telling the lead units of a clock, as the notification log holds them: the
    plan's about the tasks its routing reached (by the unit told), a task's own (by its code)."""
    told = (MessageKind.CLOCK_STARTED, MessageKind.CLOCKS_STARTED)
    with session_scope(settings.resolved_database_url()) as session:
        rows = session.exec(
            select(NotificationLog).where(col(NotificationLog.kind).in_(told))
        ).all()
        return {row.task_code or row.unit_code: row.status for row in rows}


async def test_the_clock_an_evening_event_starts_is_recorded_before_its_message_goes_out(
    tmp_path: Path,
) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN, encoding="utf-8")
    settings = get_settings().model_copy(
        update={
            "var_dir": tmp_path / "var",
            "database_url": f"sqlite:///{tmp_path / 'nhachan.db'}",
            "task_queue": "nhachan-record-before-telling",
            "contacts": None,  # every unit's messages go to the outbox
        }
    )
    waiting = (DisplayStatus.WAITING_EVENT, MilestoneStatus.WAITING_EVENT)
    running = (DisplayStatus.ACTIVE, MilestoneStatus.OPEN)
    async with engine(settings) as env:
        client = env.client
        report = await starting.start_plan(client, settings, plan, year=2023, with_digest=False)
        key = report.plan_key
        await sleep(env, EVENING)
        assert recorded(settings, "I.1") == waiting

        decided = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 3, 1), decision="12/QĐ-UBND")
        routing = await operations.trigger_event(client, key, decided, actor=COORDINATOR)
        assert routing.tasks == ["I.1", "I.3"]
        await sleep(env, EVENING + timedelta(minutes=30))
        # The plan's message to the lead unit waits for the office to open; the record shows
        # the clock running already.
        assert clock_started(settings) == {"van-phong": NotificationStatus.QUEUED}
        assert recorded(settings, "I.1") == running

        plan.write_text(PLAN + ADDED_LATER, encoding="utf-8")
        again = await starting.start_plan(client, settings, plan, year=2023, with_digest=False)
        assert again.started == ["I.2"]
        await sleep(env, EVENING + timedelta(hours=1))
        # A task started after its event reads it from the record, and tells its units itself.
        assert clock_started(settings) == {
            "van-phong": NotificationStatus.QUEUED,
            "I.2": NotificationStatus.QUEUED,
        }
        assert recorded(settings, "I.2") == running

        await sleep(env, NEXT_MORNING)
        assert clock_started(settings) == {
            "van-phong": NotificationStatus.SENT,
            "I.2": NotificationStatus.SENT,
        }
        mails = [
            path.read_text(encoding="utf-8")
            for path in (settings.var_dir / "outbox").rglob("*")
            if path.is_file()
        ]
        # One message for the unit's two tasks the event reached.
        [listing] = [mail for mail in mails if "[Bắt đầu tính hạn] 2 nhiệm vụ" in mail]
        assert "I.1 – Thực hiện theo quyết định" in listing and "12/QĐ-UBND" in listing
        assert "I.3 – Xây dựng quy chế phối hợp" in listing and "I.2 –" not in listing

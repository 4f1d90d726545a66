"""Record first, tell later, on the time-skipping server: a decision is answered while its
messages wait for the office to open, a dead channel delays no decision, and messages still
queued when a task continues as new are sent once each.

The clock of each test starts where the office is closed (a Saturday before dawn, Vietnam time)
or open (a Wednesday morning), and the recorder holds messages outside the office hours of the
calendar the settings give, as the real activity does."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from control import operations
from control.permissions import Actor
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.tables import UnitRole
from models.workflow_messages import EvidenceSubmission, ExtensionGrant, ExtensionRequest
from notifications.office_hours import next_office_opening
from settings import get_settings
from simulation.run import NotificationRecorder, SimulatedPlan, simulated_plan
from workflows.outbox import MAX_ATTEMPTS, retry_delay
from workflows.plan import plan_workflow_id
from workflows.task import TaskWorkflow

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,Phòng TCBC và TCPCP,Tháng 3/2023,
2,Báo cáo tháng,Văn phòng Sở,,Hằng tháng,
3,Tuyển dụng,Văn phòng Sở,,Tháng 4/2023,
"""
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
LEAD = Actor("van-phong", UnitRole.UNIT)
SATURDAY_NIGHT = datetime(2023, 3, 3, 22, 19, tzinfo=UTC)  # Saturday 04/03/2023 05:19 Vietnam
WEDNESDAY_MORNING = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "outbox.csv"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
async def saturday(plan_file: Path) -> AsyncIterator[SimulatedPlan]:
    settings = get_settings()
    recorder = NotificationRecorder(office_hours=settings.working_calendar)
    async with simulated_plan(
        plan_file, start_at=SATURDAY_NIGHT, settings=settings, year=2023, recorder=recorder
    ) as sim:
        yield sim


def told(sim: SimulatedPlan, task: str) -> list[MessageKind]:
    return [r.kind for r in sim.recorder.requests if r.task_code == task]


async def test_a_decision_at_night_is_answered_at_once_and_told_at_the_opening(
    saturday: SimulatedPlan,
) -> None:
    sim, key = saturday, saturday.report.plan_key
    opening = next_office_opening(sim.settings.working_calendar, SATURDAY_NIGHT)
    assert opening is not None and opening - SATURDAY_NIGHT > timedelta(days=1)

    # Every task plans itself and writes where it stands at once, on a Saturday.
    await sim.messages_sent()
    for code in ("I.1", "I.2", "I.3"):
        snapshot = await operations.task_snapshot(sim.client, key, code)
        assert snapshot.milestones, code
    done = EvidenceSubmission("1", "van-phong", document_number="5/KH-SNV")
    view = await operations.submit_evidence(sim.client, key, "I.1", done, actor=LEAD)
    assert view.status is MilestoneStatus.DONE_ON_TIME
    asked = ExtensionRequest("1", datetime(2023, 5, 12).date(), "chờ số liệu", "van-phong")
    answer = await operations.request_extension(sim.client, key, "I.3", asked, actor=LEAD)
    assert "coordinator decides" in answer
    # Both answered while the office is still closed, and nothing told yet.
    await sim.messages_sent()
    assert await sim.env.get_current_time() < opening
    assert told(sim, "I.1") == told(sim, "I.3") == []

    await sim.sleep_until(opening + timedelta(minutes=1))
    assert told(sim, "I.1") == [MessageKind.EVIDENCE_RECEIVED, MessageKind.CLOSING]
    assert told(sim, "I.3") == [MessageKind.EXTENSION_REQUEST]
    # Each tried once, at the opening: waiting for the office costs no attempt.
    decided = [(k, at) for k, at in sim.recorder.attempts if "/I.1/" in k or "/I.3/" in k]
    assert len(decided) == 3
    assert all(opening <= at < opening + timedelta(minutes=1) for _, at in decided)
    history = await operations.task_handle(sim.client, key, "I.1").query(TaskWorkflow.history)
    assert [entry.action for entry in history][-1] == "closing"


async def test_messages_queued_when_a_task_continues_as_new_are_sent_once(
    saturday: SimulatedPlan,
) -> None:
    sim, key = saturday, saturday.report.plan_key
    await sim.messages_sent()
    snapshot = await operations.task_snapshot(sim.client, key, "I.2")
    open_one = next(m for m in snapshot.milestones if m.status is MilestoneStatus.OPEN)
    handle = operations.task_handle(sim.client, key, "I.2")
    first_run = (await handle.describe()).run_id

    done = EvidenceSubmission(open_one.key, "van-phong", document_number="9/BC")
    await operations.submit_evidence(sim.client, key, "I.2", done, actor=LEAD)
    await sim.messages_sent()
    # A period closed: the task continued as new, its messages still held for Monday (the one
    # its late start asked for, where it stands, and the two its evidence asked for).
    assert (await handle.describe()).run_id != first_run
    assert told(sim, "I.2") == []

    opening = next_office_opening(sim.settings.working_calendar, SATURDAY_NIGHT)
    assert opening is not None
    await sim.sleep_until(opening + timedelta(minutes=1))
    assert told(sim, "I.2") == [
        MessageKind.CATCH_UP,
        MessageKind.EVIDENCE_RECEIVED,
        MessageKind.CLOSING,
    ]
    keys = [k for k, _ in sim.recorder.attempts if "/I.2/" in k]
    assert len(keys) == len(set(keys)) == 3


async def test_a_dead_channel_delays_no_decision_and_is_given_up(plan_file: Path) -> None:
    settings = get_settings()
    recorder = NotificationRecorder(
        office_hours=settings.working_calendar, dead_units=[COORDINATOR.who]
    )
    async with simulated_plan(
        plan_file, start_at=WEDNESDAY_MORNING, settings=settings, year=2023, recorder=recorder
    ) as sim:
        key = sim.report.plan_key
        await sim.messages_sent()
        asked = ExtensionRequest("1", datetime(2023, 4, 14).date(), "chờ số liệu", "van-phong")
        await operations.request_extension(sim.client, key, "I.1", asked, actor=LEAD)
        await sim.messages_sent()
        # The coordinator's channel is dead: its message waits for another attempt, and the
        # decision that follows is recorded and told meanwhile.
        grant = ExtensionGrant("1", datetime(2023, 4, 14).date(), "đồng ý", COORDINATOR.who)
        view = await operations.grant_extension(sim.client, key, "I.1", grant, actor=COORDINATOR)
        assert view.due is not None
        await sim.messages_sent()
        assert told(sim, "I.1") == [MessageKind.EXTENSION_GRANTED]

        # Every attempt, then the last one gives the message up (the coordinator's log says so).
        patience = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta(minutes=5))
        await sim.sleep_until(WEDNESDAY_MORNING + patience)
        request_attempts = [k for k, _ in recorder.attempts if "extension_request" in k]
        assert len(request_attempts) == MAX_ATTEMPTS
        history = await operations.task_handle(sim.client, key, "I.1").query(TaskWorkflow.history)
        failed = [entry for entry in history if entry.action == "delivery_failed"]
        assert [entry.to for entry in failed] == [[COORDINATOR.who]]


async def test_a_year_summary_due_at_night_waits_for_the_opening_on_a_timer(
    plan_file: Path,
) -> None:
    settings = get_settings()
    recorder = NotificationRecorder(office_hours=settings.working_calendar)
    start = datetime(2024, 3, 1, 22, 19, tzinfo=UTC)  # Saturday 02/03/2024 05:19, a year late
    async with simulated_plan(
        plan_file, start_at=start, settings=settings, year=2023, recorder=recorder
    ) as sim:
        opening = next_office_opening(settings.working_calendar, start)
        assert opening is not None and opening - start > timedelta(days=1)
        # Due an hour after the late start, on the Saturday: it waits, and nothing else does.
        await sim.sleep_until(opening - timedelta(minutes=1))
        summaries = [r for r in recorder.requests if r.kind == MessageKind.YEAR_SUMMARY]
        assert summaries == []
        key = sim.report.plan_key
        for code in ("I.1", "I.2", "I.3"):
            assert (await operations.task_snapshot(sim.client, key, code)).milestones, code
        await sim.sleep_until(opening + timedelta(minutes=1))
        summaries = [r for r in recorder.requests if r.kind == MessageKind.YEAR_SUMMARY]
        assert len(summaries) == 1
        history = await sim.client.get_workflow_handle(plan_workflow_id(key)).fetch_history()
        fired = [e for e in history.events if e.HasField("timer_fired_event_attributes")]
        assert fired, "the wait for the opening is a timer"

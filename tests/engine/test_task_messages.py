"""Messages into running task and plan workflows, on the time-skipping server: each is
validated before it is accepted, and each leaves its mark on the state and the schedule."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowUpdateFailedError

from control import operations, starting
from control.permissions import Actor, NotPermitted
from deadlines.local_time import local_iso
from models.statuses import MilestoneStatus, TaskStatus
from models.tables import UnitRole
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRequest,
    Reassignment,
)
from settings import get_settings
from simulation.run import SimulatedPlan, local_start, simulated_plan
from workflows.task import TaskWorkflow

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,Phòng TCBC và TCPCP,Tháng 3/2023,
2,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
3,Tuyển dụng,Văn phòng Sở,,Theo Kế hoạch tuyển dụng của UBND tỉnh,
"""


COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
LEAD = Actor("van-phong", UnitRole.UNIT)


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "mini.csv"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
async def plan(plan_file: Path) -> AsyncIterator[SimulatedPlan]:
    start = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00 in Vietnam
    async with simulated_plan(plan_file, start_at=start, settings=get_settings(), year=2023) as sim:
        yield sim


def update_error(raised: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> str:
    return str(getattr(raised.value.cause, "message", raised.value.cause))


async def test_evidence_is_refused_with_the_reason(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    # Once the tasks are planned (before, the workflow alone judges a milestone's key).
    await plan.sleep_until(local_start(date(2023, 3, 1)) + timedelta(hours=10))
    refused = [
        ("I.1", EvidenceSubmission("1", "ttlt", document_number="1/KH"), "its lead is van-phong"),
        ("I.1", EvidenceSubmission("9", "van-phong", document_number="1/KH"), "no milestone '9'"),
    ]
    for task, submission, message in refused:
        with pytest.raises(NotPermitted, match=message):
            await operations.submit_evidence(plan.client, key, task, submission, actor=COORDINATOR)
    cases = [
        ("I.1", EvidenceSubmission("1", "van-phong"), "needs a document number, a link"),
        (
            "I.2",
            EvidenceSubmission("1", "van-phong", document_number="2/QĐ"),
            "waits for the event",
        ),
    ]
    for task, submission, message in cases:
        with pytest.raises(WorkflowUpdateFailedError) as raised:
            await operations.submit_evidence(plan.client, key, task, submission, actor=COORDINATOR)
        assert message in update_error(raised)
    snapshot = await operations.task_snapshot(plan.client, key, "I.1")
    assert snapshot.milestones[0].status is MilestoneStatus.OPEN


async def test_an_extension_moves_the_deadline_and_the_reminders(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await operations.grant_extension(
            plan.client,
            key,
            "I.1",
            ExtensionGrant("1", date(2023, 3, 20), "late data", "cchc-vtlt"),
            actor=COORDINATOR,
        )
    assert "not after the current one, 2023-03-31" in update_error(raised)

    answer = await operations.request_extension(
        plan.client,
        key,
        "I.1",
        ExtensionRequest("1", date(2023, 4, 14), "waiting for data", "van-phong"),
        actor=LEAD,
    )
    assert "coordinator decides" in answer
    await plan.messages_sent()
    asked = [r for r in plan.recorder.requests if r.kind == "extension_request"]
    assert [(r.recipients, r.requested_by, r.note) for r in asked] == [
        (["cchc-vtlt"], "van-phong", "waiting for data")
    ]
    assert local_iso(asked[0].requested_due_at) == "2023-04-14T17:00:00+07:00"
    view = await operations.grant_extension(
        plan.client,
        key,
        "I.1",
        ExtensionGrant("1", date(2023, 4, 14), "waiting for data", "cchc-vtlt"),
        actor=COORDINATOR,
    )
    assert local_iso(view.due) == "2023-04-14T17:00:00+07:00"
    snapshot = await operations.task_snapshot(plan.client, key, "I.1")
    assert snapshot.next_action is not None
    # 10 working days before Friday 14/04 is Friday 31/03.
    assert local_iso(snapshot.next_action.at) == "2023-03-31T08:00:00+07:00"
    history = await operations.task_handle(plan.client, key, "I.1").query(TaskWorkflow.history)
    assert [h.action for h in history if h.action.startswith("extension")] == [
        "extension_requested",
        "extension_granted",
    ]


async def test_events_are_validated_recorded_once_and_routed(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    refusals = [
        (EventOccurrence("unheard-of", date(2023, 2, 1)), "known events: "),
        (EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 5, 1)), "is in the future"),
        (
            EventOccurrence("ke-hoach-tuyen-dung-cua-ubnd-tinh", date(2023, 2, 1)),
            "give its due date (--due)",
        ),
    ]
    for event, message in refusals:
        with pytest.raises(WorkflowUpdateFailedError) as raised:
            await operations.trigger_event(plan.client, key, event, actor=COORDINATOR)
        assert message in update_error(raised)

    event = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 27), decision="12/QĐ-UBND")
    first = await operations.trigger_event(plan.client, key, event, actor=COORDINATOR)
    again = await operations.trigger_event(plan.client, key, event, actor=COORDINATOR)
    assert (first.tasks, first.already_recorded) == (["I.2"], False)
    assert (again.tasks, again.already_recorded) == (["I.2"], True)
    await plan.sleep_until(local_start(date(2023, 3, 2)))
    snapshot = await operations.task_snapshot(plan.client, key, "I.2")
    # 20 working days counted from the day after Monday 27/02: Monday 27/03.
    assert local_iso(snapshot.milestones[0].due) == "2023-03-27T17:00:00+07:00"
    assert snapshot.milestones[0].status is MilestoneStatus.OPEN

    hiring = EventOccurrence(
        "ke-hoach-tuyen-dung-cua-ubnd-tinh", date(2023, 2, 28), due_on=date(2023, 6, 15)
    )
    await operations.trigger_event(plan.client, key, hiring, actor=COORDINATOR)
    await plan.sleep_until(local_start(date(2023, 3, 3)))
    snapshot = await operations.task_snapshot(plan.client, key, "I.3")
    assert local_iso(snapshot.milestones[0].due) == "2023-06-15T17:00:00+07:00"


async def test_reassign_then_cancel_ends_the_task_with_its_reason(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    units = await operations.reassign_lead(
        plan.client,
        key,
        "I.1",
        Reassignment(["phong-tcbc"], "new duties", "cchc-vtlt"),
        actor=COORDINATOR,
    )
    assert units == ["phong-tcbc"]
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await operations.cancel_task(
            plan.client, key, "I.1", Closure("  ", "cchc-vtlt"), actor=COORDINATOR
        )
    assert "say why" in update_error(raised)
    snapshot = await operations.cancel_task(
        plan.client, key, "I.1", Closure("merged into I.2", "cchc-vtlt"), actor=COORDINATOR
    )
    assert snapshot.status is TaskStatus.CANCELLED
    result = await operations.task_handle(plan.client, key, "I.1").result()
    assert result.display_status == "cancelled"
    assert result.closing_reason == "merged into I.2"
    assert [m.status for m in result.milestones] == [MilestoneStatus.CANCELLED]


async def test_starting_again_starts_nothing_twice(plan: SimulatedPlan, plan_file: Path) -> None:
    again = await starting.start_plan(plan.client, plan.settings, plan_file, year=2023)
    assert again.started == []
    assert sorted(again.already_running) == ["I.1", "I.2", "I.3"]


async def test_a_task_started_late_sends_one_catch_up_not_the_steps_it_missed(
    plan_file: Path,
) -> None:
    start = datetime(2023, 6, 15, 2, 0, tzinfo=UTC)  # Thursday 15/06 09:00, long after 31/03
    async with simulated_plan(plan_file, start_at=start, settings=get_settings(), year=2023) as sim:
        await sim.sleep_until(local_start(date(2023, 6, 24)))
        asked = [
            (local_iso(r.scheduled_at)[:16], r.kind, r.recipients)
            for r in sim.recorder.requests
            if r.task_code == "I.1"
        ]
    assert asked == [
        # where the task stands, once, to its lead and the coordinator; no step replayed
        ("2023-06-15T09:00", "catch_up", ["van-phong", "cchc-vtlt"]),
        # then the weekly escalation to the leadership, as scheduled
        ("2023-06-16T08:00", "escalation_leadership", ["lanh-dao"]),
        ("2023-06-23T08:00", "escalation_leadership", ["lanh-dao"]),
    ]


async def test_a_task_added_after_its_event_sees_it_and_hears_the_next(
    plan: SimulatedPlan, plan_file: Path
) -> None:
    key = plan.report.plan_key
    await operations.trigger_event(
        plan.client,
        key,
        EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 27)),
        actor=COORDINATOR,
    )
    plan_file.write_text(
        PLAN + "4,Ban hành quy chế,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,\n", encoding="utf-8"
    )
    report = await starting.start_plan(plan.client, plan.settings, plan_file, year=2023)
    assert report.started == ["I.4"]
    await plan.sleep_until(local_start(date(2023, 3, 2)))
    snapshot = await operations.task_snapshot(plan.client, key, "I.4")
    # The event of 27/02 was recorded before I.4 existed: its clock started from it.
    assert local_iso(snapshot.milestones[0].due) == "2023-03-27T17:00:00+07:00"
    # The event happens once: its date corrected, both clocks count from the right one.
    corrected = await operations.trigger_event(
        plan.client,
        key,
        EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 3, 1)),
        actor=COORDINATOR,
        correct=True,
    )
    assert corrected.tasks == ["I.2", "I.4"]
    await plan.sleep_until(local_start(date(2023, 3, 3)))
    for task in ("I.2", "I.4"):
        snapshot = await operations.task_snapshot(plan.client, key, task)
        # 20 working days counted from the day after Wednesday 01/03: Wednesday 29/03.
        assert local_iso(snapshot.milestones[0].due) == "2023-03-29T17:00:00+07:00"


async def test_the_leadership_gets_the_year_summary_on_the_first_working_day(
    plan_file: Path,
) -> None:
    start = datetime(2023, 12, 28, 2, 0, tzinfo=UTC)
    async with simulated_plan(plan_file, start_at=start, settings=get_settings(), year=2023) as sim:
        await sim.sleep_until(local_start(date(2024, 1, 4)))
        summaries = [r for r in sim.recorder.requests if r.kind == "year_summary"]
    assert [(local_iso(r.scheduled_at), r.recipients) for r in summaries] == [
        ("2024-01-02T08:00:00+07:00", ["lanh-dao"])  # 01/01/2024 is a holiday
    ]

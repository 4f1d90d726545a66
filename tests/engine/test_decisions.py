"""Every decision is told to the people it concerns, by the task's workflow, through the same
notification activity and delivery log as the reminders; what each refusal and bound says.

On the time-skipping server with the real workflows; the requests the workflows ask for are
then delivered by the real notification service to the local outbox."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.client import WorkflowUpdateFailedError

from activities.notify import notification_service
from control import operations, starting
from control.permissions import Actor, NotPermitted
from deadlines.local_time import local_iso
from models.payloads import MessageKind, NotificationRequest
from models.statuses import MilestoneStatus
from models.tables import Event, NotificationLog, NotificationStatus, Task, UnitRole
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    Reassignment,
)
from notifications.channels import register_outbox
from reports.records import plan_records
from settings import get_settings
from simulation.run import SimulatedPlan, local_start, simulated_plan
from storage.db import session_scope
from storage.plans import get_plan

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,Phòng TCBC và TCPCP,Tháng 3/2023,
2,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
3,Tuyển dụng,Văn phòng Sở,,Theo Kế hoạch tuyển dụng của UBND tỉnh,
4,Xử lý kiến nghị,Ban Tôn giáo,,Khi có phát sinh,
"""
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
LEAD = Actor("van-phong", UnitRole.UNIT)
OTHER = Actor("ttlt", UnitRole.UNIT)


@pytest.fixture
async def plan(tmp_path: Path) -> AsyncIterator[SimulatedPlan]:
    path = tmp_path / "mini.csv"
    path.write_text(PLAN, encoding="utf-8")
    start = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00 in Vietnam
    async with simulated_plan(path, start_at=start, settings=get_settings(), year=2023) as sim:
        await sim.sleep_until(start + timedelta(minutes=1))
        yield sim


def update_error(raised: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> str:
    return str(getattr(raised.value.cause, "message", raised.value.cause))


def asked(sim: SimulatedPlan, kind: MessageKind) -> list[NotificationRequest]:
    return [r for r in sim.recorder.requests if r.kind == kind]


async def test_each_decision_is_told_to_the_units_it_concerns(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    client = plan.client

    event = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 27), decision="12/QĐ-UBND")
    await operations.trigger_event(client, key, event, actor=COORDINATOR)
    await operations.request_extension(
        client,
        key,
        "I.1",
        ExtensionRequest("1", date(2023, 4, 14), "chờ số liệu", "van-phong"),
        actor=LEAD,
    )
    await operations.refuse_extension(
        client, key, "I.1", ExtensionRefusal("1", "đủ thời gian", "cchc-vtlt"), actor=COORDINATOR
    )
    with pytest.raises(WorkflowUpdateFailedError) as raised:  # nothing asked any more
        await operations.refuse_extension(
            client, key, "I.1", ExtensionRefusal("1", "again", "cchc-vtlt"), actor=COORDINATOR
        )
    assert "no extension request of milestone '1' waits for an answer" in update_error(raised)
    await operations.grant_extension(
        client,
        key,
        "I.1",
        ExtensionGrant("1", date(2023, 4, 7), "đã xem lại", "cchc-vtlt"),
        actor=COORDINATOR,
    )
    await operations.submit_evidence(
        client,
        key,
        "I.2",
        EvidenceSubmission("1", "van-phong", document_number="5/KH"),
        actor=LEAD,
    )
    await operations.reassign_lead(
        client,
        key,
        "I.1",
        Reassignment(["phong-ccvc"], "nhiệm vụ mới", "cchc-vtlt"),
        actor=COORDINATOR,
    )
    await operations.cancel_task(
        client,
        key,
        "I.1",
        Closure("sang năm sau", "cchc-vtlt"),
        actor=COORDINATOR,
        carry_over=True,
    )
    await operations.cancel_task(
        client, key, "I.3", Closure("không tuyển dụng", "cchc-vtlt"), actor=COORDINATOR
    )
    await plan.sleep_until(local_start(date(2023, 3, 2)))

    told = {
        kind: [(r.task_code, r.recipients) for r in asked(plan, kind)]
        for kind in (
            MessageKind.CLOCK_STARTED,
            MessageKind.CLOCKS_STARTED,
            MessageKind.EXTENSION_REQUEST,
            MessageKind.EXTENSION_REFUSED,
            MessageKind.EXTENSION_GRANTED,
            MessageKind.EVIDENCE_RECEIVED,
            MessageKind.REASSIGNED,
            MessageKind.CARRIED_OVER,
            MessageKind.CANCELLED,
        )
    }
    assert told == {
        # The plan tells the event's clocks, one message to each lead unit (the task none).
        MessageKind.CLOCK_STARTED: [],
        MessageKind.CLOCKS_STARTED: [("", ["van-phong"])],
        MessageKind.EXTENSION_REQUEST: [("I.1", ["cchc-vtlt"])],
        MessageKind.EXTENSION_REFUSED: [("I.1", ["van-phong"])],
        MessageKind.EXTENSION_GRANTED: [("I.1", ["van-phong"])],
        MessageKind.EVIDENCE_RECEIVED: [("I.2", ["cchc-vtlt"])],
        MessageKind.REASSIGNED: [("I.1", ["van-phong", "phong-ccvc"])],
        MessageKind.CARRIED_OVER: [("I.1", ["phong-ccvc", "cchc-vtlt"])],
        MessageKind.CANCELLED: [("I.3", ["van-phong", "cchc-vtlt"])],
    }
    [clocks] = asked(plan, MessageKind.CLOCKS_STARTED)
    assert clocks.task_codes == ["I.2"]
    assert clocks.event_key == "ubnd-tinh-ban-hanh"
    assert clocks.decision is not None and clocks.decision.event_on == date(2023, 2, 27)
    assert clocks.decision.event_decision == "12/QĐ-UBND"
    [refused] = asked(plan, MessageKind.EXTENSION_REFUSED)
    assert refused.decision is not None and refused.decision.asked_on == date(2023, 4, 14)
    [granted] = asked(plan, MessageKind.EXTENSION_GRANTED)
    assert local_iso(granted.due_at) == "2023-04-07T17:00:00+07:00"
    assert granted.decision is not None
    assert local_iso(granted.decision.previous_due_at) == "2023-03-31T17:00:00+07:00"
    [reassigned] = asked(plan, MessageKind.REASSIGNED)
    assert reassigned.decision is not None
    assert (reassigned.decision.previous_lead_units, reassigned.decision.lead_units) == (
        ["van-phong"],
        ["phong-ccvc"],
    )

    # The same delivery log as every other message: one row per unit, sent, in Vietnamese.
    register_outbox()
    service = notification_service(plan.settings)
    decisions = [
        r
        for r in plan.recorder.requests
        # The event's message lists what the tasks recorded when it is sent (I.2 is done by
        # now): tests/notifications/test_event_telling.py sends it.
        if r.kind
        not in (
            MessageKind.REMINDER,
            MessageKind.NUDGE,
            MessageKind.CHECK_IN,
            MessageKind.CLOCKS_STARTED,
        )
    ]
    for request in decisions:
        service.send(request, now=request.scheduled_at, last_attempt=True)
    with session_scope(plan.settings.resolved_database_url()) as session:
        rows = session.exec(select(NotificationLog)).all()
        logged = {(row.kind, row.unit_code, row.status) for row in rows}
    assert (MessageKind.EXTENSION_GRANTED, "van-phong", NotificationStatus.SENT) in logged
    # The log keeps the due instant the extension replaced: a report of a date before the
    # extension reads the due date then from it.
    with session_scope(plan.settings.resolved_database_url()) as session:
        stored = get_plan(session, key)
        assert stored is not None
        [extension] = plan_records(session, stored).facts[("I.1", "1")].extensions
    assert local_iso(extension.previous_due) == "2023-03-31T17:00:00+07:00"
    assert local_iso(extension.due) == "2023-04-07T17:00:00+07:00"
    assert (MessageKind.REASSIGNED, "phong-ccvc", NotificationStatus.SENT) in logged
    assert (MessageKind.CANCELLED, "cchc-vtlt", NotificationStatus.SENT) in logged
    assert (MessageKind.EVIDENCE_RECEIVED, "cchc-vtlt", NotificationStatus.SENT) in logged
    outbox = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (plan.settings.var_dir / "outbox").rglob("*")
        if path.is_file()
    )
    assert "Subject: [Gia hạn] I.1" in outbox and "hạn cũ: Thứ Sáu, 31/03/2023, 17:00" in outbox
    assert "Subject: [Không gia hạn] I.1" in outbox and "Thứ Sáu, 14/04/2023" in outbox
    assert "Subject: [Đã nhận minh chứng] I.2" in outbox and "5/KH" in outbox
    assert "Subject: [Giao lại nhiệm vụ] I.1" in outbox
    assert "Subject: [Chuyển sang năm sau] I.1" in outbox
    assert "Subject: [Hủy nhiệm vụ] I.3" in outbox and "không tuyển dụng" in outbox
    # A plan with no title (read from a table) is named by its year, never by its key.
    assert key not in outbox.replace(f"/plans/{key}", "") and "Kế hoạch năm 2023." in outbox
    # The extension request links the task's page, where the coordinator answers it.
    assert f"Trả lời tại: {plan.settings.public_url.rstrip('/')}/plans/{key}/tasks/I.1" in outbox


async def test_a_unit_acts_only_on_its_own_open_milestones(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    client = plan.client
    evidence = EvidenceSubmission("1", "ttlt", document_number="1/KH")
    with pytest.raises(NotPermitted, match=r"ttlt may not deliver evidence on task I\.1: its lead"):
        await operations.submit_evidence(client, key, "I.1", evidence, actor=OTHER)
    request = ExtensionRequest("1", date(2023, 4, 14), "x", "ttlt")
    with pytest.raises(NotPermitted, match=r"ttlt may not ask for an extension on task I\.1"):
        await operations.request_extension(client, key, "I.1", request, actor=OTHER)
    done = EvidenceSubmission("1", "van-phong", document_number="1/KH")
    await operations.submit_evidence(client, key, "I.1", done, actor=LEAD)
    with pytest.raises(NotPermitted, match=r"on milestone '1' of task I\.1: it is closed"):
        await operations.submit_evidence(client, key, "I.1", done, actor=LEAD)
    with pytest.raises(NotPermitted, match="only the coordinator does"):
        await operations.grant_extension(
            client,
            key,
            "I.1",
            ExtensionGrant("1", date(2023, 4, 14), "x", "van-phong"),
            actor=LEAD,
        )
    # After a reassignment the old lead is refused, the new one heard.
    await operations.reassign_lead(
        client, key, "I.2", Reassignment(["ttlt"], "x", "cchc-vtlt"), actor=COORDINATOR
    )
    with pytest.raises(NotPermitted, match="its lead is ttlt"):
        await operations.request_extension(
            client,
            key,
            "I.2",
            ExtensionRequest("1", date(2023, 4, 14), "x", "van-phong"),
            actor=LEAD,
        )


async def test_dates_are_bounded_and_links_are_web_addresses(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    client = plan.client
    refused = {
        "an extension beyond the plan's year, unconfirmed": (
            operations.grant_extension(
                client,
                key,
                "I.1",
                ExtensionGrant("1", date(2099, 1, 1), "x", "cchc-vtlt"),
                actor=COORDINATOR,
            ),
            "the new due date 2099-01-01 is beyond the plan's year 2023: confirm it if that is "
            "meant (--confirm)",
        ),
        "a request beyond the year": (
            operations.request_extension(
                client,
                key,
                "I.1",
                ExtensionRequest("1", date(2024, 2, 1), "x", "van-phong"),
                actor=LEAD,
            ),
            "beyond the plan's year 2023",
        ),
        "a document dated in the future": (
            operations.submit_evidence(
                client,
                key,
                "I.1",
                EvidenceSubmission(
                    "1", "van-phong", document_number="1", document_date=date(2023, 3, 2)
                ),
                actor=LEAD,
            ),
            "the document date 2023-03-02 is in the future (today is 2023-03-01)",
        ),
        "a document dated 1900": (
            operations.submit_evidence(
                client,
                key,
                "I.1",
                EvidenceSubmission(
                    "1", "van-phong", document_number="1", document_date=date(1900, 1, 1)
                ),
                actor=LEAD,
            ),
            "the document date 1900-01-01 is before 2022-01-01: evidence for a plan of 2023 is "
            "dated the year before at the earliest",
        ),
        "a link that is not http or https": (
            operations.submit_evidence(
                client,
                key,
                "I.1",
                EvidenceSubmission("1", "van-phong", link="javascript:alert(1)"),
                actor=LEAD,
            ),
            "the link 'javascript:alert(1)' is not a web address (http:// or https://)",
        ),
        "an event from before the year before the plan": (
            operations.trigger_event(
                client,
                key,
                EventOccurrence("ubnd-tinh-ban-hanh", date(1900, 1, 1)),
                actor=COORDINATOR,
            ),
            "the event date 1900-01-01 is before 2022-01-01: a plan of 2023 counts from events "
            "of the year before at the earliest",
        ),
        "an event in the future": (
            operations.trigger_event(
                client,
                key,
                EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 3, 2)),
                actor=COORDINATOR,
            ),
            "the event date 2023-03-02 is in the future (today is 2023-03-01)",
        ),
    }
    for what, (call, message) in refused.items():
        with pytest.raises(WorkflowUpdateFailedError) as raised:
            await call
        assert message in update_error(raised), what
        assert "\n" not in update_error(raised)

    confirmed = await operations.grant_extension(
        client,
        key,
        "I.1",
        ExtensionGrant("1", date(2024, 1, 15), "sang năm", "cchc-vtlt", confirmed=True),
        actor=COORDINATOR,
    )
    assert local_iso(confirmed.due) == "2024-01-15T17:00:00+07:00"
    linked = await operations.submit_evidence(
        client,
        key,
        "I.1",
        EvidenceSubmission(
            "1",
            "van-phong",
            link="https://snv.binhdinh.gov.vn/kh-1",
            document_date=date(2023, 3, 1),
        ),
        actor=LEAD,
    )
    assert linked.status is MilestoneStatus.DONE_ON_TIME


async def test_an_event_is_recorded_once_per_key_and_date(plan: SimulatedPlan) -> None:
    key = plan.report.plan_key
    client = plan.client
    first = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 27), decision="12/QĐ-UBND")
    assert (await operations.trigger_event(client, key, first, actor=COORDINATOR)).tasks == ["I.2"]
    again = await operations.trigger_event(client, key, first, actor=COORDINATOR)
    assert again.already_recorded
    other_day = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 28))
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await operations.trigger_event(client, key, other_day, actor=COORDINATOR)
    assert update_error(raised) == (
        "event 'ubnd-tinh-ban-hanh' was already recorded on 2023-02-27 (12/QĐ-UBND): an event "
        "happens once; if 2023-02-28 is the right date, record it as a correction (--correct)"
    )
    # A recurring obligation: every date is an occurrence of its own, and none is corrected.
    for day in (date(2023, 2, 10), date(2023, 2, 20)):
        routed = await operations.trigger_event(
            client, key, EventOccurrence("phat-sinh", day), actor=COORDINATOR
        )
        assert routed.tasks == ["I.4"]
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await operations.trigger_event(
            client,
            key,
            EventOccurrence("phat-sinh", date(2023, 2, 21)),
            actor=COORDINATOR,
            correct=True,
        )
    assert "recurs: each date is an occurrence of its own" in update_error(raised)
    with pytest.raises(operations.NotRecorded, match="has not been recorded"):
        await operations.trigger_event(
            client,
            key,
            EventOccurrence("ke-hoach-tuyen-dung-cua-ubnd-tinh", date(2023, 2, 1)),
            actor=COORDINATOR,
            correct=True,
        )

    corrected = await operations.trigger_event(
        client, key, other_day, actor=COORDINATOR, correct=True
    )
    assert corrected.tasks == ["I.2"] and not corrected.already_recorded
    await plan.sleep_until(local_start(date(2023, 3, 2)))
    snapshot = await operations.task_snapshot(client, key, "I.2")
    # 20 working days from the day after Tuesday 28/02: Tuesday 28/03.
    assert local_iso(snapshot.milestones[0].due) == "2023-03-28T17:00:00+07:00"
    with session_scope(plan.settings.resolved_database_url()) as session:
        rows = session.exec(select(Event).where(Event.key == "ubnd-tinh-ban-hanh")).all()
    assert [(row.occurred_on, row.decision) for row in rows] == [(date(2023, 2, 28), "")]
    # An event's first date is told by the plan, a unit's tasks in one message; the occurrences
    # of a recurring event and a correction, by the task.
    [told] = asked(plan, MessageKind.CLOCKS_STARTED)
    assert (told.task_codes, told.recipients) == (["I.2"], ["van-phong"])
    clocks = asked(plan, MessageKind.CLOCK_STARTED)
    assert [
        (c.task_code, c.milestone_key, c.decision and c.decision.corrected) for c in clocks
    ] == [
        ("I.4", "1@2023-02-10", False),
        ("I.4", "1@2023-02-20", False),
        ("I.2", "1", True),
    ]


async def test_the_projection_keeps_the_engines_lead_across_a_restart(
    plan: SimulatedPlan, tmp_path: Path
) -> None:
    key = plan.report.plan_key
    await operations.reassign_lead(
        plan.client, key, "I.1", Reassignment(["phong-ccvc"], "x", "cchc-vtlt"), actor=COORDINATOR
    )
    await plan.sleep_until(local_start(date(2023, 3, 2)))
    # `make run` again: the plan is stored and started again from its file.
    again = await starting.start_plan(
        plan.client, plan.settings, tmp_path / "mini.csv", year=2023, with_digest=False
    )
    assert "I.1" in again.already_running
    with session_scope(plan.settings.resolved_database_url()) as session:
        task = session.exec(select(Task).where(Task.code == "I.1")).one()
        assert task.lead_units == ["phong-ccvc"]
        assert task.next_action == "reminder"
    snapshot = await operations.task_snapshot(plan.client, key, "I.1")
    assert snapshot.lead_units == ["phong-ccvc"]
    assert snapshot.next_action is not None
    assert task.next_action_at == snapshot.next_action.at

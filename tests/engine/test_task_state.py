"""The task's state moves without a Temporal server: a TaskTracker on a hand-set clock."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from deadlines import MilestoneKind, PlannedMilestone, ScheduledStep, StepAction, StepAudience
from models.payloads import MessageKind
from models.statuses import DisplayStatus, MilestoneStatus, TaskStatus
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    Reassignment,
    TaskState,
    TaskWorkflowInput,
)
from workflows import task_views as views
from workflows.notification_calls import NOTIFICATION_KINDS
from workflows.run_limits import LONGEST_TASK_WAIT, LONGEST_WAIT
from workflows.task_state import TaskTracker, is_web_link

# Friday 31/03/2023, 17:00 in Vietnam.
DUE = datetime(2023, 3, 31, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def planned(
    key: str = "1",
    kind: MilestoneKind = MilestoneKind.FIXED,
    *,
    due: datetime | None = DUE,
    opens: datetime | None = None,
    event_key: str | None = None,
) -> PlannedMilestone:
    return PlannedMilestone(
        key=key,
        order=1,
        label="",
        kind=kind,
        text="",
        due=due,
        opens=opens,
        event_key=event_key,
        period_start=None,
        period_end=None,
        evidence_hint="",
        plan_year=2023,
    )


def tracker(*milestones: PlannedMilestone, now: datetime) -> tuple[TaskTracker, Clock]:
    clock = Clock(now)
    task = TaskTracker(
        TaskWorkflowInput(
            plan_key="plan",
            year=2023,
            task_code="I.1",
            title="Xây dựng kế hoạch",
            deadline_text="Tháng 3/2023",
            lead_units=["van-phong"],
            coordinating_units=["ttlt"],
            coordinator="cchc-vtlt",
            leadership="lanh-dao",
        ),
        TaskState(milestones=[], lead_units=[]),
        clock=clock,
    )
    task.start(list(milestones))
    return task, clock


def test_a_task_starts_with_each_milestone_in_its_status() -> None:
    task, _ = tracker(
        planned("1"),
        planned("2", opens=DUE - timedelta(days=10)),
        planned("3", MilestoneKind.AFTER_EVENT, due=None, event_key="ubnd-ban-hanh"),
        now=DUE - timedelta(days=30),
    )
    statuses = [m.status for m in task.state.milestones]
    assert statuses == [
        MilestoneStatus.OPEN,
        MilestoneStatus.SCHEDULED,
        MilestoneStatus.WAITING_EVENT,
    ]
    assert task.state.lead_units == ["van-phong"]
    assert [entry.action for entry in task.state.history] == ["started"]
    assert task.waits_for_event()


def test_time_opens_then_overdues_a_milestone() -> None:
    task, clock = tracker(
        planned("1", opens=DUE - timedelta(days=10)), now=DUE - timedelta(days=30)
    )
    # Nothing planned: it wakes when the milestone opens, not LONGEST_WAIT later.
    assert task.time_to_wake() == timedelta(days=20)

    clock.now = DUE - timedelta(days=5)
    task.advance_statuses()
    assert [m.status for m in task.state.milestones] == [MilestoneStatus.OPEN]
    assert task.time_to_wake() == timedelta(days=5, seconds=1)
    assert views.display_status(task.state) is DisplayStatus.ACTIVE

    clock.now = DUE + timedelta(seconds=1)
    task.advance_statuses()
    assert [m.status for m in task.state.milestones] == [MilestoneStatus.OVERDUE]
    assert [e.action for e in task.state.history] == ["started", "opened", "overdue"]
    assert views.display_status(task.state) is DisplayStatus.OVERDUE
    assert views.next_due(task.state) == DUE
    assert not task.period_closed


def test_nothing_to_wait_for_wakes_after_the_longest_wait() -> None:
    task, _ = tracker(planned("1", MilestoneKind.FIXED, due=None), now=DUE)
    assert task.time_to_wake() == LONGEST_WAIT


def test_from_1_2_0_a_task_sleeps_until_its_next_instant_however_far() -> None:
    task, _ = tracker(planned("1", opens=DUE - timedelta(days=10)), now=DUE - timedelta(days=200))
    assert task.time_to_wake() == LONGEST_WAIT
    assert task.time_to_wake(LONGEST_TASK_WAIT) == timedelta(days=190)
    nothing, _ = tracker(planned("1", MilestoneKind.FIXED, due=None), now=DUE)
    assert nothing.time_to_wake(LONGEST_TASK_WAIT) == LONGEST_TASK_WAIT


def test_an_overdue_period_closes_the_period() -> None:
    task, clock = tracker(planned("2023-Q1", MilestoneKind.PERIODIC), now=DUE)
    clock.now = DUE + timedelta(days=1)
    task.advance_statuses()
    assert task.period_closed


def test_ongoing_work_ends_with_the_plan_year() -> None:
    task, clock = tracker(planned("1", MilestoneKind.ONGOING, due=None), now=DUE)
    assert task.time_to_wake() == LONGEST_WAIT
    clock.now = task.year_end
    task.advance_statuses()
    task.finish_if_done()
    assert task.state.milestones[0].status is MilestoneStatus.ENDED
    assert task.state.status is TaskStatus.DONE
    # Done, but nothing was delivered: people see that the year ended it.
    assert views.display_status(task.state) is DisplayStatus.ENDED


def test_evidence_closes_the_milestone_on_time_or_late() -> None:
    task, clock = tracker(planned("1"), planned("2"), now=DUE - timedelta(days=1))
    first, second = task.state.milestones
    assert task.mark_done(first, EvidenceSubmission("1", "van-phong", document_number="1/KH"))
    clock.now = DUE + timedelta(hours=1)
    assert not task.mark_done(second, EvidenceSubmission("2", "van-phong", link="https://x"))
    assert first.status is MilestoneStatus.DONE_ON_TIME
    assert second.status is MilestoneStatus.DONE_LATE
    assert second.closed_at == clock.now
    assert task.pending_closings == ["1", "2"]
    assert task.state.history[-1].detail == "https://x"
    task.finish_if_done()
    assert views.display_status(task.state) is DisplayStatus.DONE


@pytest.mark.parametrize(
    ("submission", "refusal"),
    [
        (EvidenceSubmission("1", "ttlt", document_number="1/KH"), "'ttlt' is not a lead"),
        (EvidenceSubmission("9", "van-phong", document_number="1/KH"), "no milestone '9'"),
        (EvidenceSubmission("1", "van-phong"), "needs a document number, a link"),
        (EvidenceSubmission("2", "van-phong", document_number="2/QĐ"), "waits for the event"),
    ],
)
def test_evidence_is_refused_with_the_reason(submission: EvidenceSubmission, refusal: str) -> None:
    task, _ = tracker(
        planned("1"),
        planned("2", MilestoneKind.AFTER_EVENT, due=None, event_key="ubnd-ban-hanh"),
        now=DUE,
    )
    with pytest.raises(ValueError, match=refusal):
        task.check_evidence(submission)


def test_an_extension_reopens_an_overdue_milestone() -> None:
    task, clock = tracker(planned("1"), now=DUE + timedelta(days=2))
    task.advance_statuses()
    milestone = task.state.milestones[0]
    assert task.state.history[-1].action == "overdue"
    with pytest.raises(ValueError, match="not after the current one"):
        task.check_extension_grant(ExtensionGrant("1", date(2023, 3, 31), "late data", "cchc"))
    with pytest.raises(ValueError, match="needs a reason"):
        task.check_extension_grant(ExtensionGrant("1", date(2023, 4, 28), " ", "cchc"))

    grant = ExtensionGrant("1", date(2023, 4, 28), "late data", "cchc-vtlt")
    task.check_extension_grant(grant)
    new_due = datetime(2023, 4, 28, 10, 0, tzinfo=UTC)
    task.extend(milestone, new_due, grant)
    assert milestone.milestone.due == new_due
    assert milestone.status is MilestoneStatus.OPEN
    assert task.state.history[-1].action == "extension_granted"
    assert clock.now < new_due


def test_an_event_starts_the_clock_and_opens_occurrences() -> None:
    task, _ = tracker(
        planned("1", MilestoneKind.AFTER_EVENT, due=None, event_key="ubnd-ban-hanh"),
        planned("2", MilestoneKind.RECURRING_EVENT, due=None, event_key="van-ban-moi"),
        now=DUE,
    )
    waiting, recurring = task.state.milestones
    event = EventOccurrence("ubnd-ban-hanh", date(2023, 3, 31))
    assert task.first_sighting(event)
    assert not task.first_sighting(event)
    assert task.waits_on(waiting, event) and not task.waits_on(recurring, event)
    task.start_clock(waiting, event, DUE + timedelta(days=28))
    assert waiting.status is MilestoneStatus.OPEN and waiting.event == event

    again = EventOccurrence("van-ban-moi", date(2023, 4, 3))
    key = task.occurrence_key(recurring, again)
    assert key == "2@2023-04-03" and not task.has_milestone(key)
    occurrence = task.add_occurrence(recurring, again, DUE + timedelta(days=30))
    assert task.has_milestone(key)
    assert occurrence.occurrence_of == "2" and occurrence.status is MilestoneStatus.OPEN


def test_a_late_start_drops_the_missed_steps_and_keeps_the_rest_in_order() -> None:
    task, _ = tracker(planned("1"), now=DUE - timedelta(days=1))
    milestone = task.state.milestones[0]
    steps = [
        ScheduledStep(DUE - timedelta(days=14), StepAction.REMINDER, StepAudience.LEAD),
        # Steps at one instant keep one order, whatever order the policy gave them in.
        ScheduledStep(DUE - timedelta(days=7), StepAction.REMINDER, StepAudience.COORDINATING),
        ScheduledStep(DUE - timedelta(days=7), StepAction.REMINDER, StepAudience.LEAD),
        ScheduledStep(DUE, StepAction.REMINDER, StepAudience.LEAD),
    ]
    task.set_steps(milestone, list(reversed(steps)), until=DUE + timedelta(days=120))
    assert milestone.steps == steps

    assert task.skip_missed(milestone, DUE - timedelta(days=1)) == 3
    assert milestone.steps == steps[3:]
    assert task.state.history[-1].action == "caught_up"
    assert task.take_due_steps(milestone, DUE - timedelta(seconds=1)) == []
    assert task.take_due_steps(milestone, DUE) == steps[3:]
    assert task.needs_more_steps(milestone, DUE + timedelta(days=120))


def test_reassignment_and_closing() -> None:
    task, _ = tracker(planned("1"), planned("2"), now=DUE)
    task.check_reassignment(Reassignment(["ttlt"], "moved", "cchc-vtlt"))
    assert task.reassign(Reassignment(["ttlt"], "moved", "cchc-vtlt")) == ["ttlt"]
    assert views.recipients(task.input, task.state, StepAudience.LEAD) == ["ttlt"]
    assert views.recipients(task.input, task.state, StepAudience.LEADERSHIP) == ["lanh-dao"]

    with pytest.raises(ValueError, match="say why"):
        task.check_closure(Closure(" ", "cchc-vtlt"))
    task.close(TaskStatus.CARRIED_OVER, Closure("next year", "cchc-vtlt"))
    assert {m.status for m in task.state.milestones} == {MilestoneStatus.CANCELLED}
    snapshot = views.snapshot(task.input, task.state)
    assert snapshot.display_status is DisplayStatus.CARRIED_OVER
    assert snapshot.closing_reason == "next year"
    assert snapshot.next_action is None
    with pytest.raises(ValueError, match="the task is carried_over"):
        task.check_reassignment(Reassignment(["ttlt"], "again", "cchc-vtlt"))


def test_every_step_sends_a_kind_the_engine_knows() -> None:
    assert set(NOTIFICATION_KINDS) == set(itertools.product(StepAction, StepAudience))
    assert NOTIFICATION_KINDS[StepAction.ESCALATION, StepAudience.LEADERSHIP] is (
        MessageKind.ESCALATION_LEADERSHIP
    )
    assert NOTIFICATION_KINDS[StepAction.ESCALATION, StepAudience.LEAD] is (
        MessageKind.ESCALATION_COORDINATOR
    )


def test_a_late_start_drops_every_missed_step_and_says_how_many() -> None:
    task, _ = tracker(planned("1"), planned("2", due=DUE + timedelta(days=60)), now=DUE)
    first, second = task.state.milestones
    steps = [
        ScheduledStep(
            at=DUE - timedelta(days=d), action=StepAction.REMINDER, audience=StepAudience.LEAD
        )
        for d in (10, 5, 0)
    ]
    later = ScheduledStep(
        at=DUE + timedelta(days=7), action=StepAction.ESCALATION, audience=StepAudience.LEAD
    )
    TaskTracker.set_steps(first, [*steps, later], DUE + timedelta(days=120))
    assert task.skip_missed(first, DUE) == 3
    assert first.steps == [later]
    assert task.skip_missed(second, DUE) == 0  # nothing of it had passed
    assert [(e.action, e.detail) for e in task.state.history][-1] == (
        "caught_up",
        "started late: 3 step(s) had passed, not sent",
    )
    assert [m.key for m in task.unfinished()] == ["1", "2"]


def test_a_refusal_answers_the_request_still_waiting() -> None:
    task, _ = tracker(planned("1"), now=DUE - timedelta(days=10))
    refusal = ExtensionRefusal("1", "đủ thời gian", "cchc-vtlt")
    with pytest.raises(ValueError, match="no extension request of milestone '1' waits"):
        task.check_extension_refusal(refusal)
    asked = ExtensionRequest("1", date(2023, 4, 14), "chờ số liệu", "van-phong")
    task.check_extension_request(asked)
    task.note_extension_request(asked)
    assert task.pending_request("1") == asked
    with pytest.raises(ValueError, match="say why"):
        task.check_extension_refusal(ExtensionRefusal("1", " ", "cchc-vtlt"))
    task.check_extension_refusal(refusal)
    assert task.refuse_extension(refusal) == asked
    assert task.pending_request("1") is None
    # Asked again, then granted: answered too.
    task.note_extension_request(asked)
    task.extend(
        task.milestone("1"),
        DUE + timedelta(days=14),
        ExtensionGrant("1", date(2023, 4, 14), "ok", "cchc-vtlt"),
    )
    assert task.pending_request("1") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"new_due_on": date(2024, 1, 2)}, "beyond the plan's year 2023: confirm it"),
        ({"new_due_on": date(2024, 1, 2), "confirmed": True}, None),
    ],
)
def test_an_extension_stays_within_the_plans_year_unless_confirmed(
    change: dict[str, object], message: str | None
) -> None:
    task, _ = tracker(planned("1"), now=DUE - timedelta(days=10))
    grant = dataclasses.replace(ExtensionGrant("1", date(2023, 4, 14), "x", "cchc-vtlt"), **change)  # type: ignore[arg-type]
    if message is None:
        task.check_extension_grant(grant)
    else:
        with pytest.raises(ValueError, match=message):
            task.check_extension_grant(grant)


@pytest.mark.parametrize(
    ("link", "web"),
    [
        ("https://snv.binhdinh.gov.vn/kh", True),
        ("http://10.0.0.1/a", True),
        ("HTTPS://Example.org", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("ftp://example.org/x", False),
        ("https://", False),
        ("www.example.org", False),
    ],
)
def test_a_link_is_a_web_address(link: str, web: bool) -> None:
    assert is_web_link(link) is web


def test_a_correction_moves_the_clock_its_first_date_started() -> None:
    task, _ = tracker(planned("1", MilestoneKind.AFTER_EVENT, due=None, event_key="ubnd"), now=DUE)
    [milestone] = task.state.milestones
    first = EventOccurrence("ubnd", date(2023, 2, 27))
    task.start_clock(milestone, first, DUE - timedelta(days=1))
    task.advance_statuses()
    assert milestone.status is MilestoneStatus.OVERDUE
    corrected = EventOccurrence("ubnd", date(2023, 3, 10), corrects=date(2023, 2, 27))
    assert task.corrected_by(milestone, corrected)
    assert not task.corrected_by(milestone, EventOccurrence("ubnd", date(2023, 3, 10)))
    task.restart_clock(milestone, corrected, DUE + timedelta(days=10))
    assert task.milestone("1").status is MilestoneStatus.OPEN
    assert milestone.event == corrected
    assert task.state.history[-1].action == "event_corrected"

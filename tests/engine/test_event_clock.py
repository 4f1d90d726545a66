"""The clock the router hands a task (workflows/event_clock.py) is the one the task would have
worked out itself at its own instant, or it is not taken.

Pure functions, the project's calendar and policy; the engine's side is
tests/engine/test_event_routing.py."""

import dataclasses
from datetime import UTC, date, datetime, timedelta

from deadlines import PlannedMilestone, plan_milestones, schedule_steps
from models.workflow_messages import EventOccurrence
from settings import get_settings
from workflows.event_clock import handed_clock, started_clock, starts_clock, steps_after
from workflows.task_state import planning_until

YEAR = 2023
EVENT = EventOccurrence(key="", occurred_on=date(2023, 3, 1), decision="Quyết định số 1")
# Wednesday 01/03/2023 09:00 in Vietnam.
ROUTED = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)


def waiting() -> tuple[PlannedMilestone, EventOccurrence]:
    settings = get_settings()
    [milestone] = plan_milestones(
        "Trong 15 ngày làm việc sau khi UBND tỉnh ban hành kế hoạch",
        year=YEAR,
        task_title="Triển khai kế hoạch",
        calendar=settings.working_calendar(YEAR),
        policy=settings.policy(),
    )
    assert milestone.event_key is not None
    return milestone, dataclasses.replace(EVENT, key=milestone.event_key)


def test_a_task_later_than_the_router_takes_the_steps_it_would_have_asked_for() -> None:
    settings = get_settings()
    calendar, policy = settings.working_calendar(YEAR), settings.policy()
    milestone, event = waiting()
    assert starts_clock(milestone, event)
    clock = started_clock(milestone, event, ROUTED, calendar=calendar, policy=policy)
    # The task reacts well after the router, past some of the steps the router planned.
    later = clock.steps[1].at
    assert handed_clock([clock], milestone, later) is clock
    started = dataclasses.replace(milestone, due=clock.due)
    asked = schedule_steps(
        started,
        calendar=calendar,
        policy=policy,
        after=later,
        until=planning_until(started, later),
    )
    assert steps_after(clock, later) == asked
    assert len(asked) < len(clock.steps)


def test_a_clock_is_not_taken_from_the_future_nor_past_its_due_date_nor_for_another() -> None:
    settings = get_settings()
    calendar, policy = settings.working_calendar(YEAR), settings.policy()
    milestone, event = waiting()
    clock = started_clock(milestone, event, ROUTED, calendar=calendar, policy=policy)
    assert handed_clock([clock], milestone, ROUTED - timedelta(seconds=1)) is None
    # Past its due date the planning window counts from the task's instant, not the router's.
    assert handed_clock([clock], milestone, clock.due + timedelta(days=1)) is None
    corrected = dataclasses.replace(milestone, text=milestone.text + " (đã sửa)")
    assert handed_clock([clock], corrected, ROUTED) is None


def test_a_correction_or_a_recurring_event_starts_no_clock_here() -> None:
    milestone, event = waiting()
    assert not starts_clock(milestone, dataclasses.replace(event, corrects=date(2023, 2, 1)))
    assert not starts_clock(milestone, dataclasses.replace(event, key="khac"))

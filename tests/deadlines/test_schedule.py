"""The schedule of a milestone (reminders, escalations, check-ins, nudges), event clocks, and
the milestones crossing into workflows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from deadlines import (
    MilestoneKind,
    PlannedMilestone,
    ScheduledStep,
    WorkingCalendar,
    due_after_event,
    plan_milestones,
    schedule_steps,
)
from deadlines.local_time import in_vietnam
from deadlines.policy import CoordinatingReminders, DeadlinePolicy
from settings import DATA_DIR, load_calendar, load_policy

YEAR = 2023


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return load_calendar(range(YEAR - 1, YEAR + 3), DATA_DIR / "calendar")


@pytest.fixture(scope="module")
def policy() -> DeadlinePolicy:
    return load_policy()


def plan(
    text: str, calendar: WorkingCalendar, policy: DeadlinePolicy, title: str = ""
) -> list[PlannedMilestone]:
    return plan_milestones(text, year=YEAR, task_title=title, calendar=calendar, policy=policy)


def shown(steps: list[ScheduledStep]) -> list[tuple[str, str, str]]:
    return [(in_vietnam(s.at).format("YYYY-MM-DD HH:mm"), s.action, s.audience) for s in steps]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def with_reminders(policy: DeadlinePolicy, **changes: object) -> DeadlinePolicy:
    return policy.model_copy(update={"reminders": policy.reminders.model_copy(update=changes)})


# ----------------------------------------------------------------------------- dated milestones


def test_the_whole_schedule_of_april_2023_worked_out_by_hand(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    # Due Friday 28/04 17:00. Ten working days back: 27, 26, 25, 24, 21, 20, 19, 18, 17, 14.
    # After it, 29/04-03/05 are off: the first working day after is Thursday 04/05, the fifth
    # Wednesday 10/05; then weekly on Wednesdays.
    (april,) = plan("Tháng 4/2023", calendar, policy)
    steps = schedule_steps(
        april, calendar=calendar, policy=policy, until=utc("2023-06-01T00:00+07:00")
    )
    assert shown(steps) == [
        ("2023-04-14 08:00", "reminder", "lead"),
        ("2023-04-14 08:00", "reminder", "coordinating"),
        ("2023-04-21 08:00", "reminder", "lead"),
        ("2023-04-26 08:00", "reminder", "lead"),
        ("2023-04-28 08:00", "reminder", "lead"),
        ("2023-05-04 08:00", "escalation", "lead"),
        ("2023-05-04 08:00", "escalation", "coordinator"),
        ("2023-05-10 08:00", "escalation", "leadership"),
        ("2023-05-17 08:00", "escalation", "leadership"),
        ("2023-05-24 08:00", "escalation", "leadership"),
        ("2023-05-31 08:00", "escalation", "leadership"),
    ]
    assert steps[0].note == "10 working days before the due day"
    assert steps[5].note == "1st working day after the due day"


def test_a_weekly_escalation_on_a_day_off_moves_to_the_next_working_day(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    # June 2023 due Friday 30/06; fifth working day after: Friday 07/07; weekly on Fridays; Friday
    # 01/09 is National Day, so that week's escalation goes out on Tuesday 05/09.
    (june,) = plan("Tháng 6/2023", calendar, policy)
    steps = schedule_steps(
        june,
        calendar=calendar,
        policy=policy,
        after=utc("2023-08-20T00:00+07:00"),
        until=utc("2023-09-10T00:00+07:00"),
    )
    assert shown(steps) == [
        ("2023-08-25 08:00", "escalation", "leadership"),
        ("2023-09-05 08:00", "escalation", "leadership"),
        ("2023-09-08 08:00", "escalation", "leadership"),
    ]


def test_after_excludes_steps_at_or_before_it_so_the_engine_can_resume(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (april,) = plan("Tháng 4/2023", calendar, policy)
    full = schedule_steps(april, calendar=calendar, policy=policy)
    resumed = schedule_steps(april, calendar=calendar, policy=policy, after=full[2].at)
    assert resumed == [s for s in full if s.at > full[2].at]
    assert resumed[0].at > full[2].at


def test_without_until_the_schedule_ends_with_the_year_but_keeps_the_escalation_stages(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    # December: due Friday 29/12; the escalation stages fall in January 2024 and are shown,
    # the weekly repeats after them are not (they belong to next year's asking).
    (december,) = plan("Tháng 12/2023", calendar, policy)
    steps = schedule_steps(december, calendar=calendar, policy=policy)
    assert shown(steps)[-3:] == [
        ("2024-01-02 08:00", "escalation", "lead"),
        ("2024-01-02 08:00", "escalation", "coordinator"),
        ("2024-01-08 08:00", "escalation", "leadership"),
    ]
    (april,) = plan("Tháng 4/2023", calendar, policy)
    last = schedule_steps(april, calendar=calendar, policy=policy)[-1]
    assert in_vietnam(last.at).format("YYYY-MM-DD") == "2023-12-27"


def test_coordinating_units_hear_as_the_policy_says(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (april,) = plan("Tháng 4/2023", calendar, policy)

    def coordinating(rule: CoordinatingReminders) -> list[str]:
        changed = with_reminders(policy, coordinating=rule)
        steps = schedule_steps(april, calendar=calendar, policy=changed)
        return [in_vietnam(s.at).format("MM-DD") for s in steps if s.audience == "coordinating"]

    assert coordinating(CoordinatingReminders.FIRST) == ["04-14"]
    assert coordinating(CoordinatingReminders.ALL) == ["04-14", "04-21", "04-26", "04-28"]
    assert coordinating(CoordinatingReminders.NONE) == []


def test_nobody_is_reminded_before_a_periodic_obligation_opens(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    monthly = plan("Hằng tháng", calendar, policy)
    assert [m.key for m in monthly][:3] == ["2023-01", "2023-02", "2023-03"]
    # February's work is due Tuesday 28/02; 20 working days before would be in January.
    early = with_reminders(policy, working_days_before=(20, 5))
    steps = schedule_steps(monthly[1], calendar=calendar, policy=early)
    reminders = [s for s in steps if s.action == "reminder"]
    assert shown(reminders) == [
        ("2023-02-21 08:00", "reminder", "lead"),
        ("2023-02-21 08:00", "reminder", "coordinating"),
        ("2023-02-28 08:00", "reminder", "lead"),
    ]


# ----------------------------------------------------------------------------- check-ins, nudges


def test_ongoing_work_gets_quarterly_check_ins_until_the_year_ends(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (ongoing,) = plan("Thường xuyên", calendar, policy)
    assert ongoing.due is None
    steps = schedule_steps(ongoing, calendar=calendar, policy=policy)
    # The 10th of March, June, September, December; the 10th of June, September and December
    # 2023 fall on weekends.
    assert shown(steps) == [
        ("2023-03-10 08:00", "check_in", "lead"),
        ("2023-06-12 08:00", "check_in", "lead"),
        ("2023-09-11 08:00", "check_in", "lead"),
        ("2023-12-11 08:00", "check_in", "lead"),
    ]
    assert (
        schedule_steps(ongoing, calendar=calendar, policy=policy, until=utc("2030-01-01T00:00Z"))[
            -1
        ]
        == steps[-1]
    )


def test_all_year_work_gets_check_ins_then_reminders_then_escalations(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (all_year,) = plan("Cả năm", calendar, policy)
    steps = shown(schedule_steps(all_year, calendar=calendar, policy=policy))
    assert steps[:6] == [
        ("2023-03-10 08:00", "check_in", "lead"),
        ("2023-06-12 08:00", "check_in", "lead"),
        ("2023-09-11 08:00", "check_in", "lead"),
        ("2023-12-11 08:00", "check_in", "lead"),
        ("2023-12-15 08:00", "reminder", "lead"),
        ("2023-12-15 08:00", "reminder", "coordinating"),
    ]
    assert ("2023-12-29 08:00", "reminder", "lead") in steps


def test_a_task_waiting_for_its_event_nudges_the_coordinator_monthly(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (waiting,) = plan("Sau khi UBND tỉnh ban hành", calendar, policy)
    steps = schedule_steps(waiting, calendar=calendar, policy=policy)
    # The first working day of each month of 2023.
    assert [in_vietnam(s.at).format("MM-DD") for s in steps] == [
        "01-03", "02-01", "03-01", "04-03", "05-04", "06-01",
        "07-03", "08-01", "09-05", "10-02", "11-01", "12-01",
    ]  # fmt: skip
    assert {(s.action, s.audience) for s in steps} == {("nudge", "coordinator")}
    assert steps[0].note == "still waiting for ubnd-tinh-ban-hanh"
    later = schedule_steps(
        waiting,
        calendar=calendar,
        policy=policy,
        after=utc("2023-10-15T09:00+07:00"),
        until=utc("2024-02-15T00:00+07:00"),
    )
    assert [in_vietnam(s.at).format("YYYY-MM-DD") for s in later] == [
        "2023-11-01",
        "2023-12-01",
        "2024-01-02",
        "2024-02-01",
    ]


# ----------------------------------------------------------------------------- events


def test_after_an_event_the_task_is_due_twenty_working_days_later(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (waiting,) = plan("Sau khi UBND tỉnh ban hành", calendar, policy)
    # Friday 10/03/2023 + 20 working days: 13-17, 20-24, 27-31 March, 3-7 April.
    due = due_after_event(
        waiting, event_date=date(2023, 3, 10), event_due=None, calendar=calendar, policy=policy
    )
    assert in_vietnam(due).isoformat() == "2023-04-07T17:00:00+07:00"
    # Over Tết: from Thursday 19/01, 20/01-26/01 off: 27/01 is the first, 23/02 the twentieth.
    over_tet = due_after_event(
        waiting, event_date=date(2023, 1, 19), event_due=None, calendar=calendar, policy=policy
    )
    assert in_vietnam(over_tet).isoformat() == "2023-02-23T17:00:00+07:00"
    # Once dated, the milestone has reminders and escalations like any other.
    started = dataclasses.replace(waiting, due=due)
    actions = {s.action for s in schedule_steps(started, calendar=calendar, policy=policy)}
    assert actions == {"reminder", "escalation"}


def test_an_outside_plan_is_due_when_the_province_plan_says(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (outside,) = plan("Theo Kế hoạch tuyển dụng của UBND tỉnh", calendar, policy)
    due = due_after_event(
        outside,
        event_date=date(2023, 5, 15),
        event_due=date(2023, 6, 15),
        calendar=calendar,
        policy=policy,
    )
    assert in_vietnam(due).isoformat() == "2023-06-15T17:00:00+07:00"
    # A date on a Saturday: the working day before, by the default due rule.
    saturday = due_after_event(
        outside,
        event_date=date(2023, 5, 15),
        event_due=date(2023, 6, 17),
        calendar=calendar,
        policy=policy,
    )
    assert in_vietnam(saturday).isoformat() == "2023-06-16T17:00:00+07:00"
    # Without a date of its own, the policy's allowance: 15/05 + 20 working days = 12/06.
    fallback = due_after_event(
        outside, event_date=date(2023, 5, 15), event_due=None, calendar=calendar, policy=policy
    )
    assert in_vietnam(fallback).isoformat() == "2023-06-12T17:00:00+07:00"


def test_each_occurrence_of_a_recurring_event_is_due_on_its_own(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (template,) = plan("Khi có các văn bản QPPL mới ban hành", calendar, policy)
    dues = [
        in_vietnam(
            due_after_event(
                template, event_date=day, event_due=None, calendar=calendar, policy=policy
            )
        ).date()
        for day in (date(2023, 3, 10), date(2023, 8, 15))
    ]
    assert [d.isoformat() for d in dues] == ["2023-04-07", "2023-09-14"]


def test_the_allowance_written_in_the_text_wins(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (working,) = plan("Trong vòng 15 ngày làm việc kể từ khi UBND tỉnh ban hành", calendar, policy)
    due = due_after_event(
        working, event_date=date(2023, 3, 10), event_due=None, calendar=calendar, policy=policy
    )
    assert in_vietnam(due).isoformat() == "2023-03-31T17:00:00+07:00"
    (days,) = plan("30 ngày sau khi có Quyết định phê duyệt của UBND tỉnh", calendar, policy)
    # Calendar days counted as the Civil Code counts them (art. 147-148): from 11/03, the 30th
    # day is Sunday 09/04, a day off, so the time ends with the next working day, Monday 10/04.
    due = due_after_event(
        days, event_date=date(2023, 3, 10), event_due=None, calendar=calendar, policy=policy
    )
    assert in_vietnam(due).isoformat() == "2023-04-10T17:00:00+07:00"


def test_a_policy_allowance_per_event_key(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    longer = policy.model_copy(
        update={"events": policy.events.model_copy(update={"allowances": {"xay-dung-phan-mem": 5}})}
    )
    (waiting,) = plan("Sau khi đã xây dựng phần mềm", calendar, longer)
    due = due_after_event(
        waiting, event_date=date(2023, 3, 10), event_due=None, calendar=calendar, policy=longer
    )
    assert in_vietnam(due).isoformat() == "2023-03-17T17:00:00+07:00"


def test_event_dates_that_cannot_be_are_refused(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (outside,) = plan("Theo Kế hoạch của UBND tỉnh", calendar, policy)
    with pytest.raises(ValueError, match="before the event itself"):
        due_after_event(
            outside,
            event_date=date(2023, 5, 15),
            event_due=date(2023, 5, 1),
            calendar=calendar,
            policy=policy,
        )
    (fixed,) = plan("Tháng 4/2023", calendar, policy)
    with pytest.raises(ValueError, match="waits for no event"):
        due_after_event(
            fixed, event_date=date(2023, 3, 1), event_due=None, calendar=calendar, policy=policy
        )


def test_naive_instants_are_refused(calendar: WorkingCalendar, policy: DeadlinePolicy) -> None:
    (april,) = plan("Tháng 4/2023", calendar, policy)
    with pytest.raises(ValueError, match="no time zone"):
        schedule_steps(april, calendar=calendar, policy=policy, after=datetime(2023, 4, 1))


# ----------------------------------------------------------------------------- into workflows


def test_milestones_and_steps_round_trip_through_the_engine_data_converter(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    milestones = [
        *plan("Ban hành Kế hoạch: tháng 2/2023 Thực hiện: cả năm", calendar, policy),
        *plan("Cả năm", calendar, policy, "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)"),
        *plan("Trong vòng 15 ngày làm việc kể từ khi UBND tỉnh ban hành", calendar, policy),
        *plan("Thường xuyên", calendar, policy),
    ]
    steps = schedule_steps(milestones[0], calendar=calendar, policy=policy)
    converter = pydantic_data_converter.payload_converter
    payloads = converter.to_payloads([milestones, steps])
    back_milestones, back_steps = converter.from_payloads(
        payloads, [list[PlannedMilestone], list[ScheduledStep]]
    )
    assert back_milestones == milestones
    assert back_steps == steps
    assert all(isinstance(m.kind, MilestoneKind) for m in back_milestones)
    for milestone in milestones:
        for instant in (milestone.due, milestone.opens):
            assert instant is None or (type(instant) is datetime and instant.tzinfo is UTC)

"""Planning over a plan's years: a plan of several years runs its ongoing work, yearly and
monthly series and check-ins over all of them; the CCHC report days apply only to the task the
policy names; calendar days after an event are counted as the Civil Code counts them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from deadlines import MilestoneKind, WorkingCalendar, due_after_event, plan_milestones
from deadlines.local_time import in_vietnam, local_day
from deadlines.planning import is_cchc_report_task
from deadlines.policy import DeadlinePolicy
from deadlines.schedule import schedule_steps
from deadlines.steps import StepAction
from settings import DATA_DIR, load_calendar, load_policy

SEED_REPORT_TITLE = "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)"


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return load_calendar(range(2022, 2033), DATA_DIR / "calendar")


@pytest.fixture(scope="module")
def policy() -> DeadlinePolicy:
    return load_policy()


def days(milestones: list, attribute: str = "due") -> list[str]:  # type: ignore[type-arg]
    return [in_vietnam(getattr(m, attribute)).date().isoformat() for m in milestones]


def test_ongoing_work_runs_over_every_year_and_is_checked_in_on_each(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (ongoing,) = plan_milestones(
        "Thường xuyên", year=2025, last_year=2027, task_title="", calendar=calendar, policy=policy
    )
    assert (ongoing.period_start, ongoing.period_end) == (date(2025, 1, 1), date(2027, 12, 31))
    assert (ongoing.first_year, ongoing.plan_year) == (2025, 2027)
    check_ins = [local_day(s.at) for s in schedule_steps(ongoing, calendar=calendar, policy=policy)]
    assert len(check_ins) == 12  # four a year, three years
    assert check_ins[0] == date(2025, 3, 10) and check_ins[-1].year == 2027


def test_a_plan_of_one_year_plans_as_before(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (ongoing,) = plan_milestones(
        "Thường xuyên", year=2023, task_title="", calendar=calendar, policy=policy
    )
    assert (ongoing.first_year, ongoing.plan_year) == (None, 2023)
    assert (ongoing.period_start, ongoing.period_end) == (date(2023, 1, 1), date(2023, 12, 31))


def test_ongoing_from_a_month_opens_then(calendar: WorkingCalendar, policy: DeadlinePolicy) -> None:
    (ongoing,) = plan_milestones(
        "Từ tháng 7/2025", year=2025, task_title="", calendar=calendar, policy=policy
    )
    assert ongoing.kind is MilestoneKind.ONGOING
    assert ongoing.opens is not None and in_vietnam(ongoing.opens).date() == date(2025, 7, 1)
    steps = schedule_steps(ongoing, calendar=calendar, policy=policy)
    # No check-in before the work starts: September and December only.
    assert [local_day(s.at).month for s in steps] == [9, 12]


def test_a_monthly_series_falls_on_its_day(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    before = plan_milestones(
        "Trước ngày 10 hằng tháng", year=2025, task_title="", calendar=calendar, policy=policy
    )
    assert len(before) == 12
    # 09/02/2025 is a Sunday: the Friday before, never later than the day the plan names.
    assert days(before)[:3] == ["2025-01-09", "2025-02-07", "2025-03-07"]
    on = plan_milestones(
        "Ngày 31 hằng tháng", year=2025, task_title="", calendar=calendar, policy=policy
    )
    # The 31st of a shorter month is its last day: 28/02/2025 (a Friday), 30/04 a holiday.
    assert days(on)[1:4] == ["2025-02-28", "2025-03-31", "2025-04-29"]


def test_a_period_each_year_repeats_from_the_year_it_names(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    quarters = plan_milestones(
        "Quý IV hằng năm",
        year=2025,
        last_year=2027,
        task_title="",
        calendar=calendar,
        policy=policy,
    )
    assert [m.key for m in quarters] == ["2025-Q4", "2026-Q4", "2027-Q4"]
    onward = plan_milestones(
        "2026 và các năm tiếp theo",
        year=2025,
        last_year=2027,
        task_title="",
        calendar=calendar,
        policy=policy,
    )
    assert [m.key for m in onward] == ["2026", "2027"]


def test_the_cchc_report_days_only_for_the_task_the_policy_names(
    calendar: WorkingCalendar, policy: DeadlinePolicy, tmp_path: Path
) -> None:
    # The seed's reporting task, named by its whole title in the default policy: Q1 is due at
    # the Ministry on 20/03/2023, the units two working days before, Thursday 16/03.
    seed = plan_milestones(
        "Cả năm", year=2023, task_title=SEED_REPORT_TITLE, calendar=calendar, policy=policy
    )
    assert days(seed)[0] == "2023-03-16"
    # Another report, its title saying "báo cáo", falls due at the end of each quarter.
    other = plan_milestones(
        "Cả năm",
        year=2023,
        task_title="Báo cáo tình hình thực hiện định kỳ hằng quý",
        calendar=calendar,
        policy=policy,
    )
    assert days(other) == ["2023-03-31", "2023-06-30", "2023-09-29", "2023-12-29"]
    assert not is_cchc_report_task("Báo cáo tình hình thực hiện định kỳ hằng quý", policy)
    # A plan's own policy names its reporting task by code.
    own = tmp_path / "policy.yaml"
    own.write_text('tasks:\n  "II.6":\n    reports: {cchc_task: true}\n', encoding="utf-8")
    chosen = load_policy(own, task_code="II.6")
    assert is_cchc_report_task("Báo cáo định kỳ", chosen)
    by_code = plan_milestones(
        "Hằng quý", year=2023, task_title="Báo cáo định kỳ", calendar=calendar, policy=chosen
    )
    assert days(by_code) == ["2023-03-16", "2023-06-16", "2023-09-18", "2023-12-18"]
    assert not is_cchc_report_task("Báo cáo định kỳ", load_policy(own, task_code="II.7"))


def test_calendar_days_after_an_event_end_on_a_working_day_after(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (clock,) = plan_milestones(
        "Trong vòng 15 ngày kể từ ngày Quy chế phối hợp được ban hành",
        year=2025,
        task_title="",
        calendar=calendar,
        policy=policy,
    )
    # From 15/01/2025 the 15th day is 30/01, inside Tết (25/01–02/02): Monday 03/02.
    due = due_after_event(
        clock, event_date=date(2025, 1, 15), event_due=None, calendar=calendar, policy=policy
    )
    assert in_vietnam(due).isoformat() == "2025-02-03T17:00:00+07:00"


def test_nudges_start_with_the_first_year_of_a_plan_of_several(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (waiting,) = plan_milestones(
        "Sau khi Quy hoạch tỉnh được phê duyệt",
        year=2025,
        last_year=2026,
        task_title="",
        calendar=calendar,
        policy=policy,
    )
    nudges = [s for s in schedule_steps(waiting, calendar=calendar, policy=policy)]
    assert all(s.action is StepAction.NUDGE for s in nudges)
    assert local_day(nudges[0].at).isoformat() == "2025-01-02"  # 01/01/2025, New Year, is off
    assert local_day(nudges[-1].at).year == 2026 and len(nudges) == 24


def test_a_plan_of_several_years_is_never_moved(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    with pytest.raises(ValueError, match="never moved"):
        plan_milestones(
            "Năm 2026",
            year=2025,
            last_year=2030,
            written_year=2024,
            task_title="",
            calendar=calendar,
            policy=policy,
        )

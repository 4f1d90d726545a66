"""Properties that must hold for any deadline text, policy and day, checked with hypothesis.

- The parser returns milestones or raises DeadlineRefused, never anything else.
- Every due instant, reminder, check-in, escalation and nudge falls in office hours on a
  working day; reminders come before their due instant and escalations after, in order.
- The calendar's counting of working days is consistent.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deadlines import (
    DeadlineRefused,
    MilestoneKind,
    WorkingCalendar,
    due_after_event,
    parse_deadline,
    plan_milestones,
    schedule_steps,
)
from deadlines.local_time import end_of_plan_year
from deadlines.policy import CoordinatingReminders, DeadlinePolicy, DueRule
from settings import DATA_DIR, load_calendar, load_policy

YEAR = 2023
CALENDAR = load_calendar(range(YEAR - 1, YEAR + 4), DATA_DIR / "calendar")
POLICY = load_policy()
WAITING = {MilestoneKind.AFTER_EVENT, MilestoneKind.OUTSIDE_PLAN, MilestoneKind.RECURRING_EVENT}

# ----------------------------------------------------------------------------- texts


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@st.composite
def spelled(draw: st.DrawFn, text: str) -> str:
    """The same words as people type them: any case, with or without accents."""
    if draw(st.booleans()):
        text = strip_accents(text)
    return draw(st.sampled_from([text, text.lower(), text.upper(), text.capitalize()]))


ROMAN = ["I", "II", "III", "IV"]
YEARS = st.sampled_from([YEAR, YEAR + 1])


@st.composite
def month_text(draw: st.DrawFn) -> str:
    month = draw(st.integers(1, 12))
    number = draw(st.sampled_from([str(month), f"{month:02d}"]))
    year = draw(st.none() | YEARS)
    separator = draw(st.sampled_from(["/", " / ", "-", " – ", " năm "]))
    suffix = "" if year is None else f"{separator}{year}"
    return draw(spelled(f"Tháng {number}{suffix}"))


@st.composite
def quarter_text(draw: st.DrawFn) -> str:
    quarter = draw(st.integers(1, 4))
    number = draw(st.sampled_from([ROMAN[quarter - 1], str(quarter)]))
    year = draw(st.none() | YEARS)
    return draw(spelled(f"Quý {number}" + ("" if year is None else f"/{year}")))


@st.composite
def day_text(draw: st.DrawFn) -> str:
    day = draw(st.dates(date(YEAR, 1, 1), date(YEAR + 1, 12, 31)))
    prefix = draw(st.sampled_from(["", "ngày ", "Trước ngày ", "Chậm nhất ngày "]))
    return draw(spelled(f"{prefix}{day.day}/{day.month}/{day.year}"))


KEYWORDS = [
    "Cả năm",
    "Thường xuyên",
    "Hằng tháng",
    "Hằng quý",
    "Định kỳ 6 tháng",
    "Hằng quý, 6 tháng, năm",
    "6 tháng đầu năm",
    "6 tháng cuối năm",
    "Năm 2023",
    "Sau khi UBND tỉnh ban hành",
    "Sau khi có Quyết định phê duyệt của UBND tỉnh",
    "Sau khi đã xây dựng phần mềm",
    "Theo Kế hoạch của UBND tỉnh",
    "Theo Kế hoạch mở lớp của UBND tỉnh",
    "Khi có các văn bản QPPL mới ban hành",
    "Trong vòng 10 ngày làm việc kể từ khi UBND tỉnh ban hành",
    "từ tháng 3 đến tháng 6",
    "Tháng 6 và tháng 12",
]

single = st.one_of(
    month_text(), quarter_text(), day_text(), st.sampled_from(KEYWORDS).flatmap(spelled)
)
LABELS = ["Ban hành Kế hoạch", "Thực hiện", "Đăng ký", "Xây dựng Phương án", "Báo cáo"]


@st.composite
def deadline_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(single, min_size=1, max_size=3))
    if len(parts) == 1 and draw(st.booleans()):
        return parts[0]
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=len(parts), max_size=len(parts)))
    separator = draw(st.sampled_from([" ", "; ", "\n"]))
    return separator.join(f"{label}: {part}" for label, part in zip(labels, parts, strict=True))


TITLES = st.sampled_from(
    ["", "Tổ chức tọa đàm", "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)"]
)


@st.composite
def policies(draw: st.DrawFn) -> DeadlinePolicy:
    reminders = POLICY.reminders.model_copy(
        update={
            "working_days_before": tuple(
                sorted(draw(st.sets(st.integers(1, 25), max_size=4)), reverse=True)
            ),
            "on_due_day": draw(st.booleans()),
            "coordinating": draw(st.sampled_from(list(CoordinatingReminders))),
        }
    )
    return POLICY.model_copy(
        update={"due_rule": draw(st.sampled_from(list(DueRule))), "reminders": reminders}
    )


# ----------------------------------------------------------------------------- properties


def in_office_hours(calendar: WorkingCalendar, instant: datetime) -> bool:
    return calendar.is_office_hours(instant)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), title=st.text(max_size=40), year=st.integers(1900, 2200))
def test_any_text_is_read_or_refused_never_anything_else(text: str, title: str, year: int) -> None:
    try:
        milestones = parse_deadline(text, year=year, task_title=title)
    except DeadlineRefused as refused:
        assert refused.text == text
        assert refused.reason
    else:
        assert milestones
        assert [m.order for m in milestones] == list(range(1, len(milestones) + 1))


@settings(max_examples=300, deadline=None)
@given(text=deadline_text(), title=TITLES)
def test_texts_of_the_deadline_language_are_read(text: str, title: str) -> None:
    # Every text these strategies write is of the language, in the plan's years: a parser that
    # refused one (or read it as nothing) would fail here.
    milestones = parse_deadline(text, year=YEAR, task_title=title)
    assert milestones
    assert [m.order for m in milestones] == list(range(1, len(milestones) + 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=deadline_text(), title=TITLES, policy=policies())
def test_every_step_falls_in_office_hours_reminders_before_escalations_after(
    text: str, title: str, policy: DeadlinePolicy
) -> None:
    try:
        milestones = plan_milestones(
            text, year=YEAR, task_title=title, calendar=CALENDAR, policy=policy
        )
    except DeadlineRefused:
        return
    keys = [m.key for m in milestones]
    assert len(set(keys)) == len(keys), keys
    for milestone in milestones:
        if milestone.due is not None:
            assert in_office_hours(CALENDAR, milestone.due), milestone
        else:
            assert milestone.kind in WAITING | {MilestoneKind.ONGOING}
        steps = schedule_steps(milestone, calendar=CALENDAR, policy=policy)
        assert steps == sorted(steps, key=lambda s: s.at)
        for step in steps:
            assert in_office_hours(CALENDAR, step.at), step
            if step.action == "reminder":
                assert milestone.due is not None and step.at < milestone.due
            if step.action == "escalation":
                assert milestone.due is not None and step.at > milestone.due
            if step.action in ("reminder", "check_in") and milestone.opens is not None:
                assert step.at >= milestone.opens
        reminders = [s.at for s in steps if s.action == "reminder"]
        escalations = [s.at for s in steps if s.action == "escalation"]
        if reminders and escalations:
            assert max(reminders) < min(escalations)
        if milestone.due is None:
            assert all(s.at <= end_of_plan_year(YEAR) for s in steps)


@settings(max_examples=150, deadline=None)
@given(
    text=st.sampled_from(KEYWORDS[9:16]),
    event_day=st.dates(date(YEAR, 1, 1), date(YEAR, 12, 31)),
    own_due=st.none() | st.integers(0, 120),
    policy=policies(),
)
def test_an_event_starts_a_clock_that_ends_in_office_hours_after_the_event(
    text: str, event_day: date, own_due: int | None, policy: DeadlinePolicy
) -> None:
    (milestone,) = plan_milestones(text, year=YEAR, task_title="", calendar=CALENDAR, policy=policy)
    event_due = None if own_due is None else event_day + timedelta(days=own_due)
    due = due_after_event(
        milestone, event_date=event_day, event_due=event_due, calendar=CALENDAR, policy=policy
    )
    assert in_office_hours(CALENDAR, due)
    if event_due is None or policy.due_rule is DueRule.CIVIL_CODE:
        assert due >= CALENDAR.closing(event_day)
    steps = schedule_steps(
        milestone.__class__(**{**milestone.__dict__, "due": due}), calendar=CALENDAR, policy=policy
    )
    assert all(in_office_hours(CALENDAR, s.at) for s in steps)


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(date(YEAR - 1, 1, 1), date(YEAR + 2, 12, 31)),
    count=st.integers(-60, 60).filter(lambda n: n != 0),
)
def test_counting_working_days_is_consistent(day: date, count: int) -> None:
    target = CALENDAR.add_working_days(day, count)
    assert CALENDAR.is_working_day(target)
    assert (target > day) == (count > 0)
    assert CALENDAR.working_days_between(day, target) == count
    nxt = CALENDAR.next_working_day(day)
    assert nxt > day and CALENDAR.is_working_day(nxt)
    assert all(
        not CALENDAR.is_working_day(day + timedelta(days=k)) for k in range(1, (nxt - day).days)
    )

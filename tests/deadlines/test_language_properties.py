"""Properties of the deadline language over plans of one year and of several, checked with
hypothesis:

- No text is read as a date outside the plan's years: a text that names only the plan's years
  (or none) is read within them; any other text is read within the plan's reach (a year before
  it, a few after its end) or refused, never moved or guessed.
- Accents, and the words around it, tell "Quý" (a quarter) from "Quy chế", "Quy định",
  "Quy hoạch" or "Quỹ": never the plain letters alone.
"""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines import DeadlineRefused, MilestoneKind, parse_deadline, plan_milestones
from deadlines.language.fixed import NAMED_YEARS_AFTER_PLAN, NAMED_YEARS_BEFORE_PLAN
from deadlines.local_time import local_day
from settings import DATA_DIR, load_calendar, load_policy
from tests.deadlines.test_properties import spelled

CALENDAR = load_calendar(range(2018, 2042), DATA_DIR / "calendar")
POLICY = load_policy()
ROMAN = ["I", "II", "III", "IV"]
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


@st.composite
def plan_years(draw: st.DrawFn) -> tuple[int, int]:
    first = draw(st.integers(2020, 2030))
    return first, first + draw(st.sampled_from([0, 0, 1, 2, 5]))


@st.composite
def fragment(draw: st.DrawFn, years: tuple[int, int], near: bool) -> str:
    """One deadline of the language, its years within the plan's (`near`) or anywhere."""
    first, last = years
    pick = st.integers(first, last) if near else st.integers(first - 12, last + 12)
    year, other = draw(pick), draw(pick)
    low, high = sorted((year, other))
    month, quarter = draw(st.integers(1, 12)), draw(st.integers(1, 4))
    day = draw(st.integers(1, 28))
    forms = [
        f"Tháng {month}/{year}",
        f"{month:02d}/{year}",
        f"Quý {ROMAN[quarter - 1]}/{year}",
        f"Quí {quarter} năm {year}",
        f"ngày {day}/{month}/{year}",
        f"{year}",
        f"Năm {year}",
        f"{low} - {high}",
        f"Năm {low} – {high}",
        f"Giai đoạn {low}–{high}",
        f"Từ tháng {month}/{year}",
        f"{year} và các năm tiếp theo",
        f"{year} và những năm tiếp theo",
        f"Hoàn thành trong năm {year}",
        f"Trong năm {year}",
        f"Tháng {month}/{year} (trình UBND tỉnh)",
        f"Quý {ROMAN[quarter - 1]} hằng năm",
        f"Tháng {month} hằng năm",
        f"Trước ngày {max(day, 2)} hằng tháng",
        f"Ngày {day} hằng tháng",
        "Hằng năm",
        "Hằng quý",
        "Cả năm",
        "Thường xuyên",
        "Thường xuyên, báo cáo định kỳ 6 tháng, năm",
        "Nhiệm vụ thường xuyên",
        f"Tháng {month}",
        f"Quý {ROMAN[quarter - 1]}",
    ]
    return draw(spelled(draw(st.sampled_from(forms))))


@st.composite
def deadline(draw: st.DrawFn, years: tuple[int, int], near: bool) -> str:
    parts = draw(st.lists(fragment(years, near), min_size=1, max_size=2))
    if len(parts) == 1:
        return parts[0]
    return "; ".join(
        f"{label}: {part}" for label, part in zip(["Xây dựng", "Thực hiện"], parts, strict=True)
    )


def _dates(text: str, years: tuple[int, int]) -> list[date]:
    first, last = years
    milestones = plan_milestones(
        text,
        year=first,
        last_year=last,
        task_title="",
        calendar=CALENDAR,
        policy=POLICY,
    )
    return [
        day
        for m in milestones
        for day in (m.period_start, m.period_end, local_day(m.due) if m.due else None)
        if day is not None
    ]


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_a_text_naming_only_the_plans_years_is_read_within_them(data: st.DataObject) -> None:
    years = data.draw(plan_years())
    text = data.draw(deadline(years, near=True))
    first, last = years
    specs = parse_deadline(text, year=first, last_year=last)  # never refused
    assert specs
    for spec in specs:
        if spec.period is not None:
            assert first <= spec.period.start.year and spec.period.end.year <= last, (text, spec)
    for day in _dates(text, years):
        # A due day moved off a day off may step into the year before ("Tháng 1" of 2025 is
        # due before Tết): never further.
        assert first - 1 <= day.year <= last, (text, day)


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_any_other_year_is_read_within_the_plans_reach_or_refused(data: st.DataObject) -> None:
    years = data.draw(plan_years())
    of_the_language = data.draw(st.booleans())
    text = data.draw(deadline(years, near=False) if of_the_language else st.text(max_size=40))
    first, last = years
    reach = range(first - NAMED_YEARS_BEFORE_PLAN, last + NAMED_YEARS_AFTER_PLAN + 1)
    try:
        dates = _dates(text, years)
    except DeadlineRefused:
        if of_the_language:
            # Refused only for a year out of reach: the same text with each such year moved to
            # the nearest end of the reach (so a span keeps its order) is read.
            named = [int(y) for y in YEAR.findall(text)]
            assert any(y not in reach for y in named), text
            moved = YEAR.sub(lambda m: str(min(max(int(m[0]), reach[0]), reach[-1])), text)
            assert _dates(moved, years), moved
        return
    for day in dates:
        assert first - NAMED_YEARS_BEFORE_PLAN - 1 <= day.year <= reach[-1], (text, day)
    for named in YEAR.findall(text):
        assert int(named) in reach, (text, named)


# ----------------------------------------------------------------------------- Quý and Quy

OTHER_WORDS = ["Quy chế", "Quy định", "Quy hoạch", "Quy trình", "Quy tắc", "Quy chuẩn", "Quỹ"]
REST = ["phối hợp", "tỉnh", "nội bộ", "mới", "phát triển", "của UBND tỉnh", "thi đua"]
TRIGGERS = [
    "Sau khi",
    "Ngay sau khi",
    "Khi",
    "Trong vòng 15 ngày kể từ ngày",
    "Sau 10 ngày làm việc kể từ khi",
]


def _case(text: str, how: str) -> str:
    return {"as": text, "lower": text.lower(), "upper": text.upper()}[how]


@settings(max_examples=300, deadline=None)
@given(
    trigger=st.sampled_from(TRIGGERS),
    word=st.sampled_from(OTHER_WORDS),
    rest=st.lists(st.sampled_from(REST), min_size=1, max_size=3),
    how=st.sampled_from(["as", "lower", "upper"]),
    year=st.integers(2020, 2030),
)
def test_an_event_that_starts_with_quy_is_an_event(
    trigger: str, word: str, rest: list[str], how: str, year: int
) -> None:
    text = _case(f"{trigger} {word} {' '.join(rest)} được ban hành", how)
    (spec,) = parse_deadline(text, year=year)
    assert spec.kind in (MilestoneKind.AFTER_EVENT, MilestoneKind.RECURRING_EVENT)
    assert spec.period is None
    assert spec.event_phrase.lower().startswith(word.lower())


@settings(max_examples=300, deadline=None)
@given(
    spelling=st.sampled_from(["Quý", "quý", "QUÝ", "Quí", "quí", "QUÍ"]),
    quarter=st.integers(1, 4),
    roman=st.booleans(),
    year=st.none() | st.integers(2020, 2030),
)
def test_quy_with_its_accent_is_the_quarter(
    spelling: str, quarter: int, roman: bool, year: int | None
) -> None:
    number = ROMAN[quarter - 1] if roman else str(quarter)
    text = f"{spelling} {number}" + (f"/{year}" if year else "")
    (spec,) = parse_deadline(text, year=year or 2025)
    assert spec.kind is MilestoneKind.FIXED
    assert spec.period is not None and spec.period.number == quarter


@settings(max_examples=200, deadline=None)
@given(
    word=st.sampled_from(OTHER_WORDS),
    rest=st.lists(st.sampled_from(REST), max_size=2),
    how=st.sampled_from(["as", "lower", "upper"]),
)
def test_quy_without_it_is_never_read_as_a_quarter(word: str, rest: list[str], how: str) -> None:
    text = _case(" ".join([word, *rest]), how)
    try:
        specs = parse_deadline(text, year=2025)
    except DeadlineRefused as refused:
        # Refused for what the words are, named as written: never as a quarter misspelt.
        assert "there is no quarter" not in refused.reason
        assert text.split()[0] in refused.reason
        return
    assert all(spec.period is None or spec.period.unit != "quarter" for spec in specs)

"""Deadline classes of issue 18, several phrasings each (written for the test): ongoing work
with a report each period to a named body, ongoing work from a year, and a schedule another
document sets, named by its number."""

from __future__ import annotations

import pytest

from deadlines import DeadlineRefused, MilestoneKind, parse_deadline
from deadlines.periods import Cadence

PLAN_YEAR = 2025


@pytest.mark.parametrize(
    ("text", "cadences", "note"),  # note: the report clause, as written
    [
        (
            "Thường xuyên, định kỳ hằng quý báo cáo về Bộ Nội vụ",
            (Cadence.QUARTERLY,),
            "báo cáo về Bộ Nội vụ",
        ),
        (
            "Thường xuyên; định kỳ hằng năm báo cáo về UBND tỉnh",
            (Cadence.YEARLY,),
            "báo cáo về UBND tỉnh",
        ),
        (
            "thường xuyên, định kỳ 6 tháng, hằng năm báo cáo kết quả về Sở Tư pháp",
            (Cadence.HALF_YEARLY, Cadence.YEARLY),
            "báo cáo kết quả về Sở Tư pháp",
        ),
        (
            "Thường xuyên. Định kỳ hằng tháng báo cáo gửi Văn phòng UBND tỉnh",
            (Cadence.MONTHLY,),
            "báo cáo gửi Văn phòng UBND tỉnh",
        ),
        (
            "Thường xuyên, định kỳ hằng quý, báo cáo về Thanh tra tỉnh",
            (Cadence.QUARTERLY,),
            "báo cáo về Thanh tra tỉnh",
        ),
    ],
)
def test_ongoing_with_a_report_each_period_to_a_body(
    text: str, cadences: tuple[Cadence, ...], note: str
) -> None:
    ongoing, reports = parse_deadline(text, year=PLAN_YEAR)
    assert ongoing.kind is MilestoneKind.ONGOING
    assert ongoing.label.lower() == "thường xuyên"
    assert (reports.kind, reports.cadences, reports.report) == (
        MilestoneKind.PERIODIC,
        cadences,
        True,
    )
    # The body the reports go to stays in the words that label them.
    assert reports.label.endswith(note)


def test_a_report_clause_that_names_no_body_is_still_refused() -> None:
    with pytest.raises(DeadlineRefused, match="names no reporting cadence"):
        parse_deadline("Thường xuyên, định kỳ báo cáo về", year=PLAN_YEAR)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Bắt đầu triển khai từ năm 2026", "2026"),
        ("bắt đầu thực hiện từ năm 2025", "2025"),
        ("Bắt đầu áp dụng từ năm 2027", "2027"),
        ("Bắt đầu triển khai từ năm 2026.", "2026"),
        ("Bắt đầu vận hành kể từ năm 2026", "2026"),
    ],
)
def test_ongoing_from_a_year(text: str, start: str) -> None:
    (milestone,) = parse_deadline(text, year=PLAN_YEAR)
    assert milestone.kind is MilestoneKind.ONGOING
    assert milestone.period is not None and milestone.period.key == start


def test_a_start_too_far_from_the_plan_is_refused() -> None:
    with pytest.raises(DeadlineRefused, match="too far"):
        parse_deadline("Bắt đầu triển khai từ năm 2040", year=PLAN_YEAR)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (
            "Theo lộ trình được giao tại Kế hoạch số 12/KH-UBND",
            "lộ trình được giao tại Kế hoạch số 12/KH-UBND",
        ),
        ("Theo lộ trình tại Quyết định số 749/QĐ-TTg", "lộ trình tại Quyết định số 749/QĐ-TTg"),
        (
            "Thực hiện theo lộ trình của Kế hoạch số 45/KH-UBND ngày 03/3/2025",
            "lộ trình của Kế hoạch số 45/KH-UBND ngày 03/3/2025",
        ),
        (
            "theo lộ trình giao tại Chương trình số 7/CTr-UBND",
            "lộ trình giao tại Chương trình số 7/CTr-UBND",
        ),
    ],
)
def test_a_schedule_set_by_a_document_named_by_its_number(text: str, phrase: str) -> None:
    (milestone,) = parse_deadline(text, year=PLAN_YEAR)
    assert (milestone.kind, milestone.event_phrase, milestone.vague) == (
        MilestoneKind.OUTSIDE_PLAN,
        phrase,
        False,
    )


@pytest.mark.parametrize("text", ["Theo lộ trình", "Theo lộ trình được giao"])
def test_a_schedule_that_names_no_document_is_vague(text: str) -> None:
    (milestone,) = parse_deadline(text, year=PLAN_YEAR)
    assert (milestone.kind, milestone.vague) == (MilestoneKind.OUTSIDE_PLAN, True)

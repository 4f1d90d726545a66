"""The deadline language: each phrasing of real plans, and the texts that must be refused."""

from __future__ import annotations

import pytest

from deadlines import DeadlineRefused, MilestoneKind, MilestoneSpec, parse_deadline
from deadlines.language import Allowance
from deadlines.periods import Cadence

PLAN_YEAR = 2023


def read(text: str, title: str = "") -> list[MilestoneSpec]:
    return parse_deadline(text, year=PLAN_YEAR, task_title=title)


def one(text: str, title: str = "") -> MilestoneSpec:
    milestones = read(text, title)
    assert len(milestones) == 1, milestones
    return milestones[0]


def period_key(text: str) -> str:
    milestone = one(text)
    assert milestone.kind is MilestoneKind.FIXED
    assert milestone.period is not None
    return milestone.period.key


# ----------------------------------------------------------------------------- fixed periods


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Tháng 2/2023", "2023-02"),
        ("tháng 02/2023", "2023-02"),
        ("THÁNG 2 – 2023", "2023-02"),
        ("thang 2/2023", "2023-02"),
        ("Tháng  2 / 2023", "2023-02"),
        ("Tháng 2 năm 2023", "2023-02"),
        ("Tháng 5", "2023-05"),
        ("Trong tháng 5", "2023-05"),
        ("Cuối tháng 6/2023", "2023-06"),
        ("Đến hết tháng 6/2023", "2023-06"),
        ("Tháng 1/2024", "2024-01"),
        ("Quý II/2023", "2023-Q2"),
        ("quý 2", "2023-Q2"),
        ("Quy IV", "2023-Q4"),
        ("Quý III năm 2023", "2023-Q3"),
        ("6 tháng đầu năm", "2023-H1"),
        ("6 tháng cuối năm 2023", "2023-H2"),
        ("Năm 2023", "2023"),
        ("Trong năm 2023", "2023"),
        ("Cuối năm", "2023"),
        ("ngày 15/3/2023", "2023-03-15"),
        ("Ngày 15-03-2023", "2023-03-15"),
        ("15/3", "2023-03-15"),
        ("Chậm nhất ngày 15/3/2023", "2023-03-15"),
        ("ngày 15 tháng 3 năm 2023", "2023-03-15"),
        # "trước ngày 15/3" is before the 15th starts: the 14th is the last day.
        ("trước ngày 15/3/2023", "2023-03-14"),
        ("Trước ngày 01/01/2024", "2023-12-31"),
        ("từ tháng 3 đến tháng 6/2023", "2023-03..2023-06"),
        ("Tháng 3-6/2023", "2023-03..2023-06"),
        ("Quý I-II/2023", "2023-Q1..2023-Q2"),
        ("Từ ngày 1/3 đến ngày 15/4/2023", "2023-03-01..2023-04-15"),
        ("1/3 - 15/4/2023", "2023-03-01..2023-04-15"),
        ("Tháng 6.", "2023-06"),
    ],
)
def test_a_fixed_period_is_read_whatever_the_spelling(text: str, key: str) -> None:
    assert period_key(text) == key


def test_the_period_runs_over_whole_calendar_days() -> None:
    period = one("Tháng 2/2023").period
    assert period is not None
    assert (period.start.isoformat(), period.end.isoformat()) == ("2023-02-01", "2023-02-28")
    quarter = one("Quý IV").period
    assert quarter is not None
    assert (quarter.start.isoformat(), quarter.end.isoformat()) == ("2023-10-01", "2023-12-31")


@pytest.mark.parametrize(
    ("text", "labels", "keys"),
    [
        ("Tháng 6 và tháng 12", ["Tháng 6", "tháng 12"], ["2023-06", "2023-12"]),
        (
            "Tháng 6, 9 và 12/2023",
            ["Tháng 6", "Tháng 9", "Tháng 12/2023"],
            ["2023-06", "2023-09", "2023-12"],
        ),
        ("Quý I và quý III", ["Quý I", "quý III"], ["2023-Q1", "2023-Q3"]),
        ("Quý I và II", ["Quý I", "Quý II"], ["2023-Q1", "2023-Q2"]),
        ("Tháng 6; tháng 12", ["Tháng 6", "tháng 12"], ["2023-06", "2023-12"]),
        (
            "Tháng 12/2023 và tháng 1/2024",
            ["Tháng 12/2023", "tháng 1/2024"],
            ["2023-12", "2024-01"],
        ),
    ],
)
def test_several_periods_are_several_milestones_in_order(
    text: str, labels: list[str], keys: list[str]
) -> None:
    milestones = read(text)
    assert [m.order for m in milestones] == list(range(1, len(keys) + 1))
    assert [m.label for m in milestones] == labels
    assert [m.period.key for m in milestones if m.period] == keys
    assert all(m.kind is MilestoneKind.FIXED for m in milestones)


def test_a_period_without_a_year_takes_the_year_written_after_it() -> None:
    # "tháng 6 và tháng 12/2024" in a 2023 plan: both are 2024.
    assert [m.period.key for m in read("tháng 6 và tháng 12/2024") if m.period] == [
        "2024-06",
        "2024-12",
    ]


# ----------------------------------------------------------------------------- all year, ongoing


@pytest.mark.parametrize("text", ["Cả năm", "cả năm", "CA NAM", "Cả năm 2023", "Trong cả năm"])
def test_all_year_is_the_plan_year(text: str) -> None:
    milestone = one(text)
    assert milestone.kind is MilestoneKind.ALL_YEAR
    assert milestone.period is not None and milestone.period.key == "2023"


@pytest.mark.parametrize(
    "text", ["Thường xuyên", "thuong xuyen", "Thường xuyên, liên tục", "Liên tục", "Hằng ngày"]
)
def test_ongoing_has_no_period(text: str) -> None:
    milestone = one(text)
    assert milestone.kind is MilestoneKind.ONGOING
    assert milestone.period is None and milestone.event_key is None


# ----------------------------------------------------------------------------- periodic


@pytest.mark.parametrize(
    ("text", "cadences"),
    [
        ("Hằng tháng", (Cadence.MONTHLY,)),
        ("Hàng tháng", (Cadence.MONTHLY,)),
        ("Hằng quý", (Cadence.QUARTERLY,)),
        ("hang quy", (Cadence.QUARTERLY,)),
        ("Định kỳ 6 tháng", (Cadence.HALF_YEARLY,)),
        ("6 tháng một lần", (Cadence.HALF_YEARLY,)),
        ("Hằng năm", (Cadence.YEARLY,)),
        ("Định kỳ hằng quý", (Cadence.QUARTERLY,)),
        (
            "Hằng quý, 6 tháng, năm",
            (Cadence.QUARTERLY, Cadence.HALF_YEARLY, Cadence.YEARLY),
        ),
        ("Định kỳ (quý, năm)", (Cadence.QUARTERLY, Cadence.YEARLY)),
    ],
)
def test_periodic_deadlines_name_their_cadences(text: str, cadences: tuple[Cadence, ...]) -> None:
    milestone = one(text)
    assert milestone.kind is MilestoneKind.PERIODIC
    assert milestone.cadences == cadences
    assert not milestone.report


def test_a_periodic_report_in_the_text_is_a_report_series() -> None:
    milestone = one("Báo cáo định kỳ hằng quý, 6 tháng, năm")
    assert milestone.kind is MilestoneKind.PERIODIC
    assert milestone.report
    assert milestone.cadences == (Cadence.QUARTERLY, Cadence.HALF_YEARLY, Cadence.YEARLY)


def test_a_task_that_is_a_periodic_report_turns_all_year_into_the_report_series() -> None:
    # Task I.7 of the seed plan: the title names the reports, the deadline says "Cả năm".
    milestone = one("Cả năm", "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)")
    assert milestone.kind is MilestoneKind.PERIODIC
    assert milestone.report
    assert milestone.cadences == (Cadence.QUARTERLY, Cadence.HALF_YEARLY, Cadence.YEARLY)
    # The title as the PDF cut it across a page, joined without a space.
    joined = one("Thường xuyên", "Thực hiện chế độ báo cáo định\nkỳ (quý, 6 tháng, năm)")
    assert joined.kind is MilestoneKind.PERIODIC


def test_a_title_without_a_report_leaves_all_year_alone() -> None:
    assert one("Cả năm", "Triển khai thực hiện Kế hoạch chuyển đổi số").kind is (
        MilestoneKind.ALL_YEAR
    )


def test_bare_periodic_takes_its_cadences_from_the_title_or_is_refused() -> None:
    milestone = one("Định kỳ", "Báo cáo tình hình thực hiện định kỳ hằng quý")
    assert milestone.cadences == (Cadence.QUARTERLY,)
    assert milestone.report
    with pytest.raises(DeadlineRefused, match="names no period"):
        read("Định kỳ", "Tổ chức tọa đàm")


# ----------------------------------------------------------------------------- events


@pytest.mark.parametrize(
    ("text", "kind", "key"),
    [
        ("Sau khi UBND tỉnh ban hành", MilestoneKind.AFTER_EVENT, "ubnd-tinh-ban-hanh"),
        ("sau khi ubnd tinh ban hanh", MilestoneKind.AFTER_EVENT, "ubnd-tinh-ban-hanh"),
        ("Sau khi Ủy ban nhân dân tỉnh ban hành", MilestoneKind.AFTER_EVENT, "ubnd-tinh-ban-hanh"),
        (
            "Sau khi có Quyết định phê duyệt của UBND tỉnh",
            MilestoneKind.AFTER_EVENT,
            "quyet-dinh-phe-duyet-cua-ubnd-tinh",
        ),
        ("Sau khi đã xây dựng phần mềm", MilestoneKind.AFTER_EVENT, "xay-dung-phan-mem"),
        ("Ngay sau khi UBND tỉnh ban hành", MilestoneKind.AFTER_EVENT, "ubnd-tinh-ban-hanh"),
        ("Theo Kế hoạch của UBND tỉnh", MilestoneKind.OUTSIDE_PLAN, "ke-hoach-cua-ubnd-tinh"),
        (
            "Theo Kế hoạch mở lớp của UBND tỉnh",
            MilestoneKind.OUTSIDE_PLAN,
            "ke-hoach-mo-lop-cua-ubnd-tinh",
        ),
        (
            "Theo Kế hoạch tuyển dụng của UBND tỉnh",
            MilestoneKind.OUTSIDE_PLAN,
            "ke-hoach-tuyen-dung-cua-ubnd-tinh",
        ),
        (
            "Khi có các văn bản QPPL mới ban hành",
            MilestoneKind.RECURRING_EVENT,
            "van-ban-qppl-moi-ban-hanh",
        ),
        ("Mỗi khi có văn bản QPPL mới", MilestoneKind.RECURRING_EVENT, "van-ban-qppl-moi"),
        ("Khi có yêu cầu", MilestoneKind.RECURRING_EVENT, "yeu-cau"),
        ("Khi cần thiết", MilestoneKind.RECURRING_EVENT, "can-thiet"),
        ("Theo yêu cầu của UBND tỉnh", MilestoneKind.RECURRING_EVENT, "yeu-cau-cua-ubnd-tinh"),
    ],
)
def test_events_get_a_stable_readable_key(text: str, kind: MilestoneKind, key: str) -> None:
    milestone = one(text)
    assert milestone.kind is kind
    assert milestone.event_key == key
    assert milestone.period is None


def test_the_same_event_phrase_in_two_tasks_is_one_event() -> None:
    first = one("Sau khi UBND tỉnh ban hành", "Xây dựng Quy chế Thi đua, khen thưởng")
    second = one("sau khi  UBND Tỉnh ban hành.", "Another task")
    assert first.event_key == second.event_key


def test_an_event_keeps_its_phrase_as_written() -> None:
    milestone = one("Sau khi có Quyết định phê duyệt của UBND tỉnh")
    assert milestone.event_phrase == "Quyết định phê duyệt của UBND tỉnh"


def test_an_allowance_written_in_the_text_is_kept() -> None:
    working = one("Trong vòng 15 ngày làm việc kể từ khi UBND tỉnh ban hành")
    assert working.kind is MilestoneKind.AFTER_EVENT
    assert working.event_key == "ubnd-tinh-ban-hanh"
    assert working.allowance == Allowance(days=15, working_days=True)
    calendar_days = one("30 ngày sau khi có Quyết định phê duyệt của UBND tỉnh")
    assert calendar_days.allowance == Allowance(days=30, working_days=False)
    assert calendar_days.event_key == "quyet-dinh-phe-duyet-cua-ubnd-tinh"


# ----------------------------------------------------------------------------- compound


def test_labelled_parts_are_milestones_in_order() -> None:
    milestones = read("Ban hành Kế hoạch: tháng 2/2023 Thực hiện: cả năm")
    assert [(m.order, m.label, m.kind) for m in milestones] == [
        (1, "Ban hành Kế hoạch", MilestoneKind.FIXED),
        (2, "Thực hiện", MilestoneKind.ALL_YEAR),
    ]
    assert [m.text for m in milestones] == ["tháng 2/2023", "cả năm"]


def test_a_labelled_part_may_wait_for_an_event() -> None:
    milestones = read(
        "Đăng ký: Tháng 3/2023 Xây dựng Phương án: Sau khi UBND tỉnh ban hành Kế hoạch KSTTHC "
        "năm 2023"
    )
    assert [(m.label, m.kind) for m in milestones] == [
        ("Đăng ký", MilestoneKind.FIXED),
        ("Xây dựng Phương án", MilestoneKind.AFTER_EVENT),
    ]
    assert milestones[1].event_key == "ubnd-tinh-ban-hanh-ke-hoach-kstthc-nam-2023"


def test_an_event_part_before_another_part_ends_where_the_next_label_starts() -> None:
    milestones = read("Xây dựng: Sau khi UBND tỉnh ban hành Kế hoạch Triển khai: tháng 9/2023")
    assert [(m.label, m.kind, m.event_key) for m in milestones] == [
        ("Xây dựng", MilestoneKind.AFTER_EVENT, "ubnd-tinh-ban-hanh-ke-hoach"),
        ("Triển khai", MilestoneKind.FIXED, None),
    ]


def test_parts_may_be_separated_by_lines_or_semicolons() -> None:
    for text in (
        "Ban hành Kế hoạch: tháng 4/2023\nThực hiện: tháng 6/2023",
        "Ban hành Kế hoạch: tháng 4/2023; Thực hiện: tháng 6/2023",
        "Ban hành Kế hoạch : Tháng 04/2023  Thực hiện : Tháng 06/2023",
    ):
        milestones = read(text)
        assert [(m.label, m.period.key if m.period else None) for m in milestones] == [
            ("Ban hành Kế hoạch", "2023-04"),
            ("Thực hiện", "2023-06"),
        ], text


def test_a_labelled_part_with_several_periods_keeps_its_label() -> None:
    milestones = read("Báo cáo: tháng 6 và tháng 12")
    assert [m.label for m in milestones] == ["Báo cáo (tháng 6)", "Báo cáo (tháng 12)"]


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (";", "names no time"),
        ("Tháng 13/2023", "no month 13"),
        ("30/2/2023", "30/2/2023 is not a date"),
        ("Quý V", "no quarter"),
        ("Đầu tháng 3", "names no day"),
        ("Giữa năm 2023", "names no day"),
        ("Sau ngày 15/3/2023", "sets no end"),
        ("Theo quy định", "names no plan, schedule or decision"),
        ("Sau khi", "names no event"),
        ("Tháng 2/2203", "too far from the plan's year"),
        ("Định kỳ", "names no period"),
        ("6 tháng", "đầu năm"),
        ("Trước 17:00 ngày 15/3/2023", "time of day"),
        ("Đăng ký:", "has no deadline"),
        (": tháng 3", "no label"),
        ("Tùy tình hình", "does not start a deadline"),
        ("Tháng 3/2023 xong", "unexpected"),
        ("Tháng 3 - III", "cannot read the range"),
        ("Tháng 3-13/2023", "no month 13"),
        ("Tháng 6 - tháng 3/2023", "runs backwards"),
        ("ngày 99999999999999999999/3/2023", "not a date"),
    ],
)
def test_unreadable_text_is_refused_with_the_text_and_the_reason(text: str, reason: str) -> None:
    with pytest.raises(DeadlineRefused) as refused:
        read(text)
    assert refused.value.text == text
    assert reason in refused.value.reason or reason in str(refused.value)


def test_a_refusal_is_a_value_error_that_names_the_text() -> None:
    with pytest.raises(ValueError, match="Tùy tình hình"):
        read("Tùy tình hình")


def test_unknown_text_is_never_guessed_as_ongoing() -> None:
    for text in ("Liên tục?", "Thường xuyên và đột xuất", "Tháng", "Tùy tình hình thực tế"):
        with pytest.raises(DeadlineRefused):
            read(text)

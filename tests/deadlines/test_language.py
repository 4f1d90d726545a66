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
        ("Tháng 6/2036 (trình UBND tỉnh)", "the year 2036 is too far from the plan's year"),
        ("Tháng 13/2023 (trình UBND tỉnh)", "no month 13"),
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


# ----------------------------------------------------------------------------- issue 11 classes


def read_in(text: str, first: int = 2025, last: int | None = None) -> list[MilestoneSpec]:
    return parse_deadline(text, year=first, last_year=last)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2025", "2025"),
        ("12/2025", "2025-12"),
        ("6/2025", "2025-06"),
        ("03/2025", "2025-03"),
        ("Năm 2024 – 2025", "2024..2025"),
        ("2024–2026", "2024..2026"),
        ("2025 - 2026", "2025..2026"),
        ("Giai đoạn 2025–2030", "2025..2030"),
        ("Quí II/2025", "2025-Q2"),
        ("quý 2", "2025-Q2"),
        ("Quí 3 năm 2026", "2026-Q3"),
        ("Trong năm 2026", "2026"),
        ("Hoàn thành trong năm 2026", "2026"),
        ("Thực hiện trong tháng 9/2025", "2025-09"),
    ],
)
def test_years_ranges_and_spellings_are_fixed_periods(text: str, key: str) -> None:
    (spec,) = read_in(text, 2025, 2030)
    assert spec.kind is MilestoneKind.FIXED
    assert spec.period is not None and spec.period.key == key


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("Quý IV hằng năm", "2025-Q4"),
        ("Tháng 12 hằng năm", "2025-12"),
        ("Trước ngày 15/12 hằng năm", "2025-12-14"),
        ("2025 và các năm tiếp theo", "2025"),
        ("2026 và những năm tiếp theo", "2026"),
        ("Năm 2025, các năm tiếp theo", "2025"),
    ],
)
def test_a_period_each_year_is_a_yearly_series_from_it(text: str, anchor: str) -> None:
    (spec,) = read_in(text, 2025, 2030)
    assert spec.kind is MilestoneKind.PERIODIC
    assert spec.cadences == (Cadence.YEARLY,)
    assert spec.period is not None and spec.period.key == anchor


@pytest.mark.parametrize(
    ("text", "day", "before"),
    [
        ("Trước ngày 10 hằng tháng", 10, True),
        ("Ngày 25 hằng tháng", 25, False),
        ("ngày 20 hàng tháng", 20, False),
        ("Chậm nhất ngày 5 hằng tháng", 5, False),
    ],
)
def test_a_day_of_each_month_is_a_monthly_series(text: str, day: int, before: bool) -> None:
    (spec,) = read_in(text)
    assert spec.kind is MilestoneKind.PERIODIC and spec.cadences == (Cadence.MONTHLY,)
    assert (spec.monthly_day, spec.before_day) == (day, before)


@pytest.mark.parametrize(
    ("text", "cadences"),
    [
        ("Thường xuyên, báo cáo định kỳ hằng quý", (Cadence.QUARTERLY,)),
        ("Thường xuyên; báo cáo kết quả 6 tháng, năm", (Cadence.HALF_YEARLY, Cadence.YEARLY)),
        ("Thường xuyên (báo cáo hằng tháng)", (Cadence.MONTHLY,)),
        ("Thường xuyên và báo cáo định kỳ hằng năm", (Cadence.YEARLY,)),
    ],
)
def test_ongoing_with_a_reporting_clause_is_ongoing_plus_that_series(
    text: str, cadences: tuple[Cadence, ...]
) -> None:
    ongoing, reports = read_in(text)
    assert ongoing.kind is MilestoneKind.ONGOING
    assert reports.kind is MilestoneKind.PERIODIC and reports.cadences == cadences
    assert reports.report


def test_from_a_day_or_month_with_no_end_is_ongoing_from_then() -> None:
    (month,) = read_in("Từ tháng 3/2025")
    assert month.kind is MilestoneKind.ONGOING
    assert month.period is not None and month.period.key == "2025-03"
    (day,) = read_in("Kể từ ngày 01/7/2025")
    assert day.kind is MilestoneKind.ONGOING
    assert day.period is not None and day.period.start.isoformat() == "2025-07-01"
    # With an end it is a span, as before.
    (span,) = read_in("Từ tháng 3 đến tháng 6/2025")
    assert span.kind is MilestoneKind.FIXED


@pytest.mark.parametrize(
    ("text", "days", "working", "key"),
    [
        (
            "Trong vòng 15 ngày kể từ ngày Quyết định được ban hành",
            15,
            False,
            "quyet-dinh-duoc-ban-hanh",
        ),
        (
            "Sau 10 ngày làm việc kể từ khi nhận được hồ sơ",
            10,
            True,
            "nhan-duoc-ho-so",
        ),
        (
            "Trong thời hạn 30 ngày kể từ ngày Quy hoạch tỉnh được phê duyệt",
            30,
            False,
            "quy-hoach-tinh-duoc-phe-duyet",
        ),
    ],
)
def test_a_duration_after_an_event_is_an_event_clock(
    text: str, days: int, working: bool, key: str
) -> None:
    (spec,) = read_in(text)
    assert spec.kind is MilestoneKind.AFTER_EVENT
    assert spec.allowance == Allowance(days=days, working_days=working)
    assert spec.event_key == key


def test_a_note_in_parentheses_is_kept() -> None:
    (spec,) = read_in("Tháng 6/2025 (trình UBND tỉnh xem xét)")
    assert spec.period is not None and spec.period.key == "2025-06"
    assert spec.note == "trình UBND tỉnh xem xét"
    # A parenthesis the value itself needs is no note.
    (periodic,) = read_in("Định kỳ (quý, năm)")
    assert periodic.note == "" and periodic.cadences == (Cadence.QUARTERLY, Cadence.YEARLY)


@pytest.mark.parametrize(
    "text",
    [
        "Sau khi Quy chế phối hợp được ban hành",
        "Khi Quy định mới có hiệu lực",
        "Sau khi Quy hoạch tỉnh được phê duyệt",
        "Sau khi Quỹ phát triển được thành lập",
        "SAU KHI QUY CHẾ ĐƯỢC BAN HÀNH",
    ],
)
def test_an_event_phrase_starting_with_quy_is_an_event_not_a_quarter(text: str) -> None:
    (spec,) = read_in(text)
    assert spec.kind is MilestoneKind.AFTER_EVENT
    assert spec.event_phrase.split()[0].lower().startswith("qu")


def test_theo_ke_hoach_naming_no_plan_is_read_but_vague() -> None:
    (vague,) = read_in("Theo kế hoạch")
    assert vague.kind is MilestoneKind.OUTSIDE_PLAN and vague.vague
    (named,) = read_in("Theo Kế hoạch của UBND tỉnh")
    assert not named.vague


def test_a_plan_of_several_years_reads_all_year_and_years_within_it() -> None:
    (whole,) = read_in("Cả năm", 2025, 2030)
    assert whole.kind is MilestoneKind.ALL_YEAR
    assert whole.period is not None and whole.period.key == "2025..2030"
    (late,) = read_in("Tháng 6/2030", 2025, 2030)
    assert late.period is not None and late.period.key == "2030-06"
    with pytest.raises(DeadlineRefused, match="too far from the plan's years 2025–2030"):
        read_in("Tháng 6/2036", 2025, 2030)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Tùy tình hình thực tế", "“Tùy tình hình”"),
        ("Thường xuyên và đột xuất", "“đột xuất”"),
        ("Quy chế", "“Quy chế”"),
        ("Trong vòng 15 ngày", "“Trong vòng 15 ngày”"),
        ("Tháng 3/2023 xong", "“xong”"),
        ("Sau khi Quý I", "“Quý I”"),
    ],
)
def test_a_refusal_names_the_words_at_fault(text: str, words: str) -> None:
    with pytest.raises(DeadlineRefused) as refused:
        read_in(text, 2023)
    assert words in refused.value.reason

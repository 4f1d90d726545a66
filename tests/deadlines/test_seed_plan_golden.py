"""Golden test: every deadline cell of the seed plan (Sở Nội vụ Bình Định, CCHC 2023), with the
milestones and due instants worked out by hand from the 2023 calendar.

How the dates were worked out (default policy: the end of office hours, 17:00, on the last
working day inside the period):
- January: 31/01 is a Tuesday. February: 28/02 a Tuesday. March: 31/03 a Friday.
- April: 30/04 is a Sunday, 29/04 a Saturday (and the Hùng Kings' day): Friday 28/04.
- May: 31/05 a Wednesday. June: 30/06 a Friday. August: 31/08 a Thursday.
- September: 30/09 a Saturday: Friday 29/09. November: 30/11 a Thursday.
- December and the whole year: 31/12 a Sunday, 30/12 a Saturday: Friday 29/12.
- The periodic CCHC reports (task I.7): due at the Ministry on the 20th of the period's last
  month, the units two working days earlier: Q1 20/03 (Mon) -> Thu 16/03; six months 20/06
  (Tue) -> Fri 16/06; Q3 20/09 (Wed) -> Mon 18/09; the year 20/12 (Wed) -> Mon 18/12. Data
  windows (Decree 09/2019/NĐ-CP): 15/12/2022-14/03, 15/12/2022-14/06, 15/06-14/09,
  15/12/2022-14/12.
"""

from __future__ import annotations

from datetime import date

import pytest

from deadlines import WorkingCalendar, plan_milestones
from deadlines.local_time import in_vietnam
from deadlines.policy import DeadlinePolicy
from settings import DATA_DIR, load_calendar, load_policy

YEAR = 2023

# (code, task title, deadline cell) as the appendix has them.
SEED_TASKS = [
    ("I.1", "Ban hành và triển khai thực hiện Kế hoạch kiểm tra công tác cải cách hành chính",
     "Ban hành Kế hoạch: tháng 2/2023 Thực hiện: cả năm"),
    ("I.2", "Xây dựng Quy chế Thi đua, khen thưởng Sở Nội vụ", "Sau khi UBND tỉnh ban hành"),
    ("I.3", "Thực hiện thông tin, tuyên truyền việc triển khai và kết quả thực hiện công tác cải "
     "cách hành chính trong cơ quan", "Thường xuyên"),
    ("I.4", "Triển khai chấm điểm Chỉ số cải cách hành chính năm 2023", "Tháng 12/2023"),
    ("I.5", "Tổ chức lấy ý kiến các cơ quan, đơn vị, địa phương về sự phục vụ của cơ quan Sở Nội "
     "vụ", "Tháng 11/2023"),
    ("I.6", "Tổ chức tọa đàm về cải cách hành chính", "Tháng 9/2023"),
    ("I.7", "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)", "Cả năm"),
    ("II.1", "Thực hiện rà soát, hệ thống hóa các văn bản quy phạm pháp luật",
     "Theo Kế hoạch của UBND tỉnh"),
    ("II.2", "Xây dựng và triển khai Kế hoạch hệ thống hóa văn bản quy phạm pháp luật kỳ "
     "2019-2023", "Tháng 2/2023"),
    ("II.3", "Xây dựng và triển khai thực hiện Kế hoạch tuyên truyền, phổ biến giáo dục pháp luật "
     "năm 2023", "Tháng 3/2023"),
    ("II.4", "Xây dựng các văn bản QPPL về các lĩnh vực của ngành Nội vụ",
     "Theo Kế hoạch của UBND tỉnh"),
    ("III.1", "Rà soát, đăng ký, xây dựng Phương án đơn giản hóa thủ tục hành chính lĩnh vực Tôn "
     "giáo", "Đăng ký: Tháng 3/2023 Xây dựng Phương án: Sau khi UBND tỉnh ban hành Kế hoạch "
     "KSTTHC năm 2023"),
    ("III.2", "Xây dựng dự thảo Quyết định công bố TTHC thuộc thẩm quyền trình Chủ tịch UBND tỉnh",
     "Khi có các văn bản QPPL mới ban hành"),
    ("III.3", "Xây dựng dự thảo Quyết định phê duyệt QTNB giải quyết TTHC thuộc thẩm quyền trình "
     "Chủ tịch UBND tỉnh", "Khi có các văn bản QPPL mới ban hành"),
    ("III.4", "Công bố TTHC nội bộ và xây dựng quy trình TTHC nội bộ tại cơ quan.",
     "Tháng 02/2023"),
    ("IV.1", "Xây dựng kế hoạch biên chế năm 2023", "Tháng 01/2023"),
    ("V.1", "Tiếp tục thực hiện sắp xếp cơ cấu công chức, viên chức theo đúng vị trí việc làm đã "
     "được phê duyệt", "Thường xuyên"),
    ("V.2", "Triển khai thực hiện Kế hoạch đào tạo, bồi dưỡng năm 2023",
     "Theo Kế hoạch mở lớp của UBND tỉnh"),
    ("V.3", "Rà soát, đăng ký tuyển dụng công chức Sở Nội vụ", "Theo Kế hoạch của UBND tỉnh"),
    ("V.4", "Thực hiện tuyển dụng, bổ nhiệm, quản lý sử dụng cán bộ công chức, viên chức theo quy "
     "định của tỉnh và Trung ương", "Theo Kế hoạch tuyển dụng của UBND tỉnh"),
    ("V.5", "Xây dựng Kế hoạch và thực hiện chuyển đổi vị trí công tác",
     "Ban hành Kế hoạch: tháng 4/2023 Thực hiện: tháng 6/2023"),
    ("VI.1", "Tiếp tục thực hiện cơ chế tự chủ tài chính đối với Trung tâm lưu trữ lịch sử tỉnh "
     "sang đơn vị sự nghiệp công lập tự đảm bảo một phần chi thường xuyên.", "Cả năm"),
    ("VI.2", "Xây dựng Nghị quyết và định mức đơn giá dịch vụ sự nghiệp công cơ bản thiết yếu sử "
     "dụng ngân sách nhà nước thuộc lĩnh vực Nội vụ", "Tháng 4/2023"),
    ("VI.3", "Rà soát, sửa đổi quy chế chi tiêu nội bộ", "Tháng 01/2023"),
    ("VII.1", "Triển khai thực hiện Kế hoạch chuyển đổi số của Sở Nội vụ", "Cả năm"),
    ("VII.2", "Xây dựng phòng họp không giấy, phòng họp trực tuyến", "Tháng 5/2023"),
    ("VII.3", "Cập nhật cơ sở dữ liệu về thi đua - khen thưởng", "Sau khi đã xây dựng phần mềm"),
    ("VII.4", "Theo dõi việc thực hiện cơ sở dữ liệu quốc gia về cán bộ, công chức, viên chức",
     "Sau khi đã xây dựng phần mềm"),
    ("VII.5", "Cập nhật cơ sở dữ liệu về cơ cấu tổ chức bên trong của các sở, ban, ngành, các đơn "
     "vị sự nghiệp công lập trên địa bàn tỉnh", "Thường xuyên"),
    ("VII.6", "Cập nhật cơ sở dữ liệu về tôn giáo", "Sau khi đã xây dựng phần mềm"),
    ("VII.7", "Triển khai thực hiện hệ thống thông tin báo cáo cấp tỉnh, kết nối, tích hợp chia sẻ "
     "dữ liệu hệ thống thông tin báo cáo Chính phủ và các địa phương, các sở, ban, ngành trên địa "
     "bàn tỉnh", "Sau khi có Quyết định phê duyệt của UBND tỉnh"),
    ("VII.8", "Triển lãm thực tế ảo", "Tháng 8/2023"),
]  # fmt: skip

# One tuple per milestone: (key, label, kind, due in Vietnam time or None, event key).
EXPECTED: dict[str, list[tuple[str, str, str, str | None, str | None]]] = {
    "I.1": [
        ("1", "Ban hành Kế hoạch", "fixed", "2023-02-28T17:00:00+07:00", None),
        ("2", "Thực hiện", "all_year", "2023-12-29T17:00:00+07:00", None),
    ],
    "I.2": [("1", "", "after_event", None, "ubnd-tinh-ban-hanh")],
    "I.3": [("1", "", "ongoing", None, None)],
    "I.4": [("1", "", "fixed", "2023-12-29T17:00:00+07:00", None)],
    "I.5": [("1", "", "fixed", "2023-11-30T17:00:00+07:00", None)],
    "I.6": [("1", "", "fixed", "2023-09-29T17:00:00+07:00", None)],
    "I.7": [
        ("2023-Q1", "quý I/2023", "periodic", "2023-03-16T17:00:00+07:00", None),
        ("2023-H1", "6 tháng đầu năm 2023", "periodic", "2023-06-16T17:00:00+07:00", None),
        ("2023-Q3", "quý III/2023", "periodic", "2023-09-18T17:00:00+07:00", None),
        ("2023", "năm 2023", "periodic", "2023-12-18T17:00:00+07:00", None),
    ],
    "II.1": [("1", "", "outside_plan", None, "ke-hoach-cua-ubnd-tinh")],
    "II.2": [("1", "", "fixed", "2023-02-28T17:00:00+07:00", None)],
    "II.3": [("1", "", "fixed", "2023-03-31T17:00:00+07:00", None)],
    "II.4": [("1", "", "outside_plan", None, "ke-hoach-cua-ubnd-tinh")],
    "III.1": [
        ("1", "Đăng ký", "fixed", "2023-03-31T17:00:00+07:00", None),
        (
            "2",
            "Xây dựng Phương án",
            "after_event",
            None,
            "ubnd-tinh-ban-hanh-ke-hoach-kstthc-nam-2023",
        ),
    ],
    "III.2": [("1", "", "recurring_event", None, "van-ban-qppl-moi-ban-hanh")],
    "III.3": [("1", "", "recurring_event", None, "van-ban-qppl-moi-ban-hanh")],
    "III.4": [("1", "", "fixed", "2023-02-28T17:00:00+07:00", None)],
    "IV.1": [("1", "", "fixed", "2023-01-31T17:00:00+07:00", None)],
    "V.1": [("1", "", "ongoing", None, None)],
    "V.2": [("1", "", "outside_plan", None, "ke-hoach-mo-lop-cua-ubnd-tinh")],
    "V.3": [("1", "", "outside_plan", None, "ke-hoach-cua-ubnd-tinh")],
    "V.4": [("1", "", "outside_plan", None, "ke-hoach-tuyen-dung-cua-ubnd-tinh")],
    "V.5": [
        ("1", "Ban hành Kế hoạch", "fixed", "2023-04-28T17:00:00+07:00", None),
        ("2", "Thực hiện", "fixed", "2023-06-30T17:00:00+07:00", None),
    ],
    "VI.1": [("1", "", "all_year", "2023-12-29T17:00:00+07:00", None)],
    "VI.2": [("1", "", "fixed", "2023-04-28T17:00:00+07:00", None)],
    "VI.3": [("1", "", "fixed", "2023-01-31T17:00:00+07:00", None)],
    "VII.1": [("1", "", "all_year", "2023-12-29T17:00:00+07:00", None)],
    "VII.2": [("1", "", "fixed", "2023-05-31T17:00:00+07:00", None)],
    "VII.3": [("1", "", "after_event", None, "xay-dung-phan-mem")],
    "VII.4": [("1", "", "after_event", None, "xay-dung-phan-mem")],
    "VII.5": [("1", "", "ongoing", None, None)],
    "VII.6": [("1", "", "after_event", None, "xay-dung-phan-mem")],
    "VII.7": [("1", "", "after_event", None, "quyet-dinh-phe-duyet-cua-ubnd-tinh")],
    "VII.8": [("1", "", "fixed", "2023-08-31T17:00:00+07:00", None)],
}


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return load_calendar(range(YEAR - 1, YEAR + 3), DATA_DIR / "calendar")


@pytest.fixture(scope="module")
def policy() -> DeadlinePolicy:
    return load_policy()


def test_the_golden_table_covers_every_task_of_the_appendix() -> None:
    assert [code for code, _, _ in SEED_TASKS] == list(EXPECTED)
    # The appendix ends "Tổng cộng: 33 nhiệm vụ" but lists 32 rows (I:7, II:4, III:4, IV:1, V:5,
    # VI:3, VII:8): the total line is the plan's own slip, every listed row is covered here.
    assert len(SEED_TASKS) == 32


@pytest.mark.parametrize(("code", "title", "text"), SEED_TASKS, ids=[t[0] for t in SEED_TASKS])
def test_each_seed_deadline_becomes_the_milestones_worked_out_by_hand(
    calendar: WorkingCalendar, policy: DeadlinePolicy, code: str, title: str, text: str
) -> None:
    milestones = plan_milestones(
        text, year=YEAR, task_title=title, calendar=calendar, policy=policy
    )
    got = [
        (
            m.key,
            m.label,
            m.kind.value,
            in_vietnam(m.due).isoformat() if m.due else None,
            m.event_key,
        )
        for m in milestones
    ]
    assert got == EXPECTED[code]
    assert [m.order for m in milestones] == sorted(m.order for m in milestones)


def test_the_periodic_reports_carry_their_data_windows_and_evidence(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    reports = plan_milestones(
        "Cả năm",
        year=YEAR,
        task_title="Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)",
        calendar=calendar,
        policy=policy,
    )
    assert [(m.period_start, m.period_end) for m in reports] == [
        (date(2022, 12, 15), date(2023, 3, 14)),
        (date(2022, 12, 15), date(2023, 6, 14)),
        (date(2023, 6, 15), date(2023, 9, 14)),
        (date(2022, 12, 15), date(2023, 12, 14)),
    ]
    assert [m.evidence_hint for m in reports] == [
        "Báo cáo quý I/2023",
        "Báo cáo 6 tháng đầu năm 2023",
        "Báo cáo quý III/2023",
        "Báo cáo năm 2023",
    ]
    # Each report opens when the period it reports on begins.
    assert [in_vietnam(m.opens).date().isoformat() for m in reports if m.opens] == [
        "2023-01-01",
        "2023-01-01",
        "2023-07-01",
        "2023-01-01",
    ]


def test_fixed_milestones_are_open_at_once_and_name_their_period(
    calendar: WorkingCalendar, policy: DeadlinePolicy
) -> None:
    (april,) = plan_milestones(
        "Tháng 4/2023", year=YEAR, task_title="", calendar=calendar, policy=policy
    )
    assert april.opens is None
    assert (april.period_start, april.period_end) == (date(2023, 4, 1), date(2023, 4, 30))
    assert april.plan_year == YEAR

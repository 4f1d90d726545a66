"""Against reminder fatigue: one leadership summary a day however many tasks escalate, and one
digest a working day for the units that ask for it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from models.payloads import MessageKind, NotificationOutcome, NotificationRequest
from models.statuses import MilestoneStatus
from models.tables import NotificationStatus
from storage.db import session_scope
from storage.notifications import find_log, notification_history
from tests.notifications.conftest import Product, notification, run_activity
from tests.notifications.servers import SmtpServer

# Tuesday 07/03/2023 and Wednesday 08/03/2023, 08:00 in Vietnam.
TUESDAY = datetime(2023, 3, 7, 1, 0, tzinfo=UTC)
WEDNESDAY = TUESDAY + timedelta(days=1)
JANUARY_END = datetime(2023, 1, 31, 10, 0, tzinfo=UTC)
FEBRUARY_END = datetime(2023, 2, 28, 10, 0, tzinfo=UTC)


def escalation(task_code: str, title: str, due_at: datetime, at: datetime) -> NotificationRequest:
    return notification(
        "escalation_leadership",
        task_code=task_code,
        title=title,
        label="Hoàn thành",
        recipients=("lanh-dao",),
        scheduled_at=at,
        due_at=due_at,
    )


@pytest.fixture
def overdue(product: Product) -> Product:
    product.contacts(f"units:\n  Lãnh đạo Sở: [outbox://{product.outbox('leadership')}]\n")
    product.milestone("IV.1", "1", due_at=JANUARY_END, status=MilestoneStatus.OVERDUE)
    product.milestone("II.2", "1", due_at=FEBRUARY_END, status=MilestoneStatus.OVERDUE)
    product.milestone("VI.3", "1", due_at=JANUARY_END, status=MilestoneStatus.DONE_LATE)
    return product


def test_many_escalations_on_one_day_make_one_summary_for_the_leadership(
    overdue: Product,
) -> None:
    first = escalation("IV.1", "Xây dựng kế hoạch biên chế năm 2023", JANUARY_END, TUESDAY)
    second = escalation(
        "II.2", "Xây dựng và triển khai Kế hoạch hệ thống hóa", FEBRUARY_END, TUESDAY
    )

    assert run_activity(overdue.notify.send_notification, first, at=TUESDAY).per_unit == {
        "lanh-dao": "sent"
    }
    assert run_activity(overdue.notify.send_notification, second, at=TUESDAY).per_unit == {
        "lanh-dao": "already_sent"
    }
    assert run_activity(
        overdue.notify.send_notification, first, at=TUESDAY, attempt=2
    ).per_unit == {"lanh-dao": "already_sent"}

    [summary] = overdue.outbox_files("leadership")
    text = summary.read_text(encoding="utf-8")
    assert "Subject: [Báo cáo quá hạn] 2 mốc nhiệm vụ quá hạn – Thứ Ba, 07/03/2023" in text
    assert "Kính gửi: Giám đốc, Phó Giám đốc Sở" in text
    assert "1. IV.1 – Xây dựng kế hoạch biên chế năm 2023" in text
    assert "2. II.2 – " in text
    assert "chủ trì: Văn phòng Sở" in text
    # IV.1, due 31/01: the 20 working days of February and 01-07/03.
    assert "(đã quá hạn 25 ngày làm việc); chủ trì: Văn phòng Sở" in text
    assert "(đã quá hạn 5 ngày làm việc)" in text
    assert "VI.3" not in text  # done, though late: not overdue any more
    assert "/plans/snv-binh-dinh-cchc-2023" in text


def test_an_escalation_after_the_days_summary_waits_for_the_next_working_day(
    overdue: Product,
) -> None:
    first = escalation("IV.1", "Xây dựng kế hoạch biên chế năm 2023", JANUARY_END, TUESDAY)
    run_activity(overdue.notify.send_notification, first, at=TUESDAY)

    march_end = datetime(2023, 3, 31, 10, 0, tzinfo=UTC)
    late = escalation("II.3", "Kế hoạch tuyên truyền, phổ biến giáo dục", march_end, TUESDAY)
    afternoon = TUESDAY + timedelta(hours=6)
    outcome = run_activity(overdue.notify.send_notification, late, at=afternoon)
    assert outcome.per_unit == {"lanh-dao": "queued"}
    assert len(overdue.outbox_files("leadership")) == 1

    # The next morning's digest run sends the summary that waited, and only that.
    assert run_activity(overdue.notify.send_daily_digests, WEDNESDAY.date(), at=WEDNESDAY) == 1
    assert (
        run_activity(overdue.notify.send_daily_digests, WEDNESDAY.date(), at=WEDNESDAY, attempt=2)
        == 0
    )
    files = overdue.outbox_files("leadership")
    assert len(files) == 2
    second = next(f for f in files if "08/03/2023" in f.read_text(encoding="utf-8"))
    assert "II.3 – Kế hoạch tuyên truyền" in second.read_text(encoding="utf-8")
    assert run_activity(
        overdue.notify.send_notification, late, at=afternoon, attempt=2
    ).per_unit == {"lanh-dao": "already_sent"}


def test_escalations_racing_on_several_workers_still_make_one_summary(overdue: Product) -> None:
    for code in ("I.4", "I.5", "I.6"):
        overdue.milestone(code, "1", due_at=JANUARY_END, status=MilestoneStatus.OVERDUE)
    requests = [
        escalation(code, f"Nhiệm vụ {code}", JANUARY_END, TUESDAY)
        for code in ("IV.1", "II.2", "VI.3", "I.4", "I.5", "I.6")
    ]

    def attempt(request: NotificationRequest) -> NotificationOutcome | ApplicationError:
        try:
            return run_activity(overdue.notify.send_notification, request, at=TUESDAY)
        except ApplicationError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        results = list(pool.map(attempt, requests))
    for request, result in zip(requests, results, strict=True):
        if isinstance(result, ApplicationError):
            assert result.type == "DeliveryIncomplete"  # another worker held the summary
        elif request.task_code == "VI.3":
            assert result.per_unit == {"lanh-dao": "skipped"}  # done meanwhile, though late
        else:
            assert result.per_unit["lanh-dao"] in ("sent", "already_sent")
    assert len(overdue.outbox_files("leadership")) == 1
    # The retries of the ones that found the summary being sent find it sent.
    for request, result in zip(requests, results, strict=True):
        if isinstance(result, ApplicationError):
            retried = run_activity(overdue.notify.send_notification, request, at=TUESDAY, attempt=2)
            assert retried.per_unit == {"lanh-dao": "already_sent"}
    assert len(overdue.outbox_files("leadership")) == 1


def test_a_digest_unit_gets_one_message_a_working_day(product: Product, smtp: SmtpServer) -> None:
    product.contacts(
        f"""
units:
  Văn phòng Sở:
    channels: ["{smtp.url("vanphong@snv.binhdinh.gov.vn")}"]
    digest: true
"""
    )
    monday = datetime(2023, 5, 22, 1, 0, tzinfo=UTC)
    reminder = notification(
        "reminder",
        task_code="VII.2",
        title="Xây dựng phòng họp không giấy, phòng họp trực tuyến",
        label="Tháng 5/2023",
        recipients=("van-phong",),
        scheduled_at=monday,
        due_at=datetime(2023, 5, 31, 10, 0, tzinfo=UTC),
    )
    check_in = notification(
        "check_in",
        task_code="VII.1",
        title="Triển khai thực hiện Kế hoạch chuyển đổi số của Sở Nội vụ",
        label="Cả năm",
        recipients=("van-phong",),
        scheduled_at=monday,
        due_at=datetime(2023, 12, 29, 10, 0, tzinfo=UTC),
    )
    nudge = notification(
        "nudge",
        task_code="I.2",
        title="Xây dựng Quy chế Thi đua, khen thưởng Sở Nội vụ",
        label="Sau khi UBND tỉnh ban hành",
        recipients=("van-phong",),
        scheduled_at=monday,
        due_at=None,
    )
    escalation_to_lead = notification(
        "escalation_coordinator",
        task_code="IV.1",
        recipients=("van-phong",),
        scheduled_at=monday,
        due_at=JANUARY_END,
    )
    for request in (reminder, check_in, nudge):
        assert run_activity(product.notify.send_notification, request, at=monday).per_unit == {
            "van-phong": "queued"
        }
    # Escalations are never held back for a digest.
    assert run_activity(
        product.notify.send_notification, escalation_to_lead, at=monday
    ).per_unit == {"van-phong": "sent"}
    [urgent] = smtp.mails
    assert str(urgent.message["Subject"]).startswith("[Quá hạn] IV.1")
    urgent_html = urgent.message.get_body(preferencelist=("html",))
    assert urgent_html is not None
    assert "Đề nghị quý đơn vị khẩn trương hoàn thành" in urgent_html.get_content()

    # The event came meanwhile: the nudge has nothing left to say.
    product.milestone("I.2", "1", due_at=None, status=MilestoneStatus.CANCELLED)
    tuesday = monday + timedelta(days=1)
    assert run_activity(product.notify.send_daily_digests, tuesday.date(), at=tuesday) == 1
    assert (
        run_activity(product.notify.send_daily_digests, tuesday.date(), at=tuesday, attempt=2) == 0
    )
    assert len(smtp.mails) == 2
    digest = smtp.mails[1].message
    assert str(digest["Subject"]) == "[Tổng hợp hằng ngày] 2 việc cần chú ý – Thứ Ba, 23/05/2023"
    plain = digest.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "[Nhắc hạn] VII.2 – Xây dựng phòng họp không giấy" in text
    assert "còn 6 ngày làm việc" in text
    assert "[Cập nhật tiến độ] VII.1" in text
    assert "] I.2 –" not in text

    with session_scope(product.database_url) as session:
        rows = {row.task_code: row for row in notification_history(session, unit_code="van-phong")}
        digest_row = find_log(session, key="digest/2023-05-23|van-phong")
    assert rows["VII.2"].status is NotificationStatus.SENT
    assert rows["VII.2"].answer == "in digest/2023-05-23|van-phong"
    assert rows["I.2"].status is NotificationStatus.SKIPPED
    assert digest_row is not None and digest_row.status is NotificationStatus.SENT

    # Nothing is held any more; the next days send nothing.
    wednesday = tuesday + timedelta(days=1)
    assert run_activity(product.notify.send_daily_digests, wednesday.date(), at=wednesday) == 0
    assert len(smtp.mails) == 2


def test_no_digest_on_a_day_off(product: Product) -> None:
    product.contacts(
        f"units:\n  van-phong: {{channels: [outbox://{product.outbox('vp')}], digest: true}}\n"
    )
    friday = datetime(2023, 4, 28, 1, 0, tzinfo=UTC)
    held = notification("reminder", recipients=("van-phong",), scheduled_at=friday)
    assert run_activity(product.notify.send_notification, held, at=friday).per_unit == {
        "van-phong": "queued"
    }
    labour_day = datetime(2023, 5, 1, 1, 0, tzinfo=UTC)
    assert run_activity(product.notify.send_daily_digests, date(2023, 5, 1), at=labour_day) == 0
    assert product.outbox_files("vp") == []
    thursday = datetime(2023, 5, 4, 1, 0, tzinfo=UTC)
    assert run_activity(product.notify.send_daily_digests, date(2023, 5, 4), at=thursday) == 1
    assert len(product.outbox_files("vp")) == 1


def test_a_digest_waits_for_office_hours_on_its_day_and_not_beyond(product: Product) -> None:
    product.contacts(
        f"units:\n  van-phong: {{channels: [outbox://{product.outbox('vp')}], digest: true}}\n"
    )
    monday = datetime(2023, 5, 22, 3, 0, tzinfo=UTC)
    held = notification("reminder", recipients=("van-phong",), scheduled_at=monday)
    run_activity(product.notify.send_notification, held, at=monday)

    # Tuesday 23/05/2023 at 06:00: the digest waits for 07:30.
    early = datetime(2023, 5, 22, 23, 0, tzinfo=UTC)
    with pytest.raises(ApplicationError) as error:
        run_activity(product.notify.send_daily_digests, date(2023, 5, 23), at=early)
    assert error.value.type == "QuietHours"
    assert error.value.next_retry_delay == timedelta(hours=1, minutes=30)

    # A retry that lands after closing time leaves it to Wednesday's digest.
    evening = datetime(2023, 5, 23, 11, 0, tzinfo=UTC)
    assert (
        run_activity(product.notify.send_daily_digests, date(2023, 5, 23), at=evening, attempt=2)
        == 0
    )
    assert product.outbox_files("vp") == []
    wednesday = datetime(2023, 5, 24, 1, 0, tzinfo=UTC)
    assert run_activity(product.notify.send_daily_digests, date(2023, 5, 24), at=wednesday) == 1
    assert "Thứ Tư, 24/05/2023" in product.outbox_files("vp")[0].read_text(encoding="utf-8")


def test_the_year_summary_tells_the_leadership_where_the_plan_stands(overdue: Product) -> None:
    overdue.milestone("I.3", "1", due_at=None, status=MilestoneStatus.ENDED)
    overdue.milestone("I.2", "1", due_at=None, status=MilestoneStatus.WAITING_EVENT)
    overdue.milestone("VII.2", "1", due_at=FEBRUARY_END, status=MilestoneStatus.DONE_ON_TIME)
    # The first working day of 2024, 08:00.
    at = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    request = NotificationRequest(
        key="snv-binh-dinh-cchc-2023/year_summary/2023",
        workflow_id="snv-binh-dinh-cchc-2023",
        kind=MessageKind.YEAR_SUMMARY,
        plan_key="snv-binh-dinh-cchc-2023",
        task_code="",
        task_title="",
        milestone_key="",
        milestone_label="",
        scheduled_at=at,
        recipients=["lanh-dao"],
    )
    assert run_activity(overdue.notify.send_notification, request, at=at).per_unit == {
        "lanh-dao": "sent"
    }
    [file] = overdue.outbox_files("leadership")
    text = file.read_text(encoding="utf-8")
    assert "Subject: [Tổng kết năm 2023] Cải cách hành chính Sở Nội vụ năm 2023: 2/6 mốc" in text
    assert "32 nhiệm vụ, 6 mốc" in text
    assert (
        "- Hoàn thành đúng hạn: 1\n- Hoàn thành quá hạn: 1\n- Quá hạn, chưa hoàn thành: 2" in text
    )
    assert "- Đang chờ sự kiện (văn bản của UBND tỉnh, phần mềm…): 1" in text
    assert "1. IV.1 – Xây dựng kế hoạch biên chế năm 2023" in text
    assert "VII.2 –" not in text


def test_the_same_on_postgresql(postgres_product: Product) -> None:
    product = postgres_product
    product.contacts(
        f"""
units:
  Lãnh đạo Sở: [outbox://{product.outbox("leadership")}]
  van-phong: {{channels: [outbox://{product.outbox("vp")}], digest: true}}
"""
    )
    product.milestone("IV.1", "1", due_at=JANUARY_END, status=MilestoneStatus.OVERDUE)
    product.milestone("II.2", "1", due_at=FEBRUARY_END, status=MilestoneStatus.OVERDUE)
    requests = [
        escalation(code, f"Nhiệm vụ {code}", JANUARY_END, TUESDAY) for code in ("IV.1", "II.2")
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda r: _quietly(product, r, TUESDAY), requests))
    for request in requests:
        retried = run_activity(product.notify.send_notification, request, at=TUESDAY, attempt=2)
        assert retried.per_unit == {"lanh-dao": "already_sent"}
    assert len(product.outbox_files("leadership")) == 1

    held = notification("reminder", recipients=("van-phong",), scheduled_at=TUESDAY)
    assert run_activity(product.notify.send_notification, held, at=TUESDAY).per_unit == {
        "van-phong": "queued"
    }
    assert run_activity(product.notify.send_daily_digests, WEDNESDAY.date(), at=WEDNESDAY) == 1
    assert (
        run_activity(product.notify.send_daily_digests, WEDNESDAY.date(), at=WEDNESDAY, attempt=2)
        == 0
    )
    assert len(product.outbox_files("vp")) == 1
    with session_scope(product.database_url) as session:
        row = find_log(session, key=f"{held.key}|van-phong")
    assert row is not None and row.status is NotificationStatus.SENT
    assert row.sent_at is not None and row.sent_at.tzinfo is not None


def _quietly(product: Product, request: NotificationRequest, at: datetime) -> object:
    try:
        return run_activity(product.notify.send_notification, request, at=at)
    except ApplicationError as error:
        assert error.type == "DeliveryIncomplete"
        return error

"""`send_notification` as Temporal runs it: real SMTP and a stand-in Zalo API on 127.0.0.1, the
real 2023 plan in a SQLite database, retries simulated by the activity's attempt number."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from deadlines import StepAudience
from models.statuses import MilestoneStatus
from models.tables import NotificationStatus
from storage.db import session_scope
from storage.notifications import notification_history
from tests.notifications.conftest import (
    PLAN_KEY,
    ZALO_TOKEN,
    Product,
    notification,
    run_activity,
)
from tests.notifications.servers import SmtpServer, ZaloApi

# Monday 24/04/2023, 09:00 in Vietnam: a working day, inside office hours.
MONDAY_MORNING = datetime(2023, 4, 24, 2, 0, tzinfo=UTC)
EVIDENCE_LINK = (
    f"https://nhachan.snv.binhdinh.gov.vn/plans/{PLAN_KEY}/tasks/VI.2/milestones/1/evidence"
)


def contacts_for(product: Product, smtp: SmtpServer, zalo: ZaloApi | None = None) -> None:
    fallback = f"\n      - zalo://{ZALO_TOKEN}/chat-ttlt" if zalo else ""
    product.contacts(
        f"""
units:
  Trung tâm lưu trữ lịch sử tỉnh:
    channels:
      - {smtp.url("ttlt@snv.binhdinh.gov.vn")}{fallback}
  Phòng CCHC-VTLT: [outbox://{product.outbox("coordinator")}]
  Lãnh đạo Sở: [outbox://{product.outbox("leadership")}]
"""
    )
    product.configure(
        zalo_api_base=zalo.base if zalo is not None else product.settings.zalo_api_base,
        notify_main_channel_failures=2,
        notify_max_failures=4,
    )


def log_of(product: Product, unit: str = "ttlt") -> list[tuple[str, str, int]]:
    with session_scope(product.database_url) as session:
        rows = notification_history(session, unit_code=unit)
    return [(row.kind, row.status.value, row.attempts) for row in reversed(rows)]


def retry_expected(error: pytest.ExceptionInfo[ApplicationError], kind: str) -> None:
    assert error.value.type == kind
    assert not error.value.non_retryable


def test_a_reminder_is_emailed_once_and_a_retry_sends_nothing(
    product: Product, smtp: SmtpServer
) -> None:
    contacts_for(product, smtp)
    request = notification("reminder", scheduled_at=MONDAY_MORNING)

    outcome = run_activity(product.notify.send_notification, request, at=MONDAY_MORNING)
    assert outcome.key == request.key
    assert outcome.per_unit == {"ttlt": "sent"}

    # Temporal retries an activity whose result it did not record (a worker crash, a timeout).
    again = run_activity(product.notify.send_notification, request, at=MONDAY_MORNING, attempt=2)
    assert again.per_unit == {"ttlt": "already_sent"}

    [mail] = smtp.mails
    message = mail.message
    assert mail.recipients == ["ttlt@snv.binhdinh.gov.vn"]
    assert str(message["Subject"]).startswith("[Nhắc hạn] VI.2: Xây dựng Nghị quyết")
    assert "hạn Thứ Sáu, 28/04/2023, 17:00" in str(message["Subject"])
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    for part in (plain.get_content(), html.get_content()):
        assert "Kính gửi: " in part and "Trung tâm lưu trữ lịch sử tỉnh" in part
        assert "còn 4 ngày làm việc" in part
        assert "Nghị quyết có số, ngày ban hành" in part
        assert EVIDENCE_LINK in part

    with session_scope(product.database_url) as session:
        [row] = notification_history(session, unit_code="ttlt")
    assert row.key == f"{request.key}|ttlt"
    assert row.status is NotificationStatus.SENT
    assert row.attempts == 1
    assert row.channel.startswith(f"mailto://127.0.0.1:{smtp.port}/")
    assert row.sent_at is not None and row.created_at <= row.sent_at
    assert row.scheduled_at == MONDAY_MORNING
    assert row.details["task_title"] == request.task_title


def test_smtp_down_then_back_delivers_the_reminder_exactly_once(
    product: Product, smtp: SmtpServer
) -> None:
    contacts_for(product, smtp)
    request = notification("reminder", scheduled_at=MONDAY_MORNING)
    smtp.stop()

    with pytest.raises(ApplicationError) as error:
        run_activity(product.notify.send_notification, request, at=MONDAY_MORNING)
    retry_expected(error, "DeliveryIncomplete")
    assert "ttlt" in str(error.value)
    assert log_of(product) == [("reminder", "queued", 1)]

    smtp.start()
    later = MONDAY_MORNING + timedelta(seconds=30)
    outcome = run_activity(product.notify.send_notification, request, at=later, attempt=2)
    assert outcome.per_unit == {"ttlt": "sent"}
    assert run_activity(
        product.notify.send_notification, request, at=later, attempt=3
    ).per_unit == {"ttlt": "already_sent"}

    assert len(smtp.mails) == 1
    assert log_of(product) == [("reminder", "sent", 2)]
    assert product.outbox_files("coordinator") == []


def test_a_failing_main_channel_hands_over_to_the_fallback_and_never_doubles(
    product: Product, smtp: SmtpServer, zalo: ZaloApi
) -> None:
    contacts_for(product, smtp, zalo)
    request = notification("reminder", scheduled_at=MONDAY_MORNING)
    smtp.stop()

    for attempt in (1, 2):
        with pytest.raises(ApplicationError) as error:
            run_activity(
                product.notify.send_notification, request, at=MONDAY_MORNING, attempt=attempt
            )
        retry_expected(error, "DeliveryIncomplete")
    assert zalo.requests == []

    outcome = run_activity(product.notify.send_notification, request, at=MONDAY_MORNING, attempt=3)
    assert outcome.per_unit == {"ttlt": "sent"}
    [sent] = zalo.requests
    assert sent.path == f"/bot{ZALO_TOKEN}/sendMessage"
    assert sent.payload["chat_id"] == "chat-ttlt"
    assert "[Nhắc hạn] Kính gửi Trung tâm lưu trữ lịch sử tỉnh" in sent.payload["text"]
    assert EVIDENCE_LINK in sent.payload["text"]

    # The mail server comes back; a late retry of the same activity sends nothing anywhere.
    smtp.start()
    again = run_activity(product.notify.send_notification, request, at=MONDAY_MORNING, attempt=4)
    assert again.per_unit == {"ttlt": "already_sent"}
    assert smtp.mails == [] and len(zalo.requests) == 1
    with session_scope(product.database_url) as session:
        [row] = notification_history(session, unit_code="ttlt")
    assert row.status is NotificationStatus.SENT and row.attempts == 3
    assert row.channel.startswith("zalo://") and ZALO_TOKEN not in row.channel
    assert product.outbox_files("coordinator") == []


def test_a_unit_that_cannot_be_reached_is_given_up_and_the_coordinator_told_once(
    product: Product, smtp: SmtpServer, zalo: ZaloApi
) -> None:
    contacts_for(product, smtp, zalo)
    request = notification("reminder", scheduled_at=MONDAY_MORNING)
    smtp.stop()
    zalo.failing = True

    for attempt in (1, 2, 3):
        with pytest.raises(ApplicationError):
            run_activity(
                product.notify.send_notification, request, at=MONDAY_MORNING, attempt=attempt
            )
    assert product.outbox_files("coordinator") == []

    # The fourth failure (NHACHAN_NOTIFY_MAX_FAILURES) gives up instead of raising forever.
    outcome = run_activity(product.notify.send_notification, request, at=MONDAY_MORNING, attempt=4)
    assert outcome.per_unit == {"ttlt": "failed"}
    [alert] = product.outbox_files("coordinator")
    text = alert.read_text(encoding="utf-8")
    assert "Subject: [Lỗi gửi thông báo] Không gửi được tới Trung tâm lưu trữ lịch sử tỉnh" in text
    assert "Kính gửi: Phòng Cải cách hành chính - Văn thư, lưu trữ" in text
    assert "4 lần" in text and "VI.2" in text and EVIDENCE_LINK in text
    assert "[Nhắc hạn] VI.2" in text
    assert ZALO_TOKEN not in text
    # Main, main, then the fallback and the main again in turn.
    assert len(zalo.requests) == 1

    # Everything comes back; a retry changes nothing and tells no one twice.
    smtp.start()
    zalo.failing = False
    assert run_activity(
        product.notify.send_notification, request, at=MONDAY_MORNING, attempt=5
    ).per_unit == {"ttlt": "failed"}
    assert smtp.mails == [] and len(zalo.requests) == 1
    assert len(product.outbox_files("coordinator")) == 1
    assert log_of(product) == [("reminder", "failed", 4)]
    assert log_of(product, "cchc-vtlt") == [("delivery_failure", "sent", 1)]


def test_the_retry_policys_last_attempt_gives_up_rather_than_failing_silently(
    product: Product, smtp: SmtpServer
) -> None:
    contacts_for(product, smtp)
    request = notification("reminder", scheduled_at=MONDAY_MORNING)
    smtp.stop()
    with pytest.raises(ApplicationError):
        run_activity(
            product.notify.send_notification, request, at=MONDAY_MORNING, maximum_attempts=2
        )
    outcome = run_activity(
        product.notify.send_notification, request, at=MONDAY_MORNING, attempt=2, maximum_attempts=2
    )
    assert outcome.per_unit == {"ttlt": "failed"}
    assert len(product.outbox_files("coordinator")) == 1


def test_outside_office_hours_the_message_waits_for_the_next_opening(
    product: Product, smtp: SmtpServer
) -> None:
    contacts_for(product, smtp)
    # Friday 28/04/2023, 18:30: 29/04-03/05/2023 are days off (Reunification Day, Labour Day
    # and the days moved next to them), so the offices open again on Thursday 04/05 at 07:30.
    friday_evening = datetime(2023, 4, 28, 11, 30, tzinfo=UTC)
    request = notification("closing", scheduled_at=friday_evening)

    with pytest.raises(ApplicationError) as error:
        run_activity(product.notify.send_notification, request, at=friday_evening)
    retry_expected(error, "QuietHours")
    thursday_opening = datetime(2023, 5, 4, 0, 30, tzinfo=UTC)
    assert error.value.next_retry_delay == thursday_opening - friday_evening
    assert "Thứ Năm, 04/05/2023, 07:30" in str(error.value)
    assert smtp.mails == []

    outcome = run_activity(
        product.notify.send_notification, request, at=thursday_opening, attempt=2
    )
    assert outcome.per_unit == {"ttlt": "sent"}
    assert len(smtp.mails) == 1


def test_on_the_last_attempt_quiet_hours_do_not_hold_a_message_back(
    product: Product, smtp: SmtpServer
) -> None:
    contacts_for(product, smtp)
    sunday = datetime(2023, 4, 23, 3, 0, tzinfo=UTC)
    request = notification("reminder", scheduled_at=sunday)
    outcome = run_activity(
        product.notify.send_notification, request, at=sunday, attempt=8, maximum_attempts=8
    )
    assert outcome.per_unit == {"ttlt": "sent"}


def test_the_closing_confirmation_quotes_the_evidence(product: Product, smtp: SmtpServer) -> None:
    from sqlmodel import select

    from models.tables import Evidence, Plan, Task

    contacts_for(product, smtp)
    with session_scope(product.database_url) as session:
        task = session.exec(
            select(Task).join(Plan).where(Plan.key == PLAN_KEY, Task.code == "VI.2")
        ).one()
        assert task.id is not None
        session.add(
            Evidence(
                task_id=task.id,
                milestone_key="1",
                document_number="45/NQ-HĐND",
                document_date=datetime(2023, 4, 20).date(),
                submitted_by="ttlt",
                note="Đã trình <HĐND> & được thông qua",
                submitted_at=MONDAY_MORNING,
                on_time=True,
            )
        )
    product.milestone("VI.2", "1", due_at=None, status=MilestoneStatus.DONE_ON_TIME)
    request = notification("closing", scheduled_at=MONDAY_MORNING)
    assert run_activity(product.notify.send_notification, request, at=MONDAY_MORNING).per_unit == {
        "ttlt": "sent"
    }
    message = smtp.mails[0].message
    assert str(message["Subject"]).startswith("[Hoàn thành] VI.2")
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    content = html.get_content()
    assert "45/NQ-HĐND, ngày 20/04/2023" in content
    assert "hoàn thành đúng hạn" in content
    assert "Đã trình &lt;HĐND&gt; &amp; được thông qua" in content


def test_an_escalation_to_the_coordinator_names_the_lead_units(product: Product) -> None:
    product.contacts(f"units:\n  cchc-vtlt: [outbox://{product.outbox('coordinator')}]\n")
    # Thursday 04/05/2023, 08:00: the first working day after the due day.
    at = datetime(2023, 5, 4, 1, 0, tzinfo=UTC)
    request = notification("escalation_coordinator", recipients=("cchc-vtlt",), scheduled_at=at)
    assert run_activity(product.notify.send_notification, request, at=at).per_unit == {
        "cchc-vtlt": "sent"
    }
    [file] = product.outbox_files("coordinator")
    text = file.read_text(encoding="utf-8")
    assert "[Quá hạn] VI.2" in text
    assert "Đơn vị chủ trì: Trung tâm lưu trữ lịch sử tỉnh" in text
    assert "đã quá hạn 1 ngày làm việc" in text
    assert "Đề nghị đôn đốc đơn vị chủ trì" in text


def test_units_without_contacts_get_the_readable_outbox(product: Product) -> None:
    request = notification("nudge", recipients=("cchc-vtlt",), scheduled_at=MONDAY_MORNING)
    assert run_activity(product.notify.send_notification, request, at=MONDAY_MORNING).per_unit == {
        "cchc-vtlt": "sent"
    }
    [file] = sorted((product.root / "var" / "outbox").iterdir())
    assert file.read_text(encoding="utf-8").startswith("Subject: [Chờ sự kiện] VI.2")


def test_a_request_no_retry_can_fix_is_refused_for_good(product: Product) -> None:
    # No workflow sends it; a request built by hand may carry any string.
    request = dataclasses.replace(
        notification("reminder", scheduled_at=MONDAY_MORNING),
        kind="reminderx",  # type: ignore[arg-type]
    )
    with pytest.raises(ApplicationError) as error:
        run_activity(product.notify.send_notification, request, at=MONDAY_MORNING)
    assert error.value.type == "InvalidNotification"
    assert error.value.non_retryable
    assert "unknown message kind 'reminderx'" in str(error.value)


def test_coordinating_units_are_told_for_information(product: Product) -> None:
    product.contacts(f"units:\n  van-phong: [outbox://{product.outbox('vp')}]\n")
    # The engine names the audience; before `audience` existed it came in `note`.
    for position, request in enumerate(
        (
            dataclasses.replace(
                notification("reminder", recipients=("van-phong",), scheduled_at=MONDAY_MORNING),
                audience=StepAudience.COORDINATING,
            ),
            dataclasses.replace(
                notification(
                    "reminder",
                    recipients=("van-phong",),
                    scheduled_at=MONDAY_MORNING + timedelta(hours=1),
                ),
                note="coordinating",
            ),
        ),
        start=1,
    ):
        at = request.scheduled_at
        assert run_activity(product.notify.send_notification, request, at=at).per_unit == {
            "van-phong": "sent"
        }
        text = product.outbox_files("vp")[position - 1].read_text(encoding="utf-8")
        assert "quý đơn vị là đơn vị phối hợp" in text
        assert "Đơn vị chủ trì: Trung tâm lưu trữ lịch sử tỉnh" in text
        assert "Ghi chú" not in text

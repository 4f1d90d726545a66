"""`send_clocks_started` as Temporal runs it for the plan workflow: an event's first date told to
each lead unit once, listing its tasks and the due dates they recorded, over real SMTP on
127.0.0.1, the real 2023 plan in the database with the projection the tasks wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from activities.notify import notification_service
from models.statuses import MilestoneStatus
from models.workflow_messages import EventDelivery, EventOccurrence
from notifications.event_telling import EventTelling, TasksNotReacted
from storage.db import session_scope
from storage.overview import notifications_of_task
from tests.notifications.conftest import PLAN_KEY, Product, run_activity
from tests.notifications.servers import SmtpServer

# Monday 24/04/2023, 09:00 in Vietnam: a working day, inside office hours.
MONDAY_MORNING = datetime(2023, 4, 24, 2, 0, tzinfo=UTC)
# Saturday 22/04/2023, 09:00 in Vietnam.
SATURDAY_MORNING = datetime(2023, 4, 22, 2, 0, tzinfo=UTC)
EVENT_KEY = "ke-hoach-cua-ubnd-tinh"
EVENT = EventOccurrence(
    EVENT_KEY, date(2023, 4, 20), decision="45/KH-UBND", recorded_by="cchc-vtlt"
)
# II.1 and V.3 are the Văn phòng's; II.4 is led by six other units, the Trung tâm lưu trữ among
# them.
II_4_LEADS = {"phong-tcbc", "phong-ccvc", "cchc-vtlt", "ban-ton-giao", "ban-tdkt", "ttlt"}
DELIVERY = EventDelivery(PLAN_KEY, EVENT, ["II.1", "II.4", "V.3"], units_told=True)
# 17:00 in Vietnam on each day.
DUE = {
    "II.1": datetime(2023, 5, 19, 10, 0, tzinfo=UTC),
    "II.4": datetime(2023, 6, 2, 10, 0, tzinfo=UTC),
    "V.3": datetime(2023, 5, 26, 10, 0, tzinfo=UTC),
}


def configure(product: Product, smtp: SmtpServer) -> None:
    product.contacts(
        f"""
units:
  Văn phòng Sở: ["{smtp.url("vanphong@snv.binhdinh.gov.vn")}"]
  Trung tâm lưu trữ lịch sử tỉnh: ["{smtp.url("ttlt@snv.binhdinh.gov.vn")}"]
  Phòng Tổ chức, biên chế và tổ chức phi chính phủ: [outbox://{product.outbox("tcbc")}]
  Phòng Công chức, viên chức: [outbox://{product.outbox("ccvc")}]
  Phòng Cải cách hành chính - Văn thư, lưu trữ: [outbox://{product.outbox("coordinator")}]
  Ban Tôn giáo: [outbox://{product.outbox("ton-giao")}]
  Ban Thi đua - Khen thưởng: [outbox://{product.outbox("tdkt")}]
  Giám đốc, Phó Giám đốc Sở: [outbox://{product.outbox("leadership")}]
"""
    )


def reacted(product: Product, *, waiting: tuple[str, ...] = (), done: tuple[str, ...] = ()) -> None:
    """The projection as the tasks wrote it once they took the event (or not yet)."""
    for code, due in DUE.items():
        if code in waiting:
            status, due_at = MilestoneStatus.WAITING_EVENT, None
        elif code in done:
            status, due_at = MilestoneStatus.DONE_ON_TIME, due
        else:
            status, due_at = MilestoneStatus.OPEN, due
        product.milestone(code, "1", due_at=due_at, status=status, event_key=EVENT_KEY)


def body(smtp: SmtpServer, to: str) -> tuple[str, str]:
    [mail] = [m for m in smtp.mails if m.recipients == [to]]
    plain = mail.message.get_body(preferencelist=("plain",))
    assert plain is not None
    return str(mail.message["Subject"]), plain.get_content().replace("\r\n", "\n")


def test_each_lead_unit_is_told_once_of_all_its_tasks(product: Product, smtp: SmtpServer) -> None:
    configure(product, smtp)
    reacted(product)

    outcome = run_activity(product.notify.send_clocks_started, DELIVERY, at=MONDAY_MORNING)
    assert outcome.per_unit == {unit: "sent" for unit in II_4_LEADS | {"van-phong"}}
    # One message to each unit, however many of its tasks the event reached.
    assert sorted(m.recipients[0] for m in smtp.mails) == [
        "ttlt@snv.binhdinh.gov.vn",
        "vanphong@snv.binhdinh.gov.vn",
    ]
    subject, text = body(smtp, "vanphong@snv.binhdinh.gov.vn")
    assert (
        subject
        == "[Bắt đầu tính hạn] 2 nhiệm vụ do quý đơn vị chủ trì – sự kiện ngày Thứ Năm, 20/04/2023"
    )
    assert "Phòng Cải cách hành chính - Văn thư, lưu trữ đã ghi nhận sự kiện ngày" in text
    assert "(45/KH-UBND)" in text
    # Earliest due first, each with its own due date and evidence link.
    assert text.index("II.1 –") < text.index("V.3 –") and "II.4 –" not in text
    assert "Hạn: Thứ Sáu, 19/05/2023, 17:00" in text
    assert "Hạn: Thứ Sáu, 26/05/2023, 17:00" in text
    assert f"/plans/{PLAN_KEY}/tasks/V.3/milestones/1/evidence" in text
    _, archive = body(smtp, "ttlt@snv.binhdinh.gov.vn")
    assert "II.4 –" in archive and "II.1 –" not in archive and "V.3 –" not in archive

    # Each task's page shows the message that told its units of it, and no other unit's.
    with session_scope(product.database_url) as session:
        for code, told in (("V.3", {"van-phong"}), ("II.4", II_4_LEADS)):
            rows = notifications_of_task(session, plan_key=PLAN_KEY, task_code=code)
            assert {(row.kind, row.unit_code) for row in rows} == {
                ("clocks_started", unit) for unit in told
            }

    # The plan asking again (a retry, or after quiet hours) finds what was sent.
    again = run_activity(
        product.notify.send_clocks_started, DELIVERY, at=MONDAY_MORNING + timedelta(minutes=1)
    )
    assert set(again.per_unit.values()) == {"already_sent"}
    assert len(smtp.mails) == 2


def test_outside_office_hours_nothing_is_sent_and_the_opening_is_named(
    product: Product, smtp: SmtpServer
) -> None:
    configure(product, smtp)
    reacted(product)
    with pytest.raises(ApplicationError) as raised:
        run_activity(product.notify.send_clocks_started, DELIVERY, at=SATURDAY_MORNING)
    assert raised.value.type == "QuietHours"
    # Monday 07:30 in Vietnam.
    assert datetime.fromisoformat(raised.value.details[0]) == datetime(
        2023, 4, 24, 0, 30, tzinfo=UTC
    )
    assert smtp.mails == []


def test_the_message_waits_for_every_task_to_record_its_reaction(
    product: Product, smtp: SmtpServer
) -> None:
    configure(product, smtp)
    reacted(product, waiting=("V.3",))
    telling = EventTelling(
        notification_service(product.settings),
        product.database_url,
        reaction_wait=timedelta(seconds=1),
    )

    def send(*, last_attempt: bool) -> object:
        return telling.send(
            DELIVERY,
            workflow_id=PLAN_KEY,
            now=MONDAY_MORNING,
            last_attempt=last_attempt,
            beat=lambda: None,
        )

    with pytest.raises(TasksNotReacted, match=r"1 task\(s\) have not recorded it yet: V\.3"):
        send(last_attempt=False)
    assert smtp.mails == []
    # The last attempt tells what was recorded by then: a stuck task keeps no unit waiting.
    send(last_attempt=True)
    _, text = body(smtp, "vanphong@snv.binhdinh.gov.vn")
    assert "II.1 –" in text and "V.3 –" not in text


def test_a_task_closed_since_is_not_listed_and_a_unit_with_none_left_is_not_told(
    product: Product, smtp: SmtpServer
) -> None:
    configure(product, smtp)
    reacted(product, done=("II.4", "V.3"))
    outcome = run_activity(product.notify.send_clocks_started, DELIVERY, at=MONDAY_MORNING)
    # II.4's six lead units have nothing left to hear of.
    assert set(outcome.per_unit) == {"van-phong"}
    subject, text = body(smtp, "vanphong@snv.binhdinh.gov.vn")
    assert subject.startswith("[Bắt đầu tính hạn] 1 nhiệm vụ")
    assert "II.1 –" in text and "V.3 –" not in text

"""Every decision is told in Vietnamese: what was decided, by whom, why, and what it changes
(the new due date, the new lead, the event's day); the waiting-for-event message names the event
and who records it where; the extension request links the task's page where it is answered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.payloads import MessageKind
from notifications.kinds import DECISION_KINDS, ENGINE_KINDS, TASK_KINDS, TASKS_KINDS
from notifications.messages import (
    DecisionLine,
    EvidenceLine,
    ExtensionLine,
    MessageContext,
    MilestoneLine,
    RenderedMessage,
)
from notifications.rendering import SHORT_LIMIT, MessageRenderer, RenderError

LINK = "http://127.0.0.1:8000/plans/snv-2023/tasks/I.2/milestones/1/evidence"
MILESTONE = MilestoneLine(
    task_code="I.2",
    task_title="Triển khai Quyết định của UBND tỉnh",
    milestone_key="1",
    milestone_label="",
    due_text="Thứ Hai, 27/03/2023, 17:00",
    working_days_left=12,
    evidence_hint="",
    evidence_link=LINK,
    lead_unit_names=["Văn phòng Sở"],
    event_text="Sau khi UBND tỉnh ban hành",
    event_key="ubnd-tinh-ban-hanh",
    event_recorder_name="Phòng Cải cách hành chính - Văn thư, lưu trữ",
)
DECISION = DecisionLine(
    by_name="Phòng Cải cách hành chính - Văn thư, lưu trữ",
    reason="chờ số liệu của các phòng",
    previous_due_text="Thứ Sáu, 31/03/2023, 17:00",
    asked_text="Thứ Sáu, 14/04/2023",
    previous_lead_names=["Văn phòng Sở"],
    lead_names=["Phòng Công chức, viên chức"],
    event_day_text="Thứ Hai, 27/02/2023",
    event_decision="Quyết định số 512/QĐ-UBND",
)


def context(kind: MessageKind, **changes: object) -> MessageContext:
    base = MessageContext(
        kind=kind,
        recipient_name="Văn phòng Sở",
        plan_title="Kế hoạch CCHC năm 2023 của Sở Nội vụ",
        day_text="Thứ Năm, 15/06/2023",
        milestone=MILESTONE,
        milestones=[MILESTONE] if kind in TASK_KINDS else [],
        decision=DECISION,
        evidence=EvidenceLine(
            document_number="88/QĐ-SNV",
            document_date_text="17/04/2023",
            submitted_by="Văn phòng Sở",
            on_time=False,
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> MessageRenderer:
    return MessageRenderer()


def forms(message: RenderedMessage) -> tuple[str, str, str]:
    return message.html, message.text, message.short


def test_every_new_kind_is_one_the_engine_sends() -> None:
    assert DECISION_KINDS | TASK_KINDS | {MessageKind.EVIDENCE_RECEIVED} <= ENGINE_KINDS


# A decision told about several tasks (clocks_started) lists them: tests/notifications/
# test_event_telling.py reads it as sent.
@pytest.mark.parametrize("kind", sorted(DECISION_KINDS - TASKS_KINDS))
def test_a_decision_says_who_decided_and_why(renderer: MessageRenderer, kind: MessageKind) -> None:
    message = renderer.render(context(kind))
    assert "I.2" in message.subject and "\n" not in message.subject
    assert len(message.short) <= SHORT_LIMIT
    for form in (message.html, message.text):
        assert "Kính gửi" in form and "Văn phòng Sở" in form
        if kind is not MessageKind.CLOCK_STARTED:
            assert "Phòng Cải cách hành chính - Văn thư, lưu trữ" in form
            assert "chờ số liệu của các phòng" in form
    with pytest.raises(RenderError, match="needs the decision it tells"):
        renderer.render(context(kind, decision=None))


def test_an_extension_granted_gives_the_new_and_the_old_due_date(
    renderer: MessageRenderer,
) -> None:
    message = renderer.render(context(MessageKind.EXTENSION_GRANTED))
    assert message.subject.startswith("[Gia hạn] I.2")
    assert "hạn mới Thứ Hai, 27/03/2023, 17:00" in message.subject
    for form in forms(message):
        assert "Thứ Hai, 27/03/2023, 17:00" in form
        assert "Thứ Sáu, 31/03/2023, 17:00" in form


def test_an_extension_refused_names_the_day_asked_for_and_the_due_date_kept(
    renderer: MessageRenderer,
) -> None:
    message = renderer.render(context(MessageKind.EXTENSION_REFUSED))
    assert message.subject.startswith("[Không gia hạn] I.2")
    for form in forms(message):
        assert "không đồng ý gia hạn" in form
        assert "Thứ Sáu, 14/04/2023" in form
        assert "Thứ Hai, 27/03/2023, 17:00" in form


def test_a_reassignment_tells_the_new_lead_to_act_and_the_old_one_it_is_relieved(
    renderer: MessageRenderer,
) -> None:
    new = renderer.render(context(MessageKind.REASSIGNED, recipient_leads=True))
    old = renderer.render(context(MessageKind.REASSIGNED, recipient_leads=False))
    for message in (new, old):
        assert message.subject.startswith("[Giao lại nhiệm vụ] I.2")
        for form in forms(message):
            assert "Văn phòng Sở" in form and "Phòng Công chức, viên chức" in form
            assert LINK in form
    assert "Từ nay quý đơn vị chủ trì nhiệm vụ này" in new.text
    assert "không còn chủ trì" in old.text
    # The open milestones with their due dates, for the new lead to act on.
    assert "hạn Thứ Hai, 27/03/2023, 17:00 (còn 12 ngày làm việc)" in new.text


@pytest.mark.parametrize(
    ("kind", "tag", "words"),
    [
        (MessageKind.CANCELLED, "[Hủy nhiệm vụ]", "hủy nhiệm vụ dưới đây"),
        (MessageKind.CARRIED_OVER, "[Chuyển sang năm sau]", "sang kế hoạch năm sau"),
    ],
)
def test_a_task_closed_by_the_coordinator_says_so_and_why(
    renderer: MessageRenderer, kind: MessageKind, tag: str, words: str
) -> None:
    message = renderer.render(context(kind, milestones=[]))
    assert message.subject.startswith(f"{tag} I.2")
    for form in forms(message):
        assert "chờ số liệu của các phòng" in form
    assert words in message.text and words in message.html


def test_an_event_that_starts_a_clock_names_the_event_and_the_due_date(
    renderer: MessageRenderer,
) -> None:
    message = renderer.render(context(MessageKind.CLOCK_STARTED))
    assert "hạn Thứ Hai, 27/03/2023, 17:00" in message.subject
    for form in forms(message):
        assert "Sau khi UBND tỉnh ban hành" in form
        assert "Thứ Hai, 27/02/2023" in form
        assert "Thứ Hai, 27/03/2023, 17:00" in form
    assert "512/QĐ-UBND" in message.text
    # The event by the plan's words, never by its key.
    assert all("ubnd-tinh-ban-hanh" not in form for form in forms(message))
    corrected = renderer.render(
        context(MessageKind.CLOCK_STARTED, decision=replace(DECISION, corrected=True))
    )
    assert "đính chính" in corrected.text and "đính chính" in corrected.short


def test_evidence_received_tells_the_coordinator_what_arrived(
    renderer: MessageRenderer,
) -> None:
    message = renderer.render(
        context(MessageKind.EVIDENCE_RECEIVED, recipient_name="Phòng CCHC-VTLT", decision=None)
    )
    assert message.subject.startswith("[Đã nhận minh chứng] I.2")
    for form in forms(message):
        assert "88/QĐ-SNV" in form
        assert "hoàn thành quá hạn" in form


def test_a_late_start_lists_what_is_overdue_since_when_and_what_is_due(
    renderer: MessageRenderer,
) -> None:
    overdue = replace(
        MILESTONE,
        milestone_key="2023-Q1",
        milestone_label="Quý I/2023",
        due_text="Thứ Sáu, 31/03/2023, 17:00",
        working_days_left=-52,
    )
    message = renderer.render(
        context(
            MessageKind.CATCH_UP, decision=None, milestones=[overdue, MILESTONE], milestone=overdue
        )
    )
    assert message.subject.startswith("[Tình hình nhiệm vụ] I.2")
    for form in forms(message):
        assert "quá hạn từ Thứ Sáu, 31/03/2023, 17:00" in form
        assert "hạn Thứ Hai, 27/03/2023, 17:00" in form
    assert "15/06/2023" in message.text


def test_the_waiting_for_event_message_names_the_event_who_records_it_and_where(
    renderer: MessageRenderer,
) -> None:
    events = "http://127.0.0.1:8000/plans/snv-2023/events?key=ubnd-tinh-ban-hanh"
    waiting = replace(MILESTONE, due_text="", working_days_left=None, event_link=events)
    message = renderer.render(context(MessageKind.NUDGE, milestone=waiting))
    for form in (message.html, message.text):
        assert "Sau khi UBND tỉnh ban hành" in form
        assert "Phòng Cải cách hành chính - Văn thư, lưu trữ ghi nhận" in form
        assert "Mốc: 1" not in form
        assert "scheduler.py" not in form and "mã sự kiện" not in form
    assert (
        f"Ghi nhận sự kiện (dành cho Phòng Cải cách hành chính - Văn thư, lưu trữ): {events}"
        in (message.text)
    )
    assert f'href="{events}"' in message.html
    assert "Sau khi UBND tỉnh ban hành" in message.short
    assert "ubnd-tinh-ban-hanh" not in message.short


def test_the_extension_request_links_the_tasks_page_instead_of_commands(
    renderer: MessageRenderer,
) -> None:
    page = "http://127.0.0.1:8000/plans/snv-2023/tasks/I.2"
    asked = ExtensionLine(
        requested_by_name="Văn phòng Sở",
        new_due_text="Thứ Sáu, 14/04/2023, 17:00",
        reason="chờ số liệu",
        answer_link=page,
    )
    message = renderer.render(context(MessageKind.EXTENSION_REQUEST, extension=asked))
    for form in (message.text, message.html):
        assert "Thứ Sáu, 14/04/2023, 17:00" in form
        assert "scheduler.py" not in form and "--milestone" not in form
    assert f"Trả lời tại: {page}" in message.text and f"Trả lời tại: {page}" in message.short
    assert f'href="{page}"' in message.html

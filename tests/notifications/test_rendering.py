"""Messages from templates: what each kind says, in which form, and what cannot get in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from models.payloads import MessageKind
from notifications.formatting import file_stem, format_due, one_line, plain_text
from notifications.kinds import ENGINE_KINDS, TASKS_KINDS, parse_kind
from notifications.messages import (
    DecisionLine,
    DeliveryFailureLine,
    EvidenceLine,
    ExtensionLine,
    MessageContext,
    MilestoneLine,
    YearTally,
)
from notifications.rendering import SHORT_LIMIT, MessageRenderer, RenderError

LINK = "http://127.0.0.1:8000/plans/snv-2023/tasks/III.1/milestones/1/evidence"
MILESTONE = MilestoneLine(
    task_code="III.1",
    task_title="Xây dựng Kế hoạch cải cách hành chính năm 2023",
    milestone_key="1",
    milestone_label="Ban hành Kế hoạch",
    due_text="Thứ Sáu, 28/04/2023, 17:00",
    working_days_left=3,
    evidence_hint="Kế hoạch có số, ngày ban hành",
    evidence_link=LINK,
    lead_unit_names=["Văn phòng Sở"],
)


def context(kind: MessageKind, **changes: object) -> MessageContext:
    base = MessageContext(
        kind=kind,
        recipient_name="Văn phòng Sở",
        plan_title="Kế hoạch CCHC năm 2023 của Sở Nội vụ",
        day_text="Thứ Hai, 08/05/2023",
        milestone=MILESTONE,
        milestones=[MILESTONE],
        evidence=EvidenceLine(document_number="123/KH-SNV", document_date_text="15/02/2023"),
        failure=DeliveryFailureLine(
            unit_code="VP",
            unit_name="Văn phòng Sở",
            original_kind=MessageKind.REMINDER,
            original_subject="[Nhắc hạn] III.1",
            channels=["mailto://…"],
            failures=5,
            last_answer="Connection error",
        ),
        overview_link="http://127.0.0.1:8000/plans/snv-2023",
        extension=ExtensionLine(
            requested_by_name="Văn phòng Sở",
            new_due_text="Thứ Sáu, 12/05/2023, 17:00",
            reason="chờ số liệu <của> các phòng",
        ),
        decision=DecisionLine(by_name="Phòng CCHC-VTLT", reason="theo đề nghị"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> MessageRenderer:
    return MessageRenderer()


def test_due_dates_are_written_as_people_write_them() -> None:
    assert format_due(datetime(2023, 4, 28, 10, 0, tzinfo=UTC)) == "Thứ Sáu, 28/04/2023, 17:00"
    assert format_due(datetime(2023, 4, 30, 1, 30, tzinfo=UTC)) == "Chủ Nhật, 30/04/2023, 08:30"
    with pytest.raises(ValueError, match="no time zone"):
        format_due(datetime(2023, 4, 28, 17, 0))


@pytest.mark.parametrize("kind", sorted(ENGINE_KINDS - {MessageKind.YEAR_SUMMARY}))
def test_every_kind_shows_the_task_the_milestone_the_due_date_and_the_link(
    renderer: MessageRenderer, kind: MessageKind
) -> None:
    # A message about several tasks lists them; its subject counts them.
    listing = kind in TASKS_KINDS
    message = renderer.render(context(kind, milestones=[MILESTONE]) if listing else context(kind))
    assert "\n" not in message.subject
    summary = kind is MessageKind.ESCALATION_LEADERSHIP
    assert ("quá hạn" if summary else "1 nhiệm vụ" if listing else "III.1") in message.subject
    for form in (message.html, message.text, message.short):
        assert "III.1" in form
        # A chat summary links to the overview instead of every milestone's page.
        assert LINK in form or (summary and form is message.short and "/plans/snv-2023" in form)
        assert "Ban hành Kế hoạch" in form
        assert "Xây dựng Kế hoạch cải cách hành chính năm 2023" in form
    assert f'href="{LINK}"' in message.html
    if kind is not MessageKind.CLOSING:
        for form in (message.html, message.text):
            assert "Thứ Sáu, 28/04/2023, 17:00" in form
            assert "còn 3 ngày làm việc" in form
            # The summary lists many milestones, one line each, without the evidence hints.
            assert summary or listing or "Kế hoạch có số, ngày ban hành" in form
    assert len(message.short) <= SHORT_LIMIT


def test_overdue_and_due_today_are_said_in_working_days(renderer: MessageRenderer) -> None:
    overdue = renderer.render(
        context(
            MessageKind.ESCALATION_COORDINATOR,
            milestone=replace(MILESTONE, working_days_left=-2),
        )
    )
    assert "đã quá hạn 2 ngày làm việc" in overdue.text
    today = renderer.render(
        context(MessageKind.REMINDER, milestone=replace(MILESTONE, working_days_left=0))
    )
    assert "đến hạn hôm nay" in today.text


def test_a_milestone_waiting_on_its_event_has_no_due_date_yet(renderer: MessageRenderer) -> None:
    waiting = replace(
        MILESTONE,
        milestone_label="Sau khi UBND tỉnh ban hành Kế hoạch",
        due_text="",
        working_days_left=None,
    )
    message = renderer.render(context(MessageKind.NUDGE, milestone=waiting))
    assert "Sau khi UBND tỉnh ban hành Kế hoạch" in message.text
    assert "Hạn: chưa xác định" in message.text


def test_text_from_documents_cannot_inject_markup_or_headers(renderer: MessageRenderer) -> None:
    hostile = replace(
        MILESTONE,
        task_title='<script>alert("x")</script> Kế hoạch\r\nBcc: someone@example.com',
        evidence_hint='<img src=x onerror="steal()">',
    )
    evidence = EvidenceLine(document_number="<b>123</b>", note="<a href='http://evil'>bấm</a>")
    for kind in (MessageKind.REMINDER, MessageKind.CLOSING):
        message = renderer.render(context(kind, milestone=hostile, evidence=evidence))
        assert "<script>" not in message.html
        assert "&lt;script&gt;" in message.html
        assert "<img" not in message.html
        assert "<a href='http://evil'>" not in message.html
        assert "\n" not in message.subject and "\r" not in message.subject
        # Plain text shows the characters as they are: there is nothing there to interpret.
        assert '<script>alert("x")</script> Kế hoạch Bcc: someone@example.com' in message.text


def test_control_characters_are_stripped_from_plain_text(renderer: MessageRenderer) -> None:
    sneaky = replace(MILESTONE, task_title="Kế hoạch\x1b[31m đỏ\u202e")
    message = renderer.render(context(MessageKind.REMINDER, milestone=sneaky))
    assert "\x1b" not in message.text and "\u202e" not in message.text
    assert "\x1b" not in message.short


def test_the_leadership_summary_lists_every_overdue_milestone_and_zalo_text_stays_short(
    renderer: MessageRenderer,
) -> None:
    many = [
        replace(MILESTONE, task_code=f"IV.{n}", working_days_left=-n, task_title="Nhiệm vụ " * 30)
        for n in range(1, 81)
    ]
    message = renderer.render(context(MessageKind.ESCALATION_LEADERSHIP, milestones=many))
    assert "80 mốc nhiệm vụ quá hạn" in message.subject
    assert all(f"IV.{n} –" in message.text for n in range(1, 81))
    assert len(message.short) <= SHORT_LIMIT
    assert "IV.1 –" in message.short
    assert "mốc khác" in message.short


def test_a_single_enormous_title_is_cut_for_chat(renderer: MessageRenderer) -> None:
    huge = replace(MILESTONE, task_title="Rất dài " * 2000, evidence_hint="x" * 5000)
    message = renderer.render(context(MessageKind.REMINDER, milestone=huge))
    assert len(message.short) <= SHORT_LIMIT
    assert LINK in message.short


def test_samples_say_they_are_samples(renderer: MessageRenderer) -> None:
    message = renderer.render(context(MessageKind.REMINDER, sample=True))
    assert message.subject.startswith("[THỬ NGHIỆM]")
    for form in (message.text, message.html):
        assert "Tin nhắn mẫu do người quản trị hệ thống gửi" in form


def test_missing_parts_are_refused_with_the_reason(renderer: MessageRenderer) -> None:
    with pytest.raises(RenderError, match="reminder message needs the milestone"):
        renderer.render(context(MessageKind.REMINDER, milestone=None))
    with pytest.raises(RenderError, match="at least one milestone"):
        renderer.render(context(MessageKind.DIGEST, milestones=[]))
    with pytest.raises(ValueError, match="unknown message kind 'remind'"):
        parse_kind("remind")


def test_text_helpers() -> None:
    assert one_line("  a\n\tb\r\nc ") == "a b c"
    assert plain_text("dòng 1\r\ndòng\x07 2  \n") == "dòng 1\ndòng 2"
    assert file_stem("[Nhắc hạn] III.1: Đẩy mạnh") == "nhac-han-iii-1-day-manh"


def test_the_year_summary_counts_the_milestones_and_lists_the_unfinished(
    renderer: MessageRenderer,
) -> None:
    tally = YearTally(
        year=2023,
        tasks=32,
        milestones=40,
        done_on_time=25,
        done_late=6,
        overdue=3,
        in_progress=1,
        waiting_event=4,
        ended=1,
        cancelled=0,
    )
    overdue = replace(MILESTONE, working_days_left=-12)
    message = renderer.render(
        context(MessageKind.YEAR_SUMMARY, tally=tally, milestones=[overdue], milestone=None)
    )
    assert message.subject.startswith("[Tổng kết năm 2023] Kế hoạch CCHC năm 2023")
    assert message.subject.endswith(": 31/40 mốc hoàn thành")
    assert "32 nhiệm vụ" in message.text and "<strong>32</strong> nhiệm vụ" in message.html
    for form in (message.text, message.html):
        assert "Hoàn thành quá hạn: 6" in form
        assert "Xây dựng Kế hoạch cải cách hành chính năm 2023" in form
        assert "đã quá hạn 12 ngày làm việc" in form
    assert len(message.short) <= SHORT_LIMIT
    with pytest.raises(RenderError, match="year's tally"):
        renderer.render(context(MessageKind.YEAR_SUMMARY, milestone=None))


def test_an_extension_request_says_who_asks_until_when_and_why(renderer: MessageRenderer) -> None:
    message = renderer.render(context(MessageKind.EXTENSION_REQUEST))
    assert message.subject.startswith("[Xin gia hạn] III.1")
    for form in (message.text, message.short):
        assert "Văn phòng Sở" in form and "Thứ Sáu, 12/05/2023, 17:00" in form
        assert "chờ số liệu <của> các phòng" in form
    assert "chờ số liệu &lt;của&gt; các phòng" in message.html
    with pytest.raises(RenderError, match="needs what was asked"):
        renderer.render(context(MessageKind.EXTENSION_REQUEST, extension=None))

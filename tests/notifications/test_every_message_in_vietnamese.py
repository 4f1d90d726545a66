"""Every kind of message, as the samples make it, reads in Vietnamese in each of its forms (the
email's subject, HTML and text, the chat text): no English sentence, no raw code (an event's or a
unit's key, a state), no command line, no ISO date; events by the plan's words for them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from models.payloads import MessageKind
from notifications.formatting import format_due
from notifications.links import event_link
from notifications.rendering import MessageRenderer
from notifications.samples import SampleFacts, made_up_line, sample_context, sample_tally
from tests.support.language import foreign, foreign_in_text

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
PUBLIC_URL = "http://127.0.0.1:8000"
EVENT_KEY = "ubnd-tinh-ban-hanh"
EVENT_WORDS = "Sau khi UBND tỉnh ban hành Kế hoạch"


def facts(*, waiting_on_event: bool) -> SampleFacts:
    line = made_up_line(
        PUBLIC_URL,
        "Văn phòng Sở",
        due_text=format_due(datetime(2026, 3, 9, 10, 0, tzinfo=UTC)),
        working_days_left=5,
    )
    if waiting_on_event:
        line = dataclasses.replace(
            line,
            milestone_label="",
            due_text="",
            working_days_left=None,
            event_text=EVENT_WORDS,
            event_key=EVENT_KEY,
            event_recorder_name="Phòng Cải cách hành chính - Văn thư, lưu trữ",
            event_link=event_link(PUBLIC_URL, "mau", EVENT_KEY),
        )
    return SampleFacts(
        unit_code="van-phong",
        unit_name="Văn phòng Sở",
        coordinator_name="Phòng Cải cách hành chính - Văn thư, lưu trữ",
        plan_key="mau",
        plan_title="Kế hoạch mẫu",
        line=line,
        overdue=[line],
        tally=sample_tally(NOW),
        year_lines=[line],
        channels=["mailtos://v***@mail.example.com", "zalo://b***/c***", "outbox:///srv/outbox"],
        max_failures=6,
        public_url=PUBLIC_URL,
    )


@pytest.fixture(scope="module")
def renderer() -> MessageRenderer:
    return MessageRenderer()


# The answers to units' replies are written from replies/words.yaml, not these templates
# (tests/replies checks what they say).
RENDERED_KINDS = [k for k in MessageKind if k is not MessageKind.REPLY_ANSWER]


@pytest.mark.parametrize("waiting_on_event", [False, True], ids=["due", "waiting"])
@pytest.mark.parametrize("kind", RENDERED_KINDS, ids=[k.value for k in RENDERED_KINDS])
def test_every_message_kind_reads_in_vietnamese(
    renderer: MessageRenderer, kind: MessageKind, waiting_on_event: bool
) -> None:
    message = renderer.render(
        sample_context(kind, facts(waiting_on_event=waiting_on_event), now=NOW)
    )
    problems = [
        f"{form}: {problem}"
        for form, found in (
            ("subject", foreign_in_text(message.subject)),
            ("html", foreign(message.html)),
            ("text", foreign_in_text(message.text)),
            ("chat", foreign_in_text(message.short)),
        )
        for problem in found
    ]
    assert not problems, "\n".join(problems)
    if waiting_on_event and kind in (MessageKind.NUDGE, MessageKind.CLOCK_STARTED):
        for form in (message.html, message.text, message.short):
            assert EVENT_WORDS in form


def test_the_detector_finds_what_the_messages_used_to_say() -> None:
    """What the messages said before: each is found, so the test above can fail."""
    said = {
        "command": 'Đồng ý: scheduler.py extend I.2 --milestone 1 --reason "(lý do)"',
        "code": "Sự kiện (mã sự kiện: ubnd-tinh-ban-hanh) chưa xảy ra",
        "iso date": "đề nghị gia hạn đến 2026-12-22",
        "address": "Các kênh đã thử: mailto://v***@mail.example.com",
        "english": "Lỗi lần cuối: Connection refused by the server",
    }
    for what, line in said.items():
        assert what in {f.what for f in foreign_in_text(line)}, line
    # A web address to click is no words: its path may hold keys.
    assert not foreign_in_text(f"Gửi tại: {PUBLIC_URL}/plans/ke-hoach-2026/events?key={EVENT_KEY}")


def test_the_waiting_message_links_the_events_page_instead_of_a_command(
    renderer: MessageRenderer,
) -> None:
    message = renderer.render(
        sample_context(MessageKind.NUDGE, facts(waiting_on_event=True), now=NOW)
    )
    link = f"{PUBLIC_URL}/plans/mau/events?key={EVENT_KEY}"
    assert link in message.text and f'href="{link}"' in message.html


def test_the_extension_request_links_the_tasks_page_where_the_coordinator_answers(
    renderer: MessageRenderer,
) -> None:
    message = renderer.render(
        sample_context(MessageKind.EXTENSION_REQUEST, facts(waiting_on_event=False), now=NOW)
    )
    link = f"{PUBLIC_URL}/plans/mau/tasks/I.1"
    for form in (message.text, message.short):
        assert f"Trả lời tại: {link}\n" in form + "\n"
    assert f'href="{link}"' in message.html

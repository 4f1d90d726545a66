"""One send on one channel, against real servers on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.payloads import MessageKind
from notifications.channels import (
    ChannelError,
    ChannelSender,
    ChannelStyle,
    channel_style,
    describe_channel,
    load_channel,
)
from notifications.messages import MessageContext, MilestoneLine, RenderedMessage
from notifications.rendering import MessageRenderer
from tests.notifications.servers import SmtpServer, ZaloApi

LINK = "http://127.0.0.1:8000/plans/snv-2023/tasks/III.1/milestones/1/evidence"
ZALO_TOKEN = "1234567890:AbCdEfGhIjKlMnOpQrSt"


def reminder() -> RenderedMessage:
    milestone = MilestoneLine(
        task_code="III.1",
        task_title="Rà soát, đánh giá thủ tục hành chính <nội bộ> & quy trình",
        milestone_key="1",
        milestone_label="Ban hành Kế hoạch",
        due_text="Thứ Sáu, 28/04/2023, 17:00",
        working_days_left=3,
        evidence_hint="Kế hoạch có số, ngày ban hành",
        evidence_link=LINK,
        lead_unit_names=["Văn phòng Sở"],
    )
    return MessageRenderer().render(
        MessageContext(
            kind=MessageKind.REMINDER,
            recipient_name="Văn phòng Sở",
            plan_title="Kế hoạch CCHC năm 2023",
            day_text="Thứ Hai, 24/04/2023",
            milestone=milestone,
        )
    )


@pytest.fixture
def channels(tmp_path: Path) -> ChannelSender:
    return ChannelSender(outbox=tmp_path / "outbox")


def test_email_arrives_with_a_utf8_subject_and_both_parts(
    smtp: SmtpServer, channels: ChannelSender
) -> None:
    message = reminder()
    attempt = channels.send(smtp.url("vanphong@snv.binhdinh.gov.vn"), message)

    assert attempt.delivered, attempt.answer
    assert attempt.channel.startswith(f"mailto://127.0.0.1:{smtp.port}/")
    [mail] = smtp.mails
    assert mail.sender == "nhachan@snv.binhdinh.gov.vn"
    assert mail.recipients == ["vanphong@snv.binhdinh.gov.vn"]
    received = mail.message
    assert received["To"] == "vanphong@snv.binhdinh.gov.vn"
    assert received["From"] == "nhachan@snv.binhdinh.gov.vn"
    assert received["X-Application"] == "nhachan"
    assert received["Message-ID"] and received["Date"]
    # Encoded on the wire (RFC 2047), the diacritics intact once decoded.
    assert b"Subject: =?utf-8?" in mail.raw
    assert str(received["Subject"]) == message.subject
    assert "Rà soát, đánh giá thủ tục hành chính" in str(received["Subject"])
    assert received.get_content_type() == "multipart/alternative"
    plain = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    plain_text = plain.get_content().replace("\r\n", "\n")
    html_text = html.get_content()
    for text in (plain_text, html_text):
        assert "Kính gửi: " in text
        assert "Thứ Sáu, 28/04/2023, 17:00" in text
        assert "còn 3 ngày làm việc" in text
        assert LINK in text
    assert f'<a href="{LINK}">' in html_text
    assert "&lt;nội bộ&gt; &amp; quy trình" in html_text
    assert "<nội bộ> & quy trình" in plain_text
    assert "- Mốc: Ban hành Kế hoạch\n- Hạn:" in plain_text


def test_email_to_a_server_that_is_down_fails_without_showing_the_password(
    smtp: SmtpServer, channels: ChannelSender
) -> None:
    smtp.stop()
    url = f"mailto://robot:Sup3rSecret@127.0.0.1:{smtp.port}/vp@example.com?from=robot@example.com"
    attempt = channels.send(url, reminder())

    assert not attempt.delivered
    assert "Connection error" in attempt.answer
    assert "Sup3rSecret" not in attempt.channel + attempt.answer
    assert "****" in attempt.channel


def test_zalo_gets_the_short_text_on_the_bot_api(zalo: ZaloApi, tmp_path: Path) -> None:
    message = reminder()
    channels = ChannelSender(outbox=tmp_path / "outbox", zalo_api_base=zalo.base + "/")
    attempt = channels.send(f"zalo://{ZALO_TOKEN}/chat-vanphong", message)

    assert attempt.delivered, attempt.answer
    [request] = zalo.requests
    assert request.path == f"/bot{ZALO_TOKEN}/sendMessage"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["User-Agent"] == "nhachan"
    assert request.payload["chat_id"] == "chat-vanphong"
    assert request.payload["text"] == message.short
    # Plain text: a title such as "<nội bộ>" is shown as typed, never parsed as markup.
    assert "parse_mode" not in request.payload
    assert "<nội bộ> & quy trình" in request.payload["text"]
    assert LINK in request.payload["text"]
    assert len(request.payload["text"]) <= 2000
    assert ZALO_TOKEN not in attempt.channel


def test_zalo_refusing_the_message_is_a_failed_attempt_with_its_answer(
    zalo: ZaloApi, tmp_path: Path
) -> None:
    zalo.failing = True
    channels = ChannelSender(outbox=tmp_path / "outbox", zalo_api_base=zalo.base)
    attempt = channels.send(f"zalo://{ZALO_TOKEN}/chat-vp", reminder())

    assert not attempt.delivered
    assert "401" in attempt.answer
    assert ZALO_TOKEN not in attempt.answer + attempt.channel
    assert len(zalo.requests) == 1


def test_the_outbox_writes_one_readable_file_per_message(
    tmp_path: Path, channels: ChannelSender
) -> None:
    message = reminder()
    url = f"outbox://{tmp_path / 'outbox'}"
    assert channels.send(url, message).delivered
    assert channels.send(url, message).delivered

    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 2
    content = files[0].read_text(encoding="utf-8")
    assert content.startswith(f"Subject: {message.subject}\n")
    assert message.text.strip() in content
    assert files[0].name.endswith(".txt") and "nhac-han-iii-1" in files[0].name


def test_channels_are_given_the_form_they_read() -> None:
    assert channel_style(load_channel("mailtos://u:p@smtp.example.org")) is ChannelStyle.EMAIL
    assert channel_style(load_channel(f"zalo://{ZALO_TOKEN}/c1")) is ChannelStyle.CHAT
    assert channel_style(load_channel("outbox://")) is ChannelStyle.TEXT
    assert channel_style(load_channel("json://127.0.0.1:9")) is ChannelStyle.TEXT


def test_an_unusable_url_is_named_without_its_secrets(channels: ChannelSender) -> None:
    with pytest.raises(ChannelError, match=r"nosuch://…") as error:
        load_channel("nosuch://user:hunter22@example.org")
    assert "hunter22" not in str(error.value)
    assert describe_channel("nosuch://user:hunter22@example.org") == "nosuch://…"
    attempt = channels.send("nosuch://user:hunter22@example.org", reminder())
    assert not attempt.delivered and "hunter22" not in attempt.answer

"""What a reply says, read without I/O: its signed address, its text above the quote, the
document's number and date, a request for more time, and whether a machine sent it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest

from replies.configured import ReplySettingsError, check_reply_settings
from replies.content import new_text, read_content
from replies.mailbox import InboxError, read_inbox_url, shown_inbox
from replies.reading import read_email
from replies.tokens import (
    BadReplyToken,
    ExpiredReplyToken,
    ReplySubject,
    ReplyTokens,
    read_token,
    token_of_address,
)
from replies.zalo import ZaloUpdate, read_update
from settings import get_settings

TODAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
ABOUT = ReplySubject("ban-ton-giao", "ke-hoach-2026", "I.5", "1")


def tokens(address: str = "nhachan@so.gov.vn") -> ReplyTokens:
    return ReplyTokens("khoa-bi-mat", max_age=timedelta(days=60), address=address)


def test_a_reply_address_is_short_lowercase_and_reads_back() -> None:
    address = tokens().reply_to(4321, ABOUT, issued_at=NOW)
    local = address.split("@")[0]
    assert local.startswith("nhachan+") and len(local) <= 64 and local == local.lower()
    token = token_of_address(address.upper(), "nhachan@so.gov.vn")
    assert token is not None
    parts = read_token(token)
    assert parts.row_id == 4321
    tokens().check(parts, ABOUT, now=NOW + timedelta(days=59))


@pytest.mark.parametrize(
    "other",
    [
        ReplySubject("ban-tdkt", "ke-hoach-2026", "I.5", "1"),
        ReplySubject("ban-ton-giao", "ke-hoach-2026", "I.6", "1"),
        ReplySubject("ban-ton-giao", "ke-hoach-2026", "I.5", "2"),
    ],
)
def test_a_token_moved_to_another_unit_or_milestone_is_refused(other: ReplySubject) -> None:
    token = tokens().token(4321, ABOUT, issued_at=NOW)
    with pytest.raises(BadReplyToken):
        tokens().check(read_token(token), other, now=NOW)


def test_a_token_signed_with_another_key_or_expired_is_refused() -> None:
    token = tokens().token(4321, ABOUT, issued_at=NOW)
    stranger = ReplyTokens("khoa-khac", max_age=timedelta(days=60), address="")
    with pytest.raises(BadReplyToken):
        stranger.check(read_token(token), ABOUT, now=NOW)
    with pytest.raises(ExpiredReplyToken):
        tokens().check(read_token(token), ABOUT, now=NOW + timedelta(days=61))
    with pytest.raises(BadReplyToken):
        read_token("khong-phai-token")


def test_a_reply_address_of_another_mailbox_carries_no_token() -> None:
    assert token_of_address("nhachan+abc@other.vn", "nhachan@so.gov.vn") is None
    assert token_of_address("nhachan@so.gov.vn", "nhachan@so.gov.vn") is None
    with pytest.raises(ValueError, match="not a mailbox address"):
        tokens("nhachan+x@so.gov.vn")


def test_the_quote_and_the_signature_are_left_out() -> None:
    text = (
        "Gửi minh chứng Số 15/KH-SNV ngày 16/3/2023.\n\nTrân trọng,\nNguyễn Văn A\n\n"
        "Vào Th 6, 4 thg 12, 2026 lúc 08:00 Văn phòng <nhachan@so.gov.vn> đã viết:\n"
        "> Số 99/XX ngày 1/1/2020\n"
    )
    assert new_text(text) == "Gửi minh chứng Số 15/KH-SNV ngày 16/3/2023."
    content = read_content(text, today=TODAY)
    assert (content.document_number, content.document_date) == ("15/KH-SNV", date(2023, 3, 16))


def test_an_outlook_quote_in_vietnamese_is_left_out() -> None:
    text = (
        "Số 7/BC-BTG\n\n________________________________\n"
        "Từ: Văn phòng\nĐã gửi: Thứ Sáu\nĐến: Ban\nChủ đề: Nhắc hạn\n\nSố 1/XX"
    )
    assert read_content(text, today=TODAY).document_number == "7/BC-BTG"


def test_a_request_for_more_time_is_read_with_its_year_and_reason() -> None:
    content = read_content("Xin gia hạn đến 30/4 vì chờ ý kiến UBND tỉnh.", today=TODAY)
    assert content.extension is not None
    assert content.extension.until == date(2027, 4, 30)
    assert content.extension.reason == "chờ ý kiến UBND tỉnh."
    dated = read_content("Đề nghị gia hạn tới ngày 20/12/2026 do thiếu số liệu", today=TODAY)
    assert dated.extension is not None and dated.extension.until == date(2026, 12, 20)


def test_a_document_date_in_the_future_is_not_taken() -> None:
    content = read_content("Số 15/KH-SNV ngày 16/3/2030", today=TODAY)
    assert content.document_number == "15/KH-SNV" and content.document_date is None


def _mail(**headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Ban <ban@donvi.vn>")
    message["To"] = "nhachan+abc@so.gov.vn"
    message["Subject"] = "Re: nhắc hạn"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Số 1/BC")
    return message.as_bytes()


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"From": "MAILER-DAEMON@donvi.vn"},
    ],
)
def test_auto_replies_and_bounces_are_known(headers: dict[str, str]) -> None:
    assert read_email(_mail(**headers)).automatic


def test_a_persons_reply_is_not_automatic_and_keys_on_its_message_id() -> None:
    mail = read_email(_mail(Auto_Submitted="no", Message_ID="<a1@donvi.vn>"))
    assert mail.automatic == "" and mail.message_key == "<a1@donvi.vn>"
    assert mail.sender == "ban@donvi.vn" and mail.recipients == ("nhachan+abc@so.gov.vn",)
    # Without a Message-ID the message keys on its content: the same bytes, the same key.
    assert read_email(_mail()).message_key == read_email(_mail()).message_key


def test_the_inbox_password_is_never_shown() -> None:
    url = "imaps://nhachan:mat%40khau-bi-mat@imap.so.gov.vn:993/INBOX"
    assert shown_inbox(url) == "imaps://nhachan:****@imap.so.gov.vn:993/INBOX"
    inbox = read_inbox_url(url)
    assert (inbox.user, inbox.password, inbox.tls, inbox.folder) == (
        "nhachan",
        "mat@khau-bi-mat",
        True,
        "INBOX",
    )
    with pytest.raises(InboxError) as refused:
        read_inbox_url("pop3://nhachan:mat-khau-bi-mat@pop.so.gov.vn")
    assert "mat-khau-bi-mat" not in str(refused.value)


@pytest.mark.parametrize(
    ("update", "named"),
    [
        ({"reply_address": "nhachan+x@so.gov.vn"}, "NHACHAN_REPLY_ADDRESS"),
        ({"inbox_url": "imaps://nhachan:pw@imap.so.gov.vn/INBOX"}, "NHACHAN_REPLY_ADDRESS"),
        ({"reply_sender": "khong-phai-url"}, "NHACHAN_REPLY_SENDER"),
        (
            {"public_url": "https://nhachan.so.gov.vn", "zalo_bot_token": "1:abc"},
            "NHACHAN_ZALO_WEBHOOK_SECRET",
        ),
    ],
)
def test_a_wrong_reply_setting_is_one_line_naming_it(update: dict[str, str], named: str) -> None:
    blank = {"reply_address": "", "inbox_url": "", "reply_sender": "", "zalo_bot_token": ""}
    settings = get_settings().model_copy(update={**blank, **update})
    with pytest.raises(ReplySettingsError, match=named) as refused:
        check_reply_settings(settings)
    assert "pw@" not in str(refused.value)


def test_a_zalo_update_is_read_as_a_message_and_a_sticker_is_not() -> None:
    text = {
        "event_name": "message.text.received",
        "message": {"message_id": "m1", "from": {"id": "u1"}, "chat": {"id": "c1"}, "text": "Số 1"},
    }
    photo = {
        "event_name": "message.image.received",
        "message": {
            "message_id": "m2",
            "chat": {"id": "c1"},
            "photo": "https://f.zalo.example/p.jpg",
            "caption": "Ảnh",
        },
    }
    sticker = {
        "event_name": "message.sticker.received",
        "message": {"message_id": "m3", "chat": {"id": "c1"}, "sticker": "x"},
    }
    assert read_update(text) == ZaloUpdate("m1", "c1", "Số 1")
    assert read_update(photo) == ZaloUpdate("m2", "c1", "Ảnh", "https://f.zalo.example/p.jpg")
    assert read_update(sticker) is None
    assert read_update({"event_name": "x"}) is None

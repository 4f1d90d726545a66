"""An email as a reply: who sent it, to which address, in answer to which messages, its text
and its files, and whether a machine sent it (an auto-reply or a bounce, never answered)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import ClassVar

# RFC 3834's Auto-Submitted, the Precedence of lists and vacation programs, the report of a
# delivery status notification, and the headers auto-responders add.
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|no-?reply)@", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Outlook's own packaging of attachments (application/ms-tnef): nothing here can open it.
TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    # As the sender's program declared it; the type that counts is read from the content.
    declared_type: str


@dataclass(frozen=True)
class EmailReply:
    message_key: str
    sender: str
    subject: str
    # Every address it was sent to (To, Cc, and where the mail system delivered it).
    recipients: tuple[str, ...]
    # The Message-IDs it answers (In-Reply-To, then References).
    answers: tuple[str, ...]
    text: str
    attachments: tuple[Attachment, ...] = ()
    # Why it is a machine's message, or "" for a person's.
    automatic: str = ""
    # Attachments it came with that nothing here can read (winmail.dat).
    unreadable: tuple[str, ...] = field(default=())


class _TextOfHtml(HTMLParser):
    """The words of an HTML-only mail, one block a line; quoted blocks (blockquote) left out,
    since they are the message being answered."""

    _BLOCKS: ClassVar[set[str]] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("blockquote", "style", "script", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        if tag == "a" and not self._skip:
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self.parts.append(f" {href} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("blockquote", "style", "script", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _automatic(message: EmailMessage, sender: str) -> str:
    submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    if message.get_content_type() == "multipart/report":
        return "a delivery status notification"
    for header in _AUTORESPONDER_HEADERS:
        if message.get(header) is not None:
            return f"{header}"
    if not sender or _DAEMONS.match(sender):
        return f"sent by {sender or 'an empty sender'}"
    return ""


def read_email(raw: bytes) -> EmailReply:
    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    recipients = tuple(
        address.strip().lower()
        for _name, address in getaddresses(
            [
                str(value)
                for header in ("To", "Cc", "Delivered-To", "X-Original-To")
                for value in message.get_all(header, [])
            ]
        )
        if address
    )
    answers = tuple(
        dict.fromkeys(
            _MESSAGE_ID.findall(f"{message.get('In-Reply-To', '')} {message.get('References', '')}")
        )
    )
    message_id = _MESSAGE_ID.search(str(message.get("Message-ID", "")))
    key = message_id.group(0) if message_id else "sha256:" + hashlib.sha256(raw).hexdigest()
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        text = str(plain.get_content())
    else:
        html = message.get_body(preferencelist=("html",))
        text = html_text(str(html.get_content())) if html is not None else ""
    attachments: list[Attachment] = []
    unreadable: list[str] = []
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        name = part.get_filename() or ""
        declared = part.get_content_type()
        if declared in TNEF_TYPES or name.lower() == "winmail.dat":
            unreadable.append(name or "winmail.dat")
            continue
        if part.is_multipart() or declared == "message/rfc822":
            continue
        content = part.get_payload(decode=True)
        if isinstance(content, bytes) and content:
            attachments.append(Attachment(name, content, declared))
    return EmailReply(
        message_key=key,
        sender=sender,
        subject=" ".join(str(message.get("Subject", "")).split()),
        recipients=recipients,
        answers=answers,
        text=text,
        attachments=tuple(attachments),
        automatic=_automatic(message, sender),
        unreadable=tuple(unreadable),
    )

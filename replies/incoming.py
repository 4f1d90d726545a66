"""A reply as any channel brings it (email or Zalo), and a refusal with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from replies.reading import Attachment
from replies.tokens import ReplySubject

EMAIL = "email"
ZALO = "zalo"


@dataclass(frozen=True)
class Incoming:
    """A reply as any channel brings it."""

    channel: str
    message_key: str
    # An email address, or a Zalo chat id.
    sender: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    automatic: str = ""
    unreadable: tuple[str, ...] = ()
    # Email: the addresses it was sent to and the Message-IDs it answers.
    recipients: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    # Zalo: the milestone the chat chose, or the last reminder's (plan, task, milestone).
    chosen: ReplySubject | None = None


@dataclass(frozen=True)
class Refusal(Exception):
    reason: str
    # Whether the sender is told (a unit's own address); never a stranger or a machine.
    answer: bool = True
    # What the reply was about, when that much was known: the coordinator sees it on the task.
    about: ReplySubject | None = None

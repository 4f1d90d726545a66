"""Answering a reply, in Vietnamese, where it came from: by email through the reply sender
(NHACHAN_REPLY_SENDER) to the address it came from, by Zalo to its chat through the bot. An
answer is sent once (the reply's row records it) under a Message-ID of its own key, and never to
a machine's message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from urllib.parse import urlencode, urlsplit, urlunsplit

from deadlines.local_time import local_day, local_instant
from models.tables import ReceivedReply, ReplyState
from models.workflow_messages import TaskSnapshot
from notifications.channels import ChannelSender
from notifications.formatting import format_day
from notifications.messages import RenderedMessage
from replies import answers
from replies.incoming import ZALO, Incoming
from replies.tokens import ReplySubject
from settings import Settings
from storage import replies as store
from storage.db import session_scope


class Answering:
    def __init__(self, settings: Settings, *, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.clock = clock
        self.database_url = settings.resolved_database_url()
        self._channels = ChannelSender(
            outbox=settings.var_dir / "outbox", zalo_api_base=settings.zalo_api_base
        )

    def outcome(
        self,
        row: ReceivedReply,
        about: ReplySubject,
        snapshot: TaskSnapshot,
        unit_name: str,
    ) -> RenderedMessage:
        """What was recorded, for which task and milestone."""
        label = next((m.label for m in snapshot.milestones if m.key == about.milestone_key), "")
        common = {
            "unit_name": unit_name,
            "task_code": about.task_code,
            "task_title": snapshot.title,
            "milestone": f', mốc "{label}"' if label else "",
        }
        if row.state is ReplyState.EXTENSION_REQUESTED:
            until = date.fromisoformat(str(row.details.get("extension_until")))
            return answers.answer(
                "extension_requested",
                until=format_day(until),
                reason=row.details.get("extension_reason") or "",
                **common,
            )
        return answers.answer("recorded", evidence=_evidence_lines(row), **common)

    def unmatched(self, row: ReceivedReply, incoming: Incoming) -> None:
        """Told how to reply, once per sender and day."""
        start = local_instant(local_day(self.clock()), time(0, 0))
        with session_scope(self.database_url) as session:
            told = store.unmatched_answered_since(session, incoming.sender, start)
        if not told:
            self.send(row, incoming, answers.answer("unmatched"))

    def send(self, row: ReceivedReply, incoming: Incoming, message: RenderedMessage) -> None:
        if row.answered_at is not None or incoming.automatic:
            return
        url = self._url(incoming)
        if not url:
            return
        attempt = self._channels.send(url, message, key=f"reply-answer/{row.message_key}")
        assert row.id is not None
        with session_scope(self.database_url) as session:
            store.update_reply(
                session,
                row.id,
                now=self.clock(),
                answered=attempt.delivered,
                details={
                    "answer": message.subject or message.short[:200],
                    "answer_channel": attempt.channel,
                    "answer_result": attempt.answer[:300],
                },
            )

    def _url(self, incoming: Incoming) -> str:
        if incoming.channel == ZALO:
            token = self.settings.zalo_bot_token
            return f"zalo://{token}/{incoming.sender}" if token else ""
        sender = self.settings.reply_sender
        if not sender or not incoming.sender:
            return ""
        parts = urlsplit(sender)
        query = f"{parts.query}&" if parts.query else ""
        return urlunsplit(parts._replace(query=query + urlencode({"to": incoming.sender})))


def _evidence_lines(row: ReceivedReply) -> str:
    details = row.details
    lines: list[str] = []
    if details.get("document_number"):
        number = answers.evidence_part("number", number=details["document_number"])
        if details.get("document_date"):
            day = format_day(date.fromisoformat(str(details["document_date"])))
            number += " " + answers.evidence_part("date", date=day)
        lines.append(number)
    lines += [answers.evidence_part("link", link=link) for link in details.get("links", [])[:1]]
    lines += [answers.evidence_part("file", name=f["name"]) for f in details.get("files", [])[:1]]
    lines += [str(why) for why in details.get("dropped", [])]
    return "\n".join(lines)

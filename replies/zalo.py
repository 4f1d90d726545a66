"""Replies by Zalo: the bot's updates (a webhook's POST, or `getUpdates` long polling), each a
text (a document number, a link) or a photo from a chat. A chat the contacts give a unit records
evidence for the milestone the last reminder to it was about while that one is open; otherwise,
with one milestone open it is that one, with several the chat is asked which (numbered choices)
and the number it answers records the evidence it sent. A chat known to no unit is refused."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import urllib.request
from dataclasses import dataclass
from typing import Any

from control.permissions import Actor
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.tables import ReceivedReply, ReplyState, UnitRole
from replies import answers
from replies.handling import ReplyDesk
from replies.incoming import ZALO, Incoming
from replies.reading import Attachment
from replies.tokens import ReplySubject
from settings import Settings
from storage import replies as store
from storage.db import session_scope
from storage.notifications import milestones_of_plan
from storage.plans import latest_plan

logger = logging.getLogger(__name__)

_OPEN = (MilestoneStatus.OPEN, MilestoneStatus.OVERDUE)
# What "the last reminder" is: the messages that ask a unit for its evidence.
REMINDER_KINDS = (
    MessageKind.REMINDER,
    MessageKind.CHECK_IN,
    MessageKind.NUDGE,
    MessageKind.ESCALATION_COORDINATOR,
    MessageKind.CLOCK_STARTED,
)
_CHOICE = re.compile(r"^\s*(\d{1,2})\s*\.?\s*$")
# Zalo's webhook header carrying the secret given to setWebhook.
SECRET_HEADER = "X-Bot-Api-Secret-Token"
# The photo downloaded is refused beyond the evidence limit anyway; this bounds the read.
_READ_LIMIT = 64 * 1024 * 1024
# Tries of one update before it is given up (`ZaloReplies.take_or_give_up`).
UPDATE_ATTEMPTS = 3


@dataclass(frozen=True)
class ZaloUpdate:
    message_id: str
    chat_id: str
    text: str
    photo_url: str = ""


def read_update(update: dict[str, Any]) -> ZaloUpdate | None:
    """The message of an update; None for what is not one (a sticker, an unknown event)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    chat_id = str(chat.get("id") or (message.get("from") or {}).get("id") or "")
    message_id = str(message.get("message_id") or "")
    if not chat_id or not message_id:
        return None
    text = str(message.get("text") or message.get("caption") or "")
    photo = str(message.get("photo") or "")
    if not text and not photo:
        return None
    return ZaloUpdate(message_id, chat_id, text, photo)


def secret_matches(settings: Settings, header: str | None) -> bool:
    expected = settings.zalo_webhook_secret
    return bool(expected) and hmac.compare_digest((header or "").encode(), expected.encode())


class ZaloReplies:
    """Takes Zalo updates in through the reply desk."""

    def __init__(self, desk: ReplyDesk) -> None:
        self.desk = desk

    async def take_or_give_up(self, update: dict[str, Any], *, pause: float = 2.0) -> None:
        """The update taken in; one the desk keeps failing on (a few tries, a longer pause
        before each) is settled for the coordinator to see (`ReplyDesk.give_up`): Zalo does not
        bring an update again once it was fetched or posted, and one must not stop the others."""
        for attempt in range(1, UPDATE_ATTEMPTS + 1):
            try:
                await self.take(update)
                return
            except Exception:
                logger.exception("Zalo update not taken (try %d of %d)", attempt, UPDATE_ATTEMPTS)
            if attempt < UPDATE_ATTEMPTS:
                await asyncio.sleep(pause * attempt)
        message = read_update(update)
        if message is None:
            return
        try:
            self.desk.give_up(_incoming(message))
        except Exception:
            logger.exception("Zalo update %s could not be given up either", message.message_id)

    async def take(self, update: dict[str, Any]) -> ReceivedReply | None:
        message = read_update(update)
        if message is None:
            return None
        attachments: tuple[Attachment, ...] = ()
        if message.photo_url:
            content = await asyncio.to_thread(_download, message.photo_url)
            attachments = (Attachment("anh-zalo.jpg", content, "image/jpeg"),)
        units = sorted(self.desk.senders.units_of_chat(message.chat_id))
        incoming = _incoming(message, attachments)
        if not units:
            return await self.desk.take(incoming)
        unit = units[0]
        choice = _CHOICE.match(message.text) if not attachments else None
        if choice is not None:
            return await self._chosen(incoming, unit, int(choice.group(1)))
        candidates = self._open_milestones(unit)
        last = self._last_reminded(unit)
        if last is not None and last in candidates:
            return await self.desk.take(_with(incoming, last))
        if len(candidates) == 1:
            return await self.desk.take(_with(incoming, candidates[0]))
        if not candidates:
            return await self.desk.take(incoming)
        return self._ask(incoming, unit, candidates)

    def _open_milestones(self, unit: str) -> list[ReplySubject]:
        with session_scope(self.desk.database_url) as session:
            plan = latest_plan(session)
            if plan is None:
                return []
            return [
                ReplySubject(unit, plan.key, task.code, milestone.key)
                for task, milestone in milestones_of_plan(
                    session, plan_key=plan.key, statuses=_OPEN
                )
                if unit in task.lead_units
            ]

    def _last_reminded(self, unit: str) -> ReplySubject | None:
        with session_scope(self.desk.database_url) as session:
            row = store.last_reminder_of_unit(session, unit, REMINDER_KINDS)
            if row is None:
                return None
            return ReplySubject(unit, row.plan_key, row.task_code, row.milestone_key)

    def _ask(self, incoming: Incoming, unit: str, candidates: list[ReplySubject]) -> ReceivedReply:
        desk = self.desk
        reply_id, _new, settled = desk.claim(incoming)
        if settled:
            return desk._row(reply_id)
        details = desk.keeping.keep(incoming, unit)[2]
        details["choices"] = [[c.plan_key, c.task_code, c.milestone_key] for c in candidates]
        row = desk._settle(reply_id, ReplyState.ASKED, "", details=details)
        labels = [f"{c.task_code} (mốc {c.milestone_key})" for c in candidates]
        desk.answering.send(row, incoming, answers.ask_which(labels))
        return desk._row(reply_id)

    async def _chosen(self, incoming: Incoming, unit: str, number: int) -> ReceivedReply:
        """The answer to "which milestone?": the evidence of the question's message recorded.
        The number's row names the question before anything is done, so that a reader stopped
        half-way finishes the same choice."""
        desk = self.desk
        reply_id, _new, settled = desk.claim(incoming)
        if settled:
            return desk._row(reply_id)
        with session_scope(desk.database_url) as session:
            mine = store.reply_by_id(session, reply_id)
            assert mine is not None
            asked_id = mine.details.get("choice_for")
            asked = (
                store.last_asked(session, incoming.sender)
                if asked_id is None
                else store.reply_by_id(session, int(asked_id))
            )
            choices = list(asked.details.get("choices", [])) if asked is not None else []
            if asked is None or not 1 <= number <= len(choices):
                asked = None
            else:
                store.update_reply(
                    session, reply_id, now=desk.clock(), details={"choice_for": asked.id}
                )
                session.expunge(asked)
        if asked is None or asked.id is None:
            return await desk.take(incoming)
        plan_key, task_code, milestone_key = choices[number - 1]
        about = ReplySubject(unit, plan_key, task_code, milestone_key)
        if asked.state is not ReplyState.RECORDED:
            await desk.attach(asked.id, about, actor=Actor(unit, UnitRole.UNIT))
        snapshot = await _snapshot(desk, about)
        return desk._finish(
            reply_id,
            incoming,
            ReplyState.RECORDED,
            (unit, plan_key, task_code, milestone_key),
            snapshot,
            dict(desk._row(asked.id).details),
        )


async def _snapshot(desk: ReplyDesk, about: ReplySubject) -> Any:
    from control import operations

    return await operations.task_snapshot(desk.client, about.plan_key, about.task_code)


def _incoming(message: ZaloUpdate, attachments: tuple[Attachment, ...] = ()) -> Incoming:
    return Incoming(
        channel=ZALO,
        message_key=f"zalo:{message.message_id}",
        sender=message.chat_id,
        subject="",
        text=message.text,
        attachments=attachments,
    )


def _with(incoming: Incoming, about: ReplySubject) -> Incoming:
    from dataclasses import replace

    return replace(incoming, chosen=about)


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return bytes(answer.read(_READ_LIMIT))


def _call(settings: Settings, method: str, payload: dict[str, Any], timeout: float) -> Any:
    url = f"{settings.zalo_api_base.rstrip('/')}/bot{settings.zalo_bot_token}/{method}"
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read() or b"{}")


class ZaloPoller:
    """`getUpdates` long polling, for an installation Zalo cannot call (no https public URL)."""

    def __init__(self, settings: Settings, desk: ReplyDesk, *, wait_seconds: int = 30) -> None:
        self.settings = settings
        self.replies = ZaloReplies(desk)
        self.wait_seconds = wait_seconds

    async def poll_once(self) -> int:
        answer = await asyncio.to_thread(
            _call,
            self.settings,
            "getUpdates",
            {"timeout": str(self.wait_seconds)},
            self.wait_seconds + 10,
        )
        result = answer.get("result") if isinstance(answer, dict) else None
        updates = result if isinstance(result, list) else [result] if result else []
        for update in updates:
            if isinstance(update, dict):
                await self.replies.take_or_give_up(update)
        return len(updates)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll_once()
            except Exception as error:  # the API is down or refuses: wait, try again
                logger.warning("Zalo getUpdates: %s; trying again", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=5)


class ZaloWebhook:
    """The webhook's side: an update whose secret matches is queued and answered at once (Zalo
    waits a few seconds at most), then taken in by a task of its own, in order."""

    def __init__(self, settings: Settings, desk: ReplyDesk) -> None:
        self.settings = settings
        self.replies = ZaloReplies(desk)
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def accept(self, secret: str | None, update: object) -> bool:
        if not secret_matches(self.settings, secret) or not isinstance(update, dict):
            return False
        self.queue.put_nowait(update)
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                update = await asyncio.wait_for(self.queue.get(), timeout=1)
            except TimeoutError:
                continue
            await self.replies.take_or_give_up(update)

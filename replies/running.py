"""The readers a running installation starts: the IMAP mailbox when NHACHAN_INBOX_URL is set,
the Zalo bot's `getUpdates` when NHACHAN_ZALO_BOT_TOKEN is set and the public URL is not https
(with https, Zalo calls the web app's webhook instead)."""

from __future__ import annotations

import asyncio
import logging

from temporalio.client import Client

from replies.handling import ReplyDesk
from replies.mailbox import MailboxReader, read_inbox_url, shown_inbox
from settings import Settings

logger = logging.getLogger(__name__)


def zalo_polls(settings: Settings) -> bool:
    return bool(settings.zalo_bot_token) and not settings.public_url.startswith("https://")


def start_readers(
    settings: Settings, client: Client, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """The readers' tasks on this loop; each stops when `stop` is set. What each reads is
    described in the returned tasks' names."""
    desk = ReplyDesk(settings, client)
    tasks: list[asyncio.Task[None]] = []
    if settings.inbox_url:
        reader = MailboxReader(
            read_inbox_url(settings.inbox_url), desk.take_email, give_up=desk.give_up_email
        )
        tasks.append(
            asyncio.create_task(
                reader.run(stop), name=f"replies: {shown_inbox(settings.inbox_url)}"
            )
        )
    if zalo_polls(settings):
        from replies.zalo import ZaloPoller

        poller = ZaloPoller(settings, desk)
        tasks.append(asyncio.create_task(poller.run(stop), name="replies: Zalo getUpdates"))
    return tasks

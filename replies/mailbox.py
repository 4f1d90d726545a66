"""The IMAP reader: the inbox's unread messages, each taken in by the reply desk and only then
marked read; IDLE between rounds where the server offers it, a poll otherwise. A server that is
down is waited out (the unread messages stay where they are).

A message the desk fails on stays unread and is tried again each round, while the messages
after it are taken in as usual: one reply must not hold up the others. Once it has failed for
`give_up_after` (and at least `GIVE_UP_ATTEMPTS` times: a failure while the engine or the
database is down for a while is waited out), the desk settles it for the coordinator to see
(`give_up`), and it is marked read."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags
from imap_tools.mailbox import BaseMailBox

logger = logging.getLogger(__name__)

GIVE_UP_ATTEMPTS = 3


class InboxError(ValueError):
    """An inbox URL that cannot be used; the message never shows the password."""


@dataclass(frozen=True)
class Inbox:
    host: str
    port: int
    user: str
    password: str
    folder: str
    tls: bool


def read_inbox_url(url: str) -> Inbox:
    """`imaps://user:password@host[:port][/folder]` (or `imap://`, without TLS)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise InboxError(
            f"NHACHAN_INBOX_URL {shown_inbox(url)} is not imaps://user:password@host[:port]/folder"
        )
    return Inbox(
        host=parts.hostname,
        port=parts.port or (993 if scheme == "imaps" else 143),
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        tls=scheme == "imaps",
    )


def shown_inbox(url: str) -> str:
    """The inbox URL as logs and pages may show it: its password hidden, like a channel's."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.username}:****@{host}{port}{parts.path}"


class MailboxReader:
    """Reads one inbox for a reply desk (`take_email`)."""

    def __init__(
        self,
        inbox: Inbox,
        take_email: Callable[[bytes], object],
        *,
        give_up: Callable[[bytes], object] | None = None,
        give_up_after: float = 3600.0,
        wait_seconds: float = 60.0,
        retry_seconds: float = 5.0,
        timeout: float = 30.0,
    ) -> None:
        self.inbox = inbox
        self._take = take_email
        self._give_up = give_up
        self.give_up_after = give_up_after
        self.wait_seconds = wait_seconds
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        # A message the desk failed on, by uid: when it first failed, and how many times.
        self._failing: dict[str, tuple[float, int]] = {}

    def _open(self) -> BaseMailBox:
        inbox = self.inbox
        kind = MailBox if inbox.tls else MailBoxUnencrypted
        box = kind(inbox.host, inbox.port, timeout=self.timeout)
        return box.login(inbox.user, inbox.password, initial_folder=inbox.folder)

    @staticmethod
    def _unread(box: BaseMailBox) -> list[tuple[str, bytes]]:
        found: list[tuple[str, bytes]] = []
        for message in box.fetch(AND(seen=False), mark_seen=False, bulk=False):
            if message.uid is not None:
                found.append((message.uid, message.obj.as_bytes()))
        return found

    async def read_once(self) -> int:
        """Every unread message taken in, then marked read; how many were taken."""
        box = await asyncio.to_thread(self._open)
        try:
            return await self._round(box)
        finally:
            await asyncio.to_thread(_logout, box)

    async def _round(self, box: BaseMailBox) -> int:
        taken = 0
        for uid, raw in await asyncio.to_thread(self._unread, box):
            if not await self._settled(uid, raw):
                continue
            # Marked read only once the desk has settled it: a reader stopped before this finds
            # it unread again, and the desk finds its row.
            await asyncio.to_thread(box.flag, uid, MailMessageFlags.SEEN, True)
            taken += 1
        return taken

    async def _settled(self, uid: str, raw: bytes) -> bool:
        """Whether the desk took the message in (or, failing on it for long, gave it up)."""
        try:
            await _called(self._take, raw)
        except Exception:
            logger.exception("inbox %s: message %s not taken in; tried again later", *self._at(uid))
        else:
            self._failing.pop(uid, None)
            return True
        first, count = self._failing.get(uid, (time.monotonic(), 0))
        self._failing[uid] = (first, count + 1)
        long = time.monotonic() - first >= self.give_up_after
        if self._give_up is None or count + 1 < GIVE_UP_ATTEMPTS or not long:
            return False
        try:
            await _called(self._give_up, raw)
        except Exception:
            logger.exception("inbox %s: message %s could not be given up either", *self._at(uid))
            return False
        self._failing.pop(uid, None)
        return True

    def _at(self, uid: str) -> tuple[str, str]:
        return self.inbox.host, uid

    def _wait(self, box: BaseMailBox) -> None:
        """Until the server says something arrived, or `wait_seconds`."""
        capabilities = getattr(box.client, "capabilities", ())
        if "IDLE" in capabilities:
            box.idle.wait(timeout=self.wait_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Rounds until `stop` is set; a server that cannot be reached is tried again."""
        while not stop.is_set():
            try:
                box = await asyncio.to_thread(self._open)
            except Exception as error:  # the server is down or refuses: wait, try again
                logger.warning("inbox %s: %s; trying again", self.inbox.host, error)
                await _sleep(stop, self.retry_seconds)
                continue
            try:
                while not stop.is_set():
                    await self._round(box)
                    idle = "IDLE" in getattr(box.client, "capabilities", ())
                    if idle:
                        await asyncio.to_thread(self._wait, box)
                    else:
                        await _sleep(stop, self.wait_seconds)
            except Exception as error:  # the connection broke: open another
                logger.warning("inbox %s: %s; reconnecting", self.inbox.host, error)
                await _sleep(stop, self.retry_seconds)
            finally:
                await asyncio.to_thread(_logout, box)


async def _called(call: Callable[[bytes], object], raw: bytes) -> None:
    result = call(raw)
    if asyncio.iscoroutine(result):
        await result


def _logout(box: BaseMailBox) -> None:
    try:
        box.logout()
    except Exception:  # already gone
        logger.debug("inbox logout failed", exc_info=True)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return

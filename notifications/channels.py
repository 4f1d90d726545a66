"""Channels: apprise URLs, each message put in the form its channel reads, and one send.

Any apprise URL is a channel. Email (`mailto://`, `mailtos://`) gets the subject and the HTML
form, from which apprise builds the plain-text alternative; chat channels without a title
(Zalo, `zalo://{bot_token}/{chat_id}`) get the short text; everything else the subject and the
plain text. `outbox://` (or `outbox:///a/folder`) writes each message to a readable file: the
channel every unit has before anyone configures a real one (`register_outbox` makes it known).

Only privacy-mode URLs (`url(privacy=True)`) and privacy-scrubbed answers leave this module.

An email sent for a row of the notification log carries a Message-ID derived from the row's
key: a resend after an outcome nobody could know (the worker stopped between the server's
acceptance and the log write) is then the same message to the mail system, which can drop or
thread the copy.

Inside `ChannelSender.connections()` (a task's messages of one instant) the emails to one SMTP
server go over a connection kept open between them (`notifications.smtp_connections`).
"""

from __future__ import annotations

import copy
import email.utils
import hashlib
import logging
import re
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import apprise
import apprise.plugins.email.base as apprise_email
from apprise.decorators import notify as apprise_notify
from apprise.decorators.base import CustomNotifyPlugin
from apprise.manager_plugins import NotificationManager
from apprise.plugins.email.base import NotifyEmail
from apprise.plugins.zalo import NotifyZalo

from deadlines.local_time import in_vietnam
from notifications.formatting import file_stem
from notifications.messages import RenderedMessage
from notifications.smtp_connections import SmtpConnections

OUTBOX_SCHEME = "outbox"
DEFAULT_CHANNEL = f"{OUTBOX_SCHEME}://"
# The answer a channel gave is kept in the log; a runaway error text is cut.
ANSWER_LIMIT = 1000


class ChannelStyle(StrEnum):
    # Subject and HTML (apprise adds the plain-text part).
    EMAIL = "email"
    # No title: the short text, within the channel's limit.
    CHAT = "chat"
    # Subject and the plain text.
    TEXT = "text"


class ChannelError(ValueError):
    """A contact URL that apprise cannot load. The message never shows the URL's secrets."""


@dataclass(frozen=True)
class DeliveryAttempt:
    # The channel in apprise's privacy mode: `mailtos://user:****@smtp.example.org/...`.
    channel: str
    delivered: bool
    # What the channel answered, as apprise logged it (privacy-scrubbed, at most ANSWER_LIMIT).
    answer: str


def mask_url(url: str) -> str:
    """What may be shown of a URL apprise could not load: its scheme and nothing else."""
    scheme = urlsplit(url).scheme or "?"
    return f"{scheme}://…"


def load_channel(url: str, *, zalo_api_base: str = "") -> Any:
    """The apprise plugin for `url`, pointed at `zalo_api_base` when it is a Zalo bot."""
    asset = apprise.AppriseAsset(app_id="nhachan", app_desc="nhắc hạn", secure_logging=True)
    plugin = apprise.Apprise.instantiate(url, asset=asset)
    if plugin is None:
        raise ChannelError(
            f"apprise cannot use the contact URL {mask_url(url)} (check its form against "
            "https://appriseit.com/services/)"
        )
    if zalo_api_base and isinstance(plugin, NotifyZalo):
        # An instance attribute, so the change stays with this one channel.
        plugin.notify_url = zalo_api_base.rstrip("/") + "/bot{token}/sendMessage"
    return plugin


def describe_channel(url: str) -> str:
    """The channel as the log and error messages may show it."""
    try:
        return _privacy_url(url, load_channel(url))
    except ChannelError:
        return mask_url(url)


def _privacy_url(url: str, plugin: Any) -> str:
    # The outbox holds no secret, and its folder is what a reader needs to know.
    if urlsplit(url).scheme.lower() == OUTBOX_SCHEME:
        return url
    return str(plugin.url(privacy=True))


def channel_style(plugin: Any) -> ChannelStyle:
    if isinstance(plugin, CustomNotifyPlugin):
        return ChannelStyle.TEXT
    formats = plugin.notify_format
    preferred = formats[0] if isinstance(formats, tuple) else formats
    if isinstance(plugin, NotifyEmail) or (
        preferred == apprise.NotifyFormat.HTML and plugin.title_maxlen > 0
    ):
        return ChannelStyle.EMAIL
    if plugin.title_maxlen == 0:
        return ChannelStyle.CHAT
    return ChannelStyle.TEXT


class ChannelSender:
    """Sends on apprise URLs as this installation reaches them: a bare `outbox://` writes to
    its `outbox` folder, a Zalo bot talks to `zalo_api_base`."""

    def __init__(self, *, outbox: Path, zalo_api_base: str = "") -> None:
        self._outbox = outbox
        self._zalo_api_base = zalo_api_base
        _use_keyed_message_ids()
        self._smtp = SmtpConnections()
        # By contact URL: its plugin as apprise loaded it and the URL as the log shows it.
        self._loaded: dict[str, tuple[Any, str]] = {}

    def connections(self) -> AbstractContextManager[None]:
        """While the block runs, the emails sent to one SMTP server (with one login) go over
        a connection this sender keeps open for a few seconds between sends
        (`notifications.smtp_connections`)."""
        return self._smtp.lending()

    def send(
        self, url: str, message: RenderedMessage, *, key: str = "", reply_to: str = ""
    ) -> DeliveryAttempt:
        """Send `message` once on the channel `url`; never raises for a channel that fails.
        `key` (the log row's) makes an email's Message-ID; without it the id is random.
        `reply_to`: where an email's replies go (the signed reply address, replies/tokens.py)."""
        token = _MESSAGE_KEY.set(key or None)
        try:
            return self._send(url, message, reply_to)
        finally:
            _MESSAGE_KEY.reset(token)

    def _send(self, url: str, message: RenderedMessage, reply_to: str) -> DeliveryAttempt:
        try:
            plugin, channel = self._plugin(url)
        except ChannelError as error:
            return DeliveryAttempt(channel=mask_url(url), delivered=False, answer=str(error))
        style = channel_style(plugin)
        if style is ChannelStyle.EMAIL:
            title, body, body_format = message.subject, message.html, apprise.NotifyFormat.HTML
            _address_replies(plugin, reply_to)
        elif style is ChannelStyle.CHAT:
            title, body, body_format = "", message.short, apprise.NotifyFormat.TEXT
        else:
            title, body, body_format = message.subject, message.text, apprise.NotifyFormat.TEXT
        sender = apprise.Apprise(asset=plugin.asset)
        sender.add(plugin)
        try:
            result = sender.notify(
                body=body, title=title, body_format=body_format, log_level=logging.INFO
            )
        except Exception as error:  # a plugin bug must not lose the log entry of this attempt
            answer = f"{type(error).__name__}: {error}"
            return DeliveryAttempt(channel, False, _scrub(answer, url, channel))
        answer = "; ".join(entry.message for entry in result.logs()) or (
            "delivered" if result else "refused without a reason"
        )
        return DeliveryAttempt(
            channel=channel, delivered=bool(result), answer=_scrub(answer, url, channel)
        )

    def _plugin(self, url: str) -> tuple[Any, str]:
        """A plugin of its own for one send on `url`, and the URL as the log shows it. The URL
        is read once per sender: a copy of the plugin apprise loaded is what each send changes
        (its Reply-To, its headers), parsing the URL again was a tenth of a burst's sends."""
        loaded = self._loaded.get(url)
        if loaded is None:
            plugin = load_channel(self._located(url), zalo_api_base=self._zalo_api_base)
            loaded = self._loaded[url] = (plugin, _privacy_url(url, plugin))
        plugin, channel = loaded
        return copy.copy(plugin), channel

    def _located(self, url: str) -> str:
        # The log keeps the URL as written (`outbox://`); only the plugin is told the folder.
        parts = urlsplit(url)
        if parts.scheme.lower() == OUTBOX_SCHEME and not (parts.netloc or parts.path):
            return f"{OUTBOX_SCHEME}://{self._outbox.absolute()}"
        return url


def _address_replies(plugin: Any, reply_to: str) -> None:
    """apprise's email plugin takes a Reply-To (`?reply=`) and extra headers (`?+Name=value`)
    as attributes of the instance, so one message's address stays with its own plugin. The
    product's emails say they are automatic (RFC 3834), so that an auto-responder does not
    answer them and the reply reader knows its own kind."""
    if not isinstance(plugin, NotifyEmail):
        return
    if reply_to:
        plugin.reply_to = {reply_to}
    plugin.headers = {**plugin.headers, "Auto-Submitted": "auto-generated"}


_URL_PIECES = re.compile(r"[:/@?&=]+")


def _scrub(answer: str, url: str, channel: str) -> str:
    """Remove from `answer` every piece of the URL that privacy mode hides (passwords, tokens),
    in case a plugin's message quotes one."""
    if channel == url:
        return answer[:ANSWER_LIMIT]
    shown = set(_URL_PIECES.split(channel))
    for piece in _URL_PIECES.split(url):
        if len(piece) >= 4 and piece not in shown and piece in answer:
            answer = answer.replace(piece, "****")
    return answer[:ANSWER_LIMIT]


# -------------------------------------------------------------------------------- Message-ID

# The log key of the message being sent in this context (apprise copies the context into the
# threads it sends from).
_MESSAGE_KEY: ContextVar[str | None] = ContextVar("nhachan_message_key", default=None)


def message_id(key: str, domain: str) -> str:
    """The Message-ID of every email sent for the log row `key`."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.nhachan@{domain}>"


def _keyed_make_msgid(idstring: str | None = None, domain: str | None = None, **kwargs: Any) -> str:
    key = _MESSAGE_KEY.get()
    if key is None:
        return email.utils.make_msgid(idstring, domain, **kwargs)
    return message_id(key, domain or "nhachan.invalid")


def _use_keyed_message_ids() -> None:
    """apprise's email plugin gives each message a random id from `make_msgid`, which it calls
    by its name in its module and offers no option for; that name is pointed here once per
    process. Outside a keyed send the id stays random; `tests/notifications/test_exactly_once.py`
    notices if an apprise release stops calling it."""
    if getattr(apprise_email, "make_msgid", None) is not _keyed_make_msgid:
        setattr(apprise_email, "make_msgid", _keyed_make_msgid)  # noqa: B010


# ------------------------------------------------------------------------------------ outbox


def _outbox_folder(meta: dict[str, Any]) -> Path | None:
    path = meta.get("fullpath") or ""
    host = meta.get("host") or ""
    if host or path:
        return Path(f"/{host}{path}" if host else path)
    return None


def _write_to_outbox(
    body: str, title: str, notify_type: str, *args: Any, meta: dict[str, Any], **kwargs: Any
) -> bool:
    """One file per message, with an email-like head, for a newcomer to read."""
    folder = _outbox_folder(meta)
    if folder is None:
        apprise.logger.warning("The outbox URL names no folder (a ChannelSender gives it one)")
        return False
    now = in_vietnam(datetime.now(UTC))
    digest = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:10]
    stem = f"{now:%Y%m%d-%H%M%S}-{file_stem(title or body)}-{digest}"
    content = f"Subject: {title}\nDate: {now.isoformat()}\n\n{body.rstrip()}\n"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for copy in range(1, 1000):
            name = f"{stem}.txt" if copy == 1 else f"{stem}-{copy}.txt"
            try:
                with (folder / name).open("x", encoding="utf-8") as file:
                    file.write(content)
            except FileExistsError:
                continue  # the same message twice in one second: keep both
            return True
    except OSError as error:
        apprise.logger.warning("Could not write to the outbox %s: %s", folder, error)
        return False
    apprise.logger.warning("The outbox %s has too many copies of one message", folder)
    return False


def register_outbox() -> None:
    """Teach apprise the `outbox://` channel. Its plugin registry is process-wide: whoever
    starts a process that loads contacts or sends (the worker, `notify-test`) calls this once;
    calling it again does nothing."""
    if OUTBOX_SCHEME not in NotificationManager():  # type: ignore[no-untyped-call]
        register = apprise_notify(on=OUTBOX_SCHEME, name="nhachan outbox")  # type: ignore[no-untyped-call]
        register(_write_to_outbox)

"""The reply settings checked at start, each mistake one line naming the setting (never its
secret): the reply address, the inbox URL, the reply sender, the Zalo webhook's secret."""

from __future__ import annotations

from datetime import timedelta

from notifications.channels import ChannelError, load_channel
from replies.mailbox import InboxError, read_inbox_url
from replies.tokens import ReplyTokens
from settings import Settings


class ReplySettingsError(ValueError):
    """A reply setting that cannot be used."""


def check_reply_settings(settings: Settings) -> None:
    try:
        ReplyTokens("", max_age=timedelta(days=1), address=settings.reply_address)
    except ValueError as error:
        raise ReplySettingsError(f"NHACHAN_REPLY_ADDRESS: {error}") from error
    if settings.inbox_url:
        try:
            read_inbox_url(settings.inbox_url)
        except InboxError as error:
            raise ReplySettingsError(str(error)) from error
        if not settings.reply_address:
            raise ReplySettingsError(
                "NHACHAN_INBOX_URL is set without NHACHAN_REPLY_ADDRESS: the emails would carry "
                "no reply address for the inbox to match"
            )
    if settings.reply_sender:
        try:
            load_channel(settings.reply_sender)
        except ChannelError as error:
            raise ReplySettingsError(f"NHACHAN_REPLY_SENDER: {error}") from error
    webhook = settings.public_url.startswith("https://") and bool(settings.zalo_bot_token)
    if webhook and len(settings.zalo_webhook_secret) < 16:
        raise ReplySettingsError(
            "NHACHAN_ZALO_WEBHOOK_SECRET: with an https public URL the Zalo bot calls the "
            "webhook, which needs a secret of at least 16 characters"
        )

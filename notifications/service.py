"""The notification service as the settings describe it: the directory, the contacts, the
calendar, the channels and the delivery rules wired together once. The worker's activities,
the commands and the web (through `control/`) all build it here, so none reaches into another's
wiring."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

from notifications.channels import ChannelSender
from notifications.contacts import UnitLookup, load_contacts
from notifications.delivery import NotificationService
from notifications.dispatch import DeliveryRules
from notifications.links import UnitLinks
from settings import Settings


def unit_links(settings: Settings) -> UnitLinks:
    """The signer of the units' own links, with the lifetime the settings give them."""
    return UnitLinks(
        settings.resolved_secret_key(),
        max_age=timedelta(days=settings.unit_link_days),
        reply_address=settings.reply_address,
    )


def notification_service(
    settings: Settings,
    directory: UnitLookup,
    *,
    unbroken: Callable[[], AbstractContextManager[None]] | None = None,
) -> NotificationService:
    """The service these settings describe, for `directory` (every agency's units); the apprise
    `outbox://` channel must be registered first (`notifications.channels.register_outbox`),
    since the contacts are checked here. `unbroken` wraps each send and its log write (the
    worker's activities keep the engine told they are alive meanwhile)."""
    return NotificationService(
        database_url=settings.resolved_database_url(),
        directory=directory,
        contacts=load_contacts(settings.contacts, directory),
        calendar=settings.working_calendar,
        public_url=settings.public_url,
        channels=ChannelSender(
            outbox=settings.var_dir / "outbox", zalo_api_base=settings.zalo_api_base
        ),
        rules=DeliveryRules(
            main_channel_failures=settings.notify_main_channel_failures,
            max_failures=settings.notify_max_failures,
            record_within=timedelta(seconds=settings.notify_record_within),
        ),
        unbroken=unbroken,
        unit_links=unit_links(settings),
    )

"""Who may speak for a unit: the email addresses and Zalo chats the contacts file gives each
unit, read from its apprise URLs (no I/O)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from apprise.plugins.email.base import NotifyEmail
from apprise.plugins.zalo import NotifyZalo

from notifications.channels import ChannelError, load_channel
from notifications.contacts import ContactBook


@dataclass(frozen=True)
class Senders:
    # An address or chat id (lowercase) -> the units whose contacts give it.
    emails: dict[str, frozenset[str]] = field(default_factory=dict)
    chats: dict[str, frozenset[str]] = field(default_factory=dict)

    def units_of_email(self, address: str) -> frozenset[str]:
        return self.emails.get(address.strip().lower(), frozenset())

    def units_of_chat(self, chat_id: str) -> frozenset[str]:
        return self.chats.get(str(chat_id).strip(), frozenset())


def senders_of(book: ContactBook) -> Senders:
    emails: dict[str, set[str]] = defaultdict(set)
    chats: dict[str, set[str]] = defaultdict(set)
    for unit_code, contacts in book.units.items():
        for url in contacts.channels:
            try:
                plugin = load_channel(url)
            except ChannelError:
                continue
            if isinstance(plugin, NotifyEmail):
                for _name, address in plugin.targets:
                    emails[str(address).lower()].add(unit_code)
            elif isinstance(plugin, NotifyZalo):
                for chat in plugin.targets:
                    chats[str(chat)].add(unit_code)
    return Senders(
        emails={k: frozenset(v) for k, v in emails.items()},
        chats={k: frozenset(v) for k, v in chats.items()},
    )


def may_speak_for(units_of_sender: frozenset[str], unit_code: str, coordinator: str) -> bool:
    """A reply counts for `unit_code` when it comes from the unit's own address or chat, or from
    the coordinator's (who enters evidence for a unit)."""
    return unit_code in units_of_sender or coordinator in units_of_sender

"""Who receives what, and where: the contacts file named by NHACHAN_CONTACTS.

    units:
      "Văn phòng Sở":                # a code, or any name or short form the unit directory knows
        channels:
          - mailtos://user:password@smtp.example.org/vanphong@example.org   # the main channel
          - zalo://{bot_token}/{chat_id}                                     # fallbacks
        digest: true                 # reminders, check-ins, nudges: one message per working day
      CCHC-VTLT:                     # a plain list is the same with digest off
        - mailtos://…
    default:                         # optional: every unit not listed; else the local outbox
      - outbox://

Contacts are configuration: every mistake (a unit the directory does not know, a URL apprise
cannot use, the same unit twice) is refused when the file is read, naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from notifications.channels import DEFAULT_CHANNEL, ChannelError, load_channel


class KnownUnit(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


class UnitLookup(Protocol):
    """What notifications need of the unit directory (`plan_import.units.UnitDirectory`)."""

    def find(self, name_or_alias: str) -> KnownUnit: ...

    def get(self, code: str) -> KnownUnit: ...

    @property
    def coordinator(self) -> str: ...

    @property
    def leadership(self) -> str: ...

    def of_agency(self, code: str) -> UnitLookup:
        """The directory of that agency, whose coordinator and leadership its plans reach."""
        ...


class ContactsError(ValueError):
    """The contacts file is wrong; the message names the file, the key and what is wrong."""


@dataclass(frozen=True)
class UnitContacts:
    unit_code: str
    # Apprise URLs: the first is the main channel, the rest are fallbacks in order.
    channels: tuple[str, ...]
    digest: bool = False
    # False when the unit is not in the file and gets the default channels.
    listed: bool = True

    @property
    def main(self) -> str:
        return self.channels[0]

    @property
    def fallbacks(self) -> tuple[str, ...]:
        return self.channels[1:]


@dataclass(frozen=True)
class ContactBook:
    units: dict[str, UnitContacts]
    default: tuple[str, ...] = (DEFAULT_CHANNEL,)
    default_digest: bool = False
    source: Path | None = None

    def for_unit(self, unit_code: str) -> UnitContacts:
        found = self.units.get(unit_code)
        if found is not None:
            return found
        return UnitContacts(unit_code, self.default, digest=self.default_digest, listed=False)


def outbox_only() -> ContactBook:
    """Before anyone configures a channel: every message goes to the local outbox."""
    return ContactBook(units={})


def load_contacts(path: Path | None, directory: UnitLookup) -> ContactBook:
    if path is None:
        return outbox_only()
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContactsError(
            f"{where}: the contacts file does not exist (NHACHAN_CONTACTS)"
        ) from None
    except yaml.YAMLError as error:
        raise ContactsError(f"{where}: not valid YAML: {error}") from None
    if raw is None:
        return ContactBook(units={}, source=path)
    if not isinstance(raw, dict):
        raise ContactsError(f"{where}: expected a mapping with `units:` (and `default:`)")
    unknown = sorted(set(raw) - {"units", "default"})
    if unknown:
        raise ContactsError(
            f"{where}: unknown top-level key(s) {', '.join(map(repr, unknown))}; "
            "expected `units:` and optionally `default:`"
        )
    entries = raw.get("units") or {}
    if not isinstance(entries, dict):
        raise ContactsError(f"{where}: `units:` must map each unit to its channels")

    units: dict[str, UnitContacts] = {}
    keys_by_code: dict[str, str] = {}
    for key, entry in entries.items():
        label = f"{where}: unit {key!r}"
        try:
            unit = directory.find(str(key))
        except LookupError as error:
            raise ContactsError(
                f"{label} is not a unit of the unit directory ({error}); use its code or a name "
                "the directory (NHACHAN_UNITS_FILE) knows"
            ) from None
        if unit.code in keys_by_code:
            raise ContactsError(
                f"{label} is the same unit ({unit.code}) as {keys_by_code[unit.code]!r}; "
                "list each unit once"
            )
        keys_by_code[unit.code] = str(key)
        channels, digest = _parse_entry(entry, label)
        units[unit.code] = UnitContacts(unit.code, channels, digest=digest)

    book = ContactBook(units=units, source=path)
    if "default" in raw:
        channels, digest = _parse_entry(raw["default"], f"{where}: `default`")
        book = ContactBook(units=units, default=channels, default_digest=digest, source=path)
    return book


def _parse_entry(entry: Any, label: str) -> tuple[tuple[str, ...], bool]:
    digest = False
    if isinstance(entry, dict):
        unknown = sorted(set(entry) - {"channels", "digest"})
        if unknown:
            raise ContactsError(
                f"{label}: unknown field(s) {', '.join(map(repr, unknown))}; "
                "expected `channels:` and optionally `digest:`"
            )
        digest_value = entry.get("digest", False)
        if not isinstance(digest_value, bool):
            raise ContactsError(f"{label}: `digest` must be true or false, not {digest_value!r}")
        digest = digest_value
        entry = entry.get("channels")
    if isinstance(entry, str):
        entry = [entry]
    if not isinstance(entry, list) or not entry:
        raise ContactsError(f"{label}: expected a non-empty list of apprise URLs")
    channels: list[str] = []
    for position, url in enumerate(entry, start=1):
        if not isinstance(url, str) or not url.strip():
            raise ContactsError(f"{label}: channel {position} is not a URL")
        try:
            load_channel(url.strip())
        except ChannelError as error:
            raise ContactsError(f"{label}: channel {position}: {error}") from None
        channels.append(url.strip())
    return tuple(channels), digest

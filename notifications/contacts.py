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
cannot use, the same unit twice) is refused when the file is read (the worker reads it at
start), naming the file, the entry and the field. The file holds passwords and tokens, so no
message about it ever shows one: a URL appears in apprise's privacy form (or as its scheme
alone when apprise cannot read it), and a YAML error by line and column, never the line itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic_core import InitErrorDetails

from notifications.channels import DEFAULT_CHANNEL, ChannelError, describe_channel, load_channel
from yaml_input import describe_problems, load_yaml_text


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
    """The contacts file is wrong; the message names the file, the entry and what is wrong, and
    never shows a password or token."""


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


# ------------------------------------------------------------------------------ the file


def _channel(url: str) -> str:
    url = url.strip()
    if not url:
        raise ValueError("is empty: expected an apprise URL")
    if any(character.isspace() for character in url):
        # YAML reads a line indented deeper than the one above it as that line's continuation:
        # a fallback one space too deep became part of the main channel's URL, and was lost.
        raise ValueError(
            "has a space inside, which no URL has (write one as %20): is the next line indented "
            "deeper than this one? Indent each channel's `-` alike"
        )
    try:
        load_channel(url)
    except ChannelError as error:
        raise ValueError(str(error)) from None
    return url


def _channels_only(entry: object) -> object:
    # A plain list (or one URL) is the channels, with digest off.
    if isinstance(entry, str):
        return {"channels": [entry]}
    if isinstance(entry, list):
        return {"channels": entry}
    if entry is None:
        return {"channels": []}
    return entry


Channel = Annotated[str, AfterValidator(_channel)]


class ChannelsEntry(BaseModel):
    """A unit's channels, main first, and whether it reads a daily digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[Channel] = Field(min_length=1)
    digest: bool = False


Entry = Annotated[ChannelsEntry, BeforeValidator(_channels_only)]


class ContactsFile(BaseModel):
    """The contacts file as written (see the module's docstring and data/contacts.example.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    units: Annotated[dict[str, Entry], BeforeValidator(lambda v: {} if v is None else v)] = {}
    default: Entry | None = None


def load_contacts(path: Path | None, directory: UnitLookup) -> ContactBook:
    if path is None:
        return outbox_only()
    where = str(path)
    try:
        document = load_yaml_text(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContactsError(
            f"{where}: the contacts file does not exist (NHACHAN_CONTACTS)"
        ) from None
    except OSError as error:
        raise ContactsError(
            f"{where}: the contacts file cannot be read ({error.strerror}; NHACHAN_CONTACTS)"
        ) from None
    except yaml.YAMLError as error:
        raise ContactsError(f"{where}: not valid YAML ({_yaml_problem(error)})") from None
    if document is None:
        return ContactBook(units={}, source=path)
    try:
        written = ContactsFile.model_validate(document)
    except ValidationError as error:
        raise ContactsError(describe_problems(_without_secrets(error), where)) from None

    units: dict[str, UnitContacts] = {}
    keys_by_code: dict[str, str] = {}
    for key, entry in written.units.items():
        label = f"{where}: units: {key}"
        try:
            unit = directory.find(key)
        except LookupError as error:
            raise ContactsError(
                f"{label}: not a unit of the unit directory ({error}); use its code or a name "
                "the directory (NHACHAN_UNITS_FILE) knows"
            ) from None
        if unit.code in keys_by_code:
            raise ContactsError(
                f"{label}: the same unit ({unit.code}) as {keys_by_code[unit.code]!r}; "
                "list each unit once"
            )
        keys_by_code[unit.code] = key
        units[unit.code] = UnitContacts(unit.code, tuple(entry.channels), digest=entry.digest)

    if written.default is None:
        return ContactBook(units=units, source=path)
    return ContactBook(
        units=units,
        default=tuple(written.default.channels),
        default_digest=written.default.digest,
        source=path,
    )


def _yaml_problem(error: yaml.YAMLError) -> str:
    """Where the YAML breaks and how, without PyYAML's quote of the line (it may be a URL with
    its password)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "cannot be read"
    if mark is None:
        return str(problem)
    context = getattr(error, "context", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" + (
        f", {context}" if context else ""
    )


def _without_secrets(error: ValidationError) -> ValidationError:
    """The same problems with every URL in their inputs shown as the log shows channels."""
    return ValidationError.from_exception_data(
        error.title,
        [
            InitErrorDetails(
                type=problem["type"],
                loc=problem["loc"],
                input=_shown(problem["input"]),
                ctx=problem.get("ctx", {}),
            )
            for problem in error.errors()
        ],
    )


def _shown(value: Any) -> Any:
    if isinstance(value, str):
        if "://" in value:
            return describe_channel(value.strip())
        # Not a URL, but perhaps one mistyped, with its password.
        return "(a text not shown)" if any(mark in value for mark in ":@/") else value
    if isinstance(value, list):
        return [_shown(item) for item in value]
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    return value

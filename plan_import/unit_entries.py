"""The entries of a unit directory file (data/units.yaml): the agency, its units and groups,
checked as the file is read; and the two errors the directory raises."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from plan_import.text import clean_cell, quote

UnitRoleName = Literal["unit", "coordinator", "leadership"]
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class UnitDirectoryError(ValueError):
    """The directory file itself is wrong; the message names the file, the entry and the field."""


class UnknownUnit(LookupError):
    """A phrase that names no unit or group of the directory."""

    def __init__(self, phrase: str, suggestions: Sequence[str] = ()) -> None:
        self.phrase = phrase
        self.suggestions = list(suggestions)
        if self.suggestions:
            hint = "closest known: " + "; ".join(self.suggestions)
        else:
            hint = "no known unit is close to it"
        super().__init__(f"unknown unit {quote(phrase)} ({hint})")


def _text(value: str) -> str:
    cleaned = clean_cell(value)
    if not cleaned:
        raise ValueError("must be a non-empty text")
    return cleaned


def _code(value: str) -> str:
    if not _CODE.match(value):
        raise ValueError(f"{value!r} must be lowercase ASCII letters, digits and hyphens")
    return value


def _empty_if_null(value: object) -> object:
    # `aliases:` with nothing after it is YAML's null: no aliases.
    return () if value is None else value


Text = Annotated[str, AfterValidator(_text)]
Code = Annotated[str, AfterValidator(_text), AfterValidator(_code)]
Names = Annotated[tuple[Text, ...], BeforeValidator(_empty_if_null)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgencyEntry(_Entry):
    code: Code
    name: Text
    aliases: Names = ()


class UnitEntry(_Entry):
    code: Code
    name: Text
    aliases: Names = ()
    role: UnitRoleName = "unit"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


class UnitGroup(_Entry):
    """A phrase that stands for several units, or for units nobody has named yet."""

    code: Code
    name: Text
    aliases: Names = ()
    # In the file, unit or group codes; in the directory, unit codes, already expanded from
    # nested groups, in directory order.
    members: Annotated[tuple[str, ...], BeforeValidator(_empty_if_null)] = ()
    # "Các đơn vị liên quan": the coordinator must say which units are meant.
    to_be_named: bool = False
    # "Các sở, ban, ngành" before the coordinator has mapped it to its members: the group is
    # reminded as one unit of its own (its code) until then.
    unmapped: bool = False

    @model_validator(mode="after")
    def _members_unless_to_be_named(self) -> UnitGroup:
        if (self.to_be_named or self.unmapped) and self.members:
            raise ValueError("a group still to be named or mapped has no members")
        if not (self.to_be_named or self.unmapped) and not self.members:
            raise ValueError("a group needs members (or to_be_named: true, or unmapped: true)")
        return self

    @property
    def stands_alone(self) -> bool:
        """Reminded as itself: no members to expand to."""
        return not self.members


class UnitsFile(_Entry):
    """The unit directory file as written (data/units.yaml describes every field)."""

    agency: AgencyEntry
    units: list[UnitEntry] = Field(min_length=1)
    groups: Annotated[list[UnitGroup], BeforeValidator(_empty_if_null)] = []

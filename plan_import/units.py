"""The unit directory: who the plan's phrases mean.

A cell of the appendix names units by full name, short form or group ("Các đơn vị thuộc, trực
thuộc Sở"), several to a cell, separated by commas or "và" that also occur inside names
("Phòng Công chức, viên chức", "Phòng TCBC và TCPCP"). The directory knows every name and reads a
cell by always taking the longest known name first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from plan_import.text import clean_cell, fold, quote, slug
from plan_import.yaml_input import describe_problems, load_yaml_text
from settings import DATA_DIR

# The directory the product ships with (the `units_file` setting's default).
BUNDLED_UNITS_FILE = DATA_DIR / "units.yaml"

UnitRoleName = Literal["unit", "coordinator", "leadership"]
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Commas, semicolons, line breaks, "và", "&" and "+" separate units, and also occur inside names.
_SEPARATOR = re.compile(r"\s*[,;\n]\s*|\s+(?:và|&|\+)\s+", re.IGNORECASE)


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

    @model_validator(mode="after")
    def _members_unless_to_be_named(self) -> UnitGroup:
        if self.to_be_named and self.members:
            raise ValueError("a group still to be named has no members")
        if not self.to_be_named and not self.members:
            raise ValueError("a group needs members (or to_be_named: true)")
        return self


class UnitsFile(_Entry):
    """The unit directory file as written (data/units.yaml describes every field)."""

    agency: AgencyEntry
    units: list[UnitEntry] = Field(min_length=1)
    groups: Annotated[list[UnitGroup], BeforeValidator(_empty_if_null)] = []


@dataclass(frozen=True)
class CellPart:
    """One name found in a cell, as written, and what it means."""

    text: str
    unit: UnitEntry | None = None
    group: UnitGroup | None = None
    unknown: UnknownUnit | None = None


@dataclass(frozen=True)
class CellUnits:
    """What one cell of the appendix names."""

    parts: tuple[CellPart, ...] = ()

    @property
    def named(self) -> list[str]:
        """Units named one by one, in the cell's order."""
        return _unique(p.unit.code for p in self.parts if p.unit is not None)

    @property
    def expanded(self) -> list[str]:
        """Units that the cell's groups stand for."""
        return _unique(
            code
            for p in self.parts
            if p.group is not None and not p.group.to_be_named
            for code in p.group.members
        )

    @property
    def to_be_named(self) -> list[str]:
        """Phrases kept as written for the coordinator to fill."""
        return [p.text for p in self.parts if p.group is not None and p.group.to_be_named]

    @property
    def unknown(self) -> list[UnknownUnit]:
        return [p.unknown for p in self.parts if p.unknown is not None]

    @property
    def codes(self) -> list[str]:
        return _unique([*self.named, *self.expanded])


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


@dataclass
class UnitDirectory:
    agency: AgencyEntry
    units: list[UnitEntry]
    groups: list[UnitGroup] = field(default_factory=list)
    source: Path | None = None
    _by_code: dict[str, UnitEntry] = field(init=False, repr=False)
    _by_name: dict[str, UnitEntry | UnitGroup] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {}
        self._by_name = {}
        where = str(self.source) if self.source else "unit directory"
        for unit in self.units:
            if unit.code in self._by_code:
                raise UnitDirectoryError(f"{where}: unit code {unit.code!r} is used twice")
            self._by_code[unit.code] = unit
        entries: list[UnitEntry | UnitGroup] = [*self.units, *self.groups]
        for entry in entries:
            for name in (entry.name, *entry.aliases):
                key = fold(name)
                other = self._by_name.get(key)
                if other is not None and other is not entry:
                    raise UnitDirectoryError(
                        f"{where}: the name {quote(name)} of {entry.code!r} is already a name "
                        f"of {other.code!r}"
                    )
                self._by_name[key] = entry
        for role in ("coordinator", "leadership"):
            holders = [u.code for u in self.units if u.role == role]
            if len(holders) != 1:
                raise UnitDirectoryError(
                    f"{where}: exactly one unit must have role {role!r}, found "
                    f"{len(holders)}{': ' + ', '.join(holders) if holders else ''}"
                )

    @property
    def coordinator(self) -> str:
        """The code of the plan's standing office (Phòng CCHC-VTLT)."""
        return next(u.code for u in self.units if u.role == "coordinator")

    @property
    def leadership(self) -> str:
        """The code of the department's leadership (Giám đốc, Phó Giám đốc Sở)."""
        return next(u.code for u in self.units if u.role == "leadership")

    def get(self, code: str) -> UnitEntry:
        unit = self._by_code.get(code)
        if unit is None:
            raise UnknownUnit(code, self.suggestions(code))
        return unit

    def find(self, name_or_alias: str) -> UnitEntry:
        """A unit by its code, name or any alias, ignoring accents, case and spacing."""
        text = clean_cell(name_or_alias)
        if text in self._by_code:
            return self._by_code[text]
        entry = self._by_name.get(fold(text))
        if isinstance(entry, UnitEntry):
            return entry
        if isinstance(entry, UnitGroup):
            raise UnknownUnit(name_or_alias, [self.get(code).label for code in entry.members])
        raise UnknownUnit(name_or_alias, self.suggestions(text))

    def resolve(self, phrase: str) -> list[str]:
        """The unit codes a phrase stands for; groups expand to their members.

        Parts the coordinator still has to name ("Các đơn vị liên quan") add no code; see
        `read_cell` for them.
        """
        cell = self.read_cell(phrase)
        if cell.unknown:
            raise cell.unknown[0]
        return cell.codes

    def read_cell(self, text: str) -> CellUnits:
        """Every name in a cell, longest known name first; never raises."""
        text = clean_cell(text)
        if not text:
            return CellUnits()
        pieces = _split(text)
        parts: list[CellPart] = []
        index = 0
        while index < len(pieces):
            match = self._longest_match(text, pieces, index)
            if match is not None:
                end, entry = match
                written = text[pieces[index][0] : pieces[end][1]]
                if isinstance(entry, UnitEntry):
                    parts.append(CellPart(written, unit=entry))
                else:
                    parts.append(CellPart(written, group=entry))
                index = end + 1
                continue
            # An unknown name runs on over pieces that continue it ("Phòng Kế hoạch, tài chính").
            end = index
            while (
                end + 1 < len(pieces)
                and self._longest_match(text, pieces, end + 1) is None
                and text[pieces[end + 1][0]].islower()
            ):
                end += 1
            written = text[pieces[index][0] : pieces[end][1]]
            parts.append(CellPart(written, unknown=UnknownUnit(written, self.suggestions(written))))
            index = end + 1
        return CellUnits(tuple(parts))

    def _longest_match(
        self, text: str, pieces: list[tuple[int, int]], start: int
    ) -> tuple[int, UnitEntry | UnitGroup] | None:
        for end in range(len(pieces) - 1, start - 1, -1):
            entry = self._by_name.get(fold(text[pieces[start][0] : pieces[end][1]]))
            if entry is not None:
                return end, entry
        return None

    def suggestions(self, phrase: str, limit: int = 3) -> list[str]:
        """The closest known names, as "Name (code)"."""
        labels: dict[str, str] = {}
        entries: list[UnitEntry | UnitGroup] = [*self.units, *self.groups]
        for entry in entries:
            for name in (entry.name, *entry.aliases, entry.code):
                labels.setdefault(fold(name), f"{entry.name} ({entry.code})")
        wanted = fold(phrase)
        # A short form cut off ("Phòng CCHC" for "Phòng CCHC-VTLT") is the likeliest meaning.
        extended = [key for key in labels if wanted and key.startswith(wanted)]
        close = difflib.get_close_matches(wanted, list(labels), n=limit * 3, cutoff=0.6)
        return _unique(labels[key] for key in [*extended, *close])[:limit]

    def with_new_units(self, names: Iterable[str]) -> tuple[UnitDirectory, list[UnitEntry]]:
        """A copy of the directory that also knows these names, each as a new unit."""
        added: list[UnitEntry] = []
        taken = set(self._by_code) | {g.code for g in self.groups}
        for name in names:
            if fold(name) in self._by_name or any(fold(u.name) == fold(name) for u in added):
                continue
            base = slug(name) or "don-vi"
            code, counter = base, 2
            while code in taken:
                code, counter = f"{base}-{counter}", counter + 1
            taken.add(code)
            added.append(UnitEntry(code=code, name=clean_cell(name)))
        return replace(self, units=[*self.units, *added]), added


def _split(text: str) -> list[tuple[int, int]]:
    """The spans of the pieces between separators."""
    spans: list[tuple[int, int]] = []
    start = 0
    for separator in _SEPARATOR.finditer(text):
        if separator.start() > start:
            spans.append((start, separator.start()))
        start = separator.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def load_unit_directory(path: Path) -> UnitDirectory:
    """The directory from a YAML file (the `units_file` setting, data/units.yaml by default)."""
    try:
        document = load_yaml_text(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UnitDirectoryError(f"{path}: cannot read the unit directory ({error})") from error
    except yaml.YAMLError as error:
        raise UnitDirectoryError(f"{path}: not valid YAML ({error})") from error
    return parse_unit_directory(document, source=path)


def parse_unit_directory(document: object, *, source: Path | None = None) -> UnitDirectory:
    where = str(source) if source else "unit directory"
    try:
        written = UnitsFile.model_validate(document)
    except ValidationError as error:
        raise UnitDirectoryError(describe_problems(error, where)) from None
    unit_codes = [unit.code for unit in written.units]
    return UnitDirectory(
        agency=written.agency,
        units=list(written.units),
        groups=_expanded(written.groups, unit_codes, where),
        source=source,
    )


def _expanded(groups: Sequence[UnitGroup], unit_codes: list[str], where: str) -> list[UnitGroup]:
    """The groups with their members as unit codes, nested groups opened, in directory order."""
    declared: dict[str, tuple[UnitGroup, str]] = {}
    for number, group in enumerate(groups, start=1):
        place = f"{where}: groups[{number}]"
        if group.code in declared or group.code in unit_codes:
            raise UnitDirectoryError(f"{place}: code {group.code!r} is used twice")
        declared[group.code] = (group, place)

    def expand(code: str, trail: tuple[str, ...]) -> set[str]:
        if code in unit_codes:
            return {code}
        if code not in declared:
            raise UnitDirectoryError(
                f"{declared[trail[-1]][1]}: member {code!r} is neither a unit nor a group"
            )
        if code in trail:
            raise UnitDirectoryError(
                f"{declared[code][1]}: groups contain each other: " + " -> ".join([*trail, code])
            )
        found: set[str] = set()
        for member in declared[code][0].members:
            found |= expand(member, (*trail, code))
        return found

    return [
        group.model_copy(
            update={"members": tuple(c for c in unit_codes if c in expand(group.code, ()))}
        )
        for group, _place in declared.values()
    ]

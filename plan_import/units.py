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
from typing import Any, Literal

import yaml

from plan_import.text import clean_cell, fold, quote, slug

UnitRoleName = Literal["unit", "coordinator", "leadership"]
ROLES: tuple[UnitRoleName, ...] = ("unit", "coordinator", "leadership")
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


@dataclass(frozen=True)
class AgencyEntry:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitEntry:
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    role: UnitRoleName = "unit"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class UnitGroup:
    """A phrase that stands for several units, or for units nobody has named yet."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    # Unit codes, already expanded from nested groups, in directory order.
    members: tuple[str, ...] = ()
    # "Các đơn vị liên quan": the coordinator must say which units are meant.
    to_be_named: bool = False


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


class _DirectoryLoader(yaml.SafeLoader):
    """YAML 1.1 would read a code like `no` or `on` as a boolean: keep every scalar as text."""


_DirectoryLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_unit_directory(path: Path | None = None) -> UnitDirectory:
    """The directory from a YAML file (default: the `units_file` setting, data/units.yaml)."""
    if path is None:
        from settings import get_settings

        path = get_settings().units_file
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_DirectoryLoader)
    except OSError as error:
        raise UnitDirectoryError(f"{path}: cannot read the unit directory ({error})") from error
    except yaml.YAMLError as error:
        raise UnitDirectoryError(f"{path}: not valid YAML ({error})") from error
    return parse_unit_directory(document, source=path)


def parse_unit_directory(document: object, *, source: Path | None = None) -> UnitDirectory:
    where = str(source) if source else "unit directory"
    top = _mapping(document, where, {"agency", "units", "groups"})
    agency_fields = _mapping(top.get("agency"), f"{where}: agency", {"code", "name", "aliases"})
    agency = AgencyEntry(
        code=_code(agency_fields, f"{where}: agency"),
        name=_text(agency_fields, "name", f"{where}: agency"),
        aliases=_names(agency_fields, f"{where}: agency"),
    )
    raw_units = top.get("units")
    if not isinstance(raw_units, list) or not raw_units:
        raise UnitDirectoryError(f"{where}: `units` must be a list of units")
    units: list[UnitEntry] = []
    for number, raw in enumerate(raw_units, start=1):
        place = f"{where}: units[{number}]"
        entry = _mapping(raw, place, {"code", "name", "aliases", "role"})
        role = entry.get("role", "unit")
        if role not in ROLES:
            raise UnitDirectoryError(f"{place}: role {role!r} is not one of {', '.join(ROLES)}")
        units.append(
            UnitEntry(
                code=_code(entry, place),
                name=_text(entry, "name", place),
                aliases=_names(entry, place),
                role=role,
            )
        )
    unit_codes = [u.code for u in units]
    raw_groups = top.get("groups") or []
    if not isinstance(raw_groups, list):
        raise UnitDirectoryError(f"{where}: `groups` must be a list")
    declared: dict[str, dict[str, Any]] = {}
    for number, raw in enumerate(raw_groups, start=1):
        place = f"{where}: groups[{number}]"
        entry = _mapping(raw, place, {"code", "name", "aliases", "members", "to_be_named"})
        code = _code(entry, place)
        if code in declared or code in unit_codes:
            raise UnitDirectoryError(f"{place}: code {code!r} is used twice")
        to_be_named = entry.get("to_be_named", "false")
        if to_be_named not in ("true", "false"):
            raise UnitDirectoryError(f"{place}: to_be_named must be true or false")
        members = entry.get("members") or []
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise UnitDirectoryError(f"{place}: members must be a list of unit or group codes")
        if to_be_named == "true" and members:
            raise UnitDirectoryError(f"{place}: a group still to be named has no members")
        if to_be_named == "false" and not members:
            raise UnitDirectoryError(f"{place}: a group needs members (or to_be_named: true)")
        declared[code] = {
            **entry,
            "members": members,
            "place": place,
            "to_be_named": to_be_named == "true",
        }

    def expand(code: str, trail: tuple[str, ...]) -> set[str]:
        if code in unit_codes:
            return {code}
        if code not in declared:
            raise UnitDirectoryError(
                f"{declared[trail[-1]]['place']}: member {code!r} is neither a unit nor a group"
            )
        if code in trail:
            raise UnitDirectoryError(
                f"{declared[code]['place']}: groups contain each other: "
                + " -> ".join([*trail, code])
            )
        found: set[str] = set()
        for member in declared[code]["members"]:
            found |= expand(member, (*trail, code))
        return found

    groups: list[UnitGroup] = []
    for code, entry in declared.items():
        members_found = expand(code, ())
        groups.append(
            UnitGroup(
                code=code,
                name=_text(entry, "name", entry["place"]),
                aliases=_names(entry, entry["place"]),
                members=tuple(c for c in unit_codes if c in members_found),
                to_be_named=entry["to_be_named"],
            )
        )
    return UnitDirectory(agency=agency, units=units, groups=groups, source=source)


def _mapping(value: object, place: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UnitDirectoryError(f"{place}: expected a mapping with {', '.join(sorted(allowed))}")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise UnitDirectoryError(
            f"{place}: unknown field(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )
    return {str(k): v for k, v in value.items()}


def _text(entry: dict[str, Any], name: str, place: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not clean_cell(value):
        raise UnitDirectoryError(f"{place}: `{name}` must be a non-empty text")
    return clean_cell(value)


def _code(entry: dict[str, Any], place: str) -> str:
    code = _text(entry, "code", place)
    if not _CODE.match(code):
        raise UnitDirectoryError(
            f"{place}: code {code!r} must be lowercase ASCII letters, digits and hyphens"
        )
    return code


def _names(entry: dict[str, Any], place: str) -> tuple[str, ...]:
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(
        isinstance(a, str) and clean_cell(a) for a in aliases
    ):
        raise UnitDirectoryError(f"{place}: aliases must be a list of names")
    return tuple(clean_cell(a) for a in aliases)

"""The unit directory: who the plan's phrases mean.

A cell of the appendix names units by full name, short form or group ("Các đơn vị thuộc, trực
thuộc Sở"), several to a cell, separated by commas or "và" that also occur inside names
("Phòng Công chức, viên chức", "Phòng TCBC và TCPCP", "Sở Văn hóa, Thể thao và Du lịch"), and
sometimes with no separator at all ("Bộ Thông tin và Truyền thông Bộ Khoa học và Công nghệ").
The directory knows the agency's own names, and the usual public bodies (data/bodies.yaml) guide
it where the agency's do not reach; `cells` reads a cell with them, longest known name first. A
name nobody knows is read by its form: a new unit ("Thanh tra Sở"), a group the coordinator maps
later ("Các cơ quan Đảng"), or words that name no unit (a fragment cut off); `with_new` adds
them. The file's entries are checked in `unit_entries`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from pydantic import (
    ValidationError,
)

from plan_import.bodies import KnownBodies
from plan_import.cells import CellPart, CellReader, CellUnits, Entry, NewName, tokens_of, unique
from plan_import.text import clean_cell, fold, loose, quote, slug
from plan_import.unit_entries import (
    AgencyEntry,
    UnitDirectoryError,
    UnitEntry,
    UnitGroup,
    UnitRoleName,
    UnitsFile,
    UnknownUnit,
)
from shipped import DATA_DIR
from yaml_input import describe_problems, load_yaml_text

__all__ = [
    "BUNDLED_UNITS_FILE",
    "AgencyEntry",
    "CellPart",
    "CellUnits",
    "NewName",
    "UnitDirectory",
    "UnitDirectoryError",
    "UnitEntry",
    "UnitGroup",
    "UnitRoleName",
    "UnknownUnit",
    "load_unit_directory",
    "parse_unit_directory",
]

# The directory the product ships with (the `units_file` setting's default).
BUNDLED_UNITS_FILE = DATA_DIR / "units.yaml"


# A code made from a long name is cut at a word boundary near this length.
_CODE_LENGTH = 40


@dataclass
class UnitDirectory:
    agency: AgencyEntry
    units: list[UnitEntry]
    groups: list[UnitGroup] = field(default_factory=list)
    source: Path | None = None
    # The usual public bodies: they guide the reading of cells where the agency's names do not.
    known: KnownBodies | None = None
    # Made by the importer for an agency nobody configured: its units are all new, their codes
    # carry the agency's code, and it has no coordinator or leadership until one is configured.
    generated: bool = False
    # The units a plan of this agency adds (the usual bodies it names, new names) get codes
    # that carry the agency's code, as a generated directory's do: a unit code is one unit in
    # the deployment, and "Sở Tư pháp" of one province is not another's. True for every agency's
    # directory but the bundled one, whose codes ("stp") predate agencies side by side.
    prefix_new_units: bool = False
    _by_code: dict[str, UnitEntry] = field(init=False, repr=False)
    _by_name: dict[str, UnitEntry | UnitGroup] = field(init=False, repr=False)
    _by_loose: dict[str, UnitEntry | UnitGroup] = field(init=False, repr=False)
    # The most words a known name has, and a little: how far a cell's names are looked for.
    longest_name: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {}
        self._by_name = {}
        self._by_loose = {}
        where = str(self.source) if self.source else "unit directory"
        for unit in self.units:
            if unit.code in self._by_code:
                raise UnitDirectoryError(f"{where}: unit code {unit.code!r} is used twice")
            self._by_code[unit.code] = unit
        entries: list[UnitEntry | UnitGroup] = [*self.units, *self.groups]
        names: list[str] = []
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
                self._by_loose.setdefault(loose(name), entry)
                names.append(name)
        if self.known is not None:
            names += [n for e in (*self.known.bodies, *self.known.collectives) for n in e.names]
        self.longest_name = max((len(tokens_of(name)) for name in names), default=1) + 2
        for role in ("coordinator", "leadership"):
            holders = [u.code for u in self.units if u.role == role]
            # A configured directory names exactly one; one made for a new agency none yet.
            if len(holders) > 1 or (not holders and not self.generated):
                raise UnitDirectoryError(
                    f"{where}: exactly one unit must have role {role!r}, found "
                    f"{len(holders)}{': ' + ', '.join(holders) if holders else ''}"
                )

    @property
    def has_roles(self) -> bool:
        """Whether the agency's coordinator and leadership are configured."""
        return all(
            any(u.role == role for u in self.units) for role in ("coordinator", "leadership")
        )

    @property
    def coordinator(self) -> str:
        """The code of the plan's standing office (Phòng CCHC-VTLT in the bundled plan)."""
        return self._holder("coordinator")

    @property
    def leadership(self) -> str:
        """The code of the agency's leadership (Giám đốc, Phó Giám đốc Sở in the bundled plan)."""
        return self._holder("leadership")

    def of_agency(self, code: str) -> UnitDirectory:
        """The directory of agency `code`: this one, the only agency it knows (several agencies'
        are `plan_import.agency.AgencyDirectories`)."""
        return self

    def _holder(self, role: str) -> str:
        holder = next((u.code for u in self.units if u.role == role), None)
        if holder is None:
            raise UnitDirectoryError(
                f"{self.agency.name} ({self.agency.code}) has no {role} configured: name it in "
                f"the agency's unit directory (role: {role})"
            )
        return holder

    def get(self, code: str) -> UnitEntry:
        unit = self._by_code.get(code)
        if unit is None:
            raise UnknownUnit(code, self.suggestions(code))
        return unit

    def group(self, code: str) -> UnitGroup | None:
        return next((g for g in self.groups if g.code == code), None)

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
        if cell.new:
            raise UnknownUnit(cell.new[0].written, self.suggestions(cell.new[0].written))
        return cell.codes

    # ------------------------------------------------------------------------- reading a cell

    def read_cell(self, text: str, *, accept_new_units: bool = False) -> CellUnits:
        """Every name in a cell, longest known name first; never raises (see `cells`).

        A name close to one of the agency's own units ("Phòng CCHC" for "Phòng CCHC-VTLT") is
        unknown (an error the coordinator corrects) unless `accept_new_units`; any other name
        nobody knows is read by its form (`NewName`, or words that name no unit).
        """
        return CellReader(self).read(text, accept_new_units=accept_new_units)

    def lookup(self, written: str) -> tuple[Entry, bool] | None:
        """The entry a name is written for, and whether only loosely (separators alike): the
        agency's own names first, then the usual bodies'."""
        known = self.known
        exact: Entry | None = self._by_name.get(fold(written))
        if exact is None and known is not None:
            exact = known.exactly(written)
        if exact is not None:
            return exact, False
        close: Entry | None = self._by_loose.get(loose(written))
        if close is None and known is not None:
            close = known.loosely(written)
        return (close, True) if close is not None else None

    def close_names(self, phrase: str) -> list[str]:
        """The agency's own names a phrase is probably written for: one that starts the other
        ("Phòng CCHC" for "Phòng CCHC-VTLT", "Ban Tôn giáo Sở" for "Ban Tôn giáo") or nearly
        the same letters."""
        wanted = fold(phrase)
        own: list[UnitEntry | UnitGroup] = [*self.units, *self.groups]
        for name in (n for entry in own for n in (entry.name, *entry.aliases)):
            key = fold(name)
            shorter, longer = sorted((key, wanted), key=len)
            if (
                longer.startswith(shorter + " ")
                or longer.startswith(shorter + "-")
                or difflib.SequenceMatcher(None, key, wanted).ratio() >= 0.85
            ):
                return self.suggestions(phrase)
        return []

    def code_for(self, base: str) -> str:
        base = _short_code(base)
        prefixed = self.generated or self.prefix_new_units
        return f"{self.agency.code}-{base}" if prefixed else base

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
        return unique(labels[key] for key in [*extended, *close])[:limit]

    # ------------------------------------------------------------------------- new names

    def with_new(
        self, names: Iterable[NewName]
    ) -> tuple[UnitDirectory, list[UnitEntry | UnitGroup]]:
        """A copy of the directory that also knows these names: units, and groups kept as
        themselves (unmapped, or still to be named). Each new entry knows every form it is
        written in, and every name of the usual body it is."""
        units = list(self.units)
        groups = list(self.groups)
        known_names = set(self._by_name)
        taken = set(self._by_code) | {g.code for g in self.groups}
        found: dict[str, NewName] = {}
        written: dict[str, list[str]] = {}
        for new in names:
            if {fold(new.name), fold(new.written)} & known_names:
                continue
            key = new.code if new.known_as == "usual body" else f"form:{fold(new.written)}"
            found.setdefault(key, new)
            written.setdefault(key, []).append(new.written)
        added: list[UnitEntry | UnitGroup] = []
        for key, new in found.items():
            code, counter = new.code, 2
            while code in taken:
                code, counter = f"{new.code}-{counter}", counter + 1
            taken.add(code)
            aliases = tuple(
                dict.fromkeys(
                    clean_cell(a)
                    for a in (*new.other_names, *written[key])
                    if fold(a) != fold(new.name)
                )
            )
            entry: UnitEntry | UnitGroup
            if new.kind == "unit":
                entry = UnitEntry(code=code, name=clean_cell(new.name), aliases=aliases)
                units.append(entry)
            else:
                entry = UnitGroup(
                    code=code,
                    name=clean_cell(new.name),
                    aliases=aliases,
                    to_be_named=new.to_be_named,
                    unmapped=not new.to_be_named,
                )
                groups.append(entry)
            known_names |= {fold(n) for n in (entry.name, *entry.aliases)}
            added.append(entry)
        return replace(self, units=units, groups=groups), added

    def with_new_units(self, names: Iterable[str]) -> tuple[UnitDirectory, list[UnitEntry]]:
        """A copy of the directory that also knows these names, each as a new unit."""
        extended, added = self.with_new(
            NewName(
                "unit", self.code_for(slug(name) or "don-vi"), clean_cell(name), clean_cell(name)
            )
            for name in names
        )
        return extended, [entry for entry in added if isinstance(entry, UnitEntry)]


def _short_code(base: str) -> str:
    code = slug(base) or "don-vi"
    if len(code) <= _CODE_LENGTH:
        return code
    words = code[:_CODE_LENGTH].split("-")[:-1] or [code[:_CODE_LENGTH]]
    while len(words) > 1 and words[-1] in {"va", "cac", "cua", "o", "tai", "la"}:
        words.pop()
    return "-".join(words)


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

"""The unit directory: who the plan's phrases mean.

A cell of the appendix names units by full name, short form or group ("Các đơn vị thuộc, trực
thuộc Sở"), several to a cell, separated by commas or "và" that also occur inside names
("Phòng Công chức, viên chức", "Phòng TCBC và TCPCP", "Sở Văn hóa, Thể thao và Du lịch"), and
sometimes with no separator at all ("Bộ Thông tin và Truyền thông Bộ Khoa học và Công nghệ").
The directory knows the agency's own names, and the usual public bodies (data/bodies.yaml) guide
it where the agency's do not reach: a cell is read by always taking the longest known name
first. A name nobody knows is read by its form: a new unit ("Thanh tra Sở"), a group the
coordinator maps later ("Các cơ quan Đảng"), or words that name no unit (a fragment cut off).
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

from plan_import.bodies import Collective, KnownBodies, KnownBody
from plan_import.text import clean_cell, fold, loose, quote, slug
from plan_import.yaml_input import describe_problems, load_yaml_text

# The directory the product ships with (the `units_file` setting's default).
BUNDLED_UNITS_FILE = Path(__file__).resolve().parent.parent / "data" / "units.yaml"

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


@dataclass(frozen=True)
class NewName:
    """A name the directory did not know, read from a cell: a unit to add, or a group kept as
    itself until the coordinator maps it (`to_be_named`: which units depends on the task)."""

    kind: Literal["unit", "group"]
    code: str
    name: str
    written: str
    to_be_named: bool = False
    # How it was recognised: "usual body" (data/bodies.yaml) or "form" (its words alone).
    known_as: Literal["usual body", "form"] = "form"
    # Every name the usual body goes by, so that each reads as the same new unit.
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class CellPart:
    """One name found in a cell, as written, and what it means."""

    text: str
    unit: UnitEntry | None = None
    group: UnitGroup | None = None
    unknown: UnknownUnit | None = None
    # A name to add to the directory (a first reading; the importer adds it and reads again).
    new: NewName | None = None
    # Words that name no unit ("Bộ" cut off at the end of a cell, "nghiệp và phát triển").
    names_no_unit: bool = False
    # Read only with its separators counted alike ("Bộ Khoa học, Công nghệ").
    loosely: bool = False
    # A collective that introduces the names after it ("các địa phương Bắc Ninh, An Giang").
    introduces: bool = False


@dataclass(frozen=True)
class CellUnits:
    """What one cell of the appendix names."""

    parts: tuple[CellPart, ...] = ()

    @property
    def named(self) -> list[str]:
        """Units named one by one, and groups reminded as themselves, in the cell's order."""
        codes: list[str] = []
        for part in self.parts:
            if part.unit is not None:
                codes.append(part.unit.code)
            elif part.group is not None and part.group.unmapped:
                codes.append(part.group.code)
        return _unique(codes)

    @property
    def expanded(self) -> list[str]:
        """Units that the cell's groups stand for."""
        return _unique(code for p in self.parts if p.group is not None for code in p.group.members)

    @property
    def to_be_named(self) -> list[str]:
        """Phrases kept as written for the coordinator to fill."""
        return [p.text for p in self.parts if p.group is not None and p.group.to_be_named]

    @property
    def to_be_named_groups(self) -> list[str]:
        """The codes of those phrases' groups (a lead still to be named is reminded as one)."""
        return _unique(
            p.group.code for p in self.parts if p.group is not None and p.group.to_be_named
        )

    @property
    def unknown(self) -> list[UnknownUnit]:
        return [p.unknown for p in self.parts if p.unknown is not None]

    @property
    def new(self) -> list[NewName]:
        return [p.new for p in self.parts if p.new is not None]

    @property
    def no_unit(self) -> list[str]:
        return [p.text for p in self.parts if p.names_no_unit]

    @property
    def codes(self) -> list[str]:
        return _unique([*self.named, *self.expanded])


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


# Words that start a body's name, or name kinds of bodies: alone, they name none ("Bộ" cut off at
# the end of a cell).
_BODY_WORDS = (
    "bo", "so", "ban", "phong", "ubnd", "uy ban", "hdnd", "hoi dong", "van phong", "trung tam",
    "vien", "cuc", "chi cuc", "tong cuc", "thanh tra", "dai", "bao", "tap doan", "tong cong ty",
    "cong ty", "ngan hang", "bao hiem", "kho bac", "cong an", "toa an", "truong", "benh vien",
    "hoi", "lien doan", "doan", "mat tran", "quy", "hoc vien", "dai hoc", "cac", "nhung",
    "co quan", "don vi", "dia phuong",
)  # fmt: skip
# Words that make a collective depend on the task: "Các cơ quan có liên quan", "Địa phương
# được lựa chọn", "một số tỉnh đủ điều kiện", "Các bộ, ngành là chủ quản CSDLQG".
_QUALIFIERS = re.compile(
    r"\b(?:lien quan|lua chon|mot so|du dieu kien|la chu quan|duoc giao|phu hop)\b"
)
_PLURAL_START = re.compile(r"^(?:cac|nhung|mot so)\b")
_CELL_TOKEN = re.compile(r"[,;\n]|[^\s,;]+")
_WORD_SEPARATORS = {"va", "&", "+"}
# A code made from a long name is cut at a word boundary near this length.
_CODE_LENGTH = 40


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    separator: bool


Entry = UnitEntry | UnitGroup | KnownBody | Collective


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
    _by_code: dict[str, UnitEntry] = field(init=False, repr=False)
    _by_name: dict[str, UnitEntry | UnitGroup] = field(init=False, repr=False)
    _by_loose: dict[str, UnitEntry | UnitGroup] = field(init=False, repr=False)
    _longest: int = field(init=False, repr=False)

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
        self._longest = max((len(_tokens(name)) for name in names), default=1) + 2
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
        """Every name in a cell, longest known name first; never raises.

        A name close to one of the agency's own units ("Phòng CCHC" for "Phòng CCHC-VTLT") is
        unknown (an error the coordinator corrects) unless `accept_new_units`; any other name
        nobody knows is read by its form (`NewName`, or words that name no unit).
        """
        text = clean_cell(text)
        if not text:
            return CellUnits()
        tokens = _tokens(text)
        parts: list[CellPart] = []
        i = 0
        while i < len(tokens):
            if tokens[i].separator:
                i += 1
                continue
            match = self._match_at(text, tokens, i)
            if match is not None:
                end, entry, loosely, introduces = match
                written = text[tokens[i].start : tokens[end].end]
                parts.append(self._known_part(written, entry, loosely, introduces))
                i = end + 1
                continue
            # A known name that runs on into lower-case words is the start of a longer one.
            longest = next(iter(self._candidates(text, tokens, i)), None)
            end = self._unknown_run(text, tokens, longest[0] if longest else i)
            written = text[tokens[i].start : tokens[end].end]
            spans_separator = any(t.separator for t in tokens[i : end + 1])
            parts.append(self._unknown_part(written, spans_separator, accept_new_units))
            i = end + 1
        return CellUnits(tuple(parts))

    def _lookup(self, written: str) -> tuple[Entry, bool] | None:
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

    def _candidates(
        self, text: str, tokens: list[_Token], i: int
    ) -> Iterable[tuple[int, Entry, bool]]:
        """Known names starting at token `i`, longest first."""
        last = min(len(tokens) - 1, i + self._longest)
        for end in range(last, i - 1, -1):
            if tokens[end].separator:
                continue
            found = self._lookup(text[tokens[i].start : tokens[end].end])
            if found is not None:
                yield end, found[0], found[1]

    def _starts_name(self, text: str, tokens: list[_Token], i: int) -> bool:
        return next(iter(self._candidates(text, tokens, i)), None) is not None

    def _match_at(
        self, text: str, tokens: list[_Token], i: int
    ) -> tuple[int, Entry, bool, bool] | None:
        """(last token, entry, loosely, introduces) of the longest known name at token `i` that
        the cell lets end there: before a separator, the cell's end, or another name glued on
        ("… Truyền thông Bộ Khoa học …"). A name that runs on into lower-case words ("Các bộ,
        ngành, địa phương là chủ quản …") is not that name: nothing shorter is taken either."""
        for end, entry, loosely in self._candidates(text, tokens, i):
            following = end + 1
            if following >= len(tokens) or tokens[following].separator:
                return end, entry, loosely, False
            word = text[tokens[following].start : tokens[following].end]
            collective = isinstance(entry, Collective) or (
                isinstance(entry, UnitGroup) and not entry.members
            )
            if collective and word[:1].isupper():
                # "các địa phương Bắc Ninh, Bình Dương": the names that follow are the members.
                return end, entry, loosely, True
            if word[:1].isupper() and self._starts_name(text, tokens, following):
                return end, entry, loosely, False
            return None
        return None

    def _unknown_run(self, text: str, tokens: list[_Token], i: int) -> int:
        """The last token of a name nobody knows that starts at token `i`: it runs on over words
        and over separators followed by lower-case words ("Phòng Kế hoạch, tài chính"), and stops
        before a separator followed by a capital or a known name, or a known name glued on."""
        end = i
        while end + 1 < len(tokens):
            following = end + 1
            if tokens[following].separator:
                k = following
                while k < len(tokens) and tokens[k].separator:
                    k += 1
                if k >= len(tokens):
                    break
                word = text[tokens[k].start : tokens[k].end]
                if self._starts_name(text, tokens, k):
                    break
                qualified = _QUALIFIERS.search(fold(text[tokens[i].start : tokens[end].end]))
                # "… là chủ quản CSDLQG, CSDL chuyên ngành": the qualifier's own list goes on.
                if word[:1].isupper() and not (qualified and fold(word) not in _BODY_WORDS):
                    break
                end = k
                continue
            word = text[tokens[following].start : tokens[following].end]
            if word[:1].isupper() and self._starts_name(text, tokens, following):
                break
            end = following
        return end

    def _known_part(self, written: str, entry: Entry, loosely: bool, introduces: bool) -> CellPart:
        if introduces:
            return CellPart(written, introduces=True)
        if isinstance(entry, UnitEntry):
            return CellPart(written, unit=entry, loosely=loosely)
        if isinstance(entry, UnitGroup):
            return CellPart(written, group=entry, loosely=loosely)
        kind: Literal["unit", "group"] = "unit" if isinstance(entry, KnownBody) else "group"
        new = NewName(
            kind,
            self._code_for(entry.code),
            entry.name,
            written,
            isinstance(entry, Collective) and entry.to_be_named,
            "usual body",
            entry.aliases,
        )
        return CellPart(written, new=new, loosely=loosely)

    def _unknown_part(
        self, written: str, spans_separator: bool, accept_new_units: bool
    ) -> CellPart:
        folded = fold(written)
        if not re.search(r"[a-z]", folded):
            return CellPart(written, names_no_unit=True)
        if not self.generated and not accept_new_units:
            close = self._close_names(written)
            if close:
                return CellPart(written, unknown=UnknownUnit(written, close))
        collective_start = self.known is not None and any(
            folded.startswith(fold(name) + " ") for c in self.known.collectives for name in c.names
        )
        if _PLURAL_START.match(folded) or collective_start:
            to_be_named = bool(_QUALIFIERS.search(folded)) or collective_start
            return CellPart(
                written,
                new=NewName("group", self._code_for(slug(written)), written, written, to_be_named),
            )
        if written[:1].islower() or folded in _BODY_WORDS:
            return CellPart(written, names_no_unit=True)
        words = written.split()
        if spans_separator and all(w[:1].islower() for w in words[1:] if w not in {",", ";"}):
            # "Tập đoàn, doanh nghiệp công nghệ số": kinds of bodies, no body's name.
            return CellPart(
                written,
                new=NewName(
                    "group",
                    self._code_for(slug(written)),
                    written,
                    written,
                    bool(_QUALIFIERS.search(folded)),
                ),
            )
        return CellPart(
            written, new=NewName("unit", self._code_for(slug(written)), written, written)
        )

    def _close_names(self, phrase: str) -> list[str]:
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

    def _code_for(self, base: str) -> str:
        base = _short_code(base)
        return f"{self.agency.code}-{base}" if self.generated else base

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
                "unit", self._code_for(slug(name) or "don-vi"), clean_cell(name), clean_cell(name)
            )
            for name in names
        )
        return extended, [entry for entry in added if isinstance(entry, UnitEntry)]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _CELL_TOKEN.finditer(text):
        word = match.group()
        separator = word in {",", ";", "\n"} or fold(word) in _WORD_SEPARATORS
        tokens.append(_Token(match.start(), match.end(), separator))
    return tokens


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

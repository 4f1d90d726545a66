"""Reading one cell of the appendix into the units it names: the longest known name first
(the agency's own, then the usual bodies'), names glued without a separator split, a
collective that introduces the names after it, and names nobody knows read by their form."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from plan_import.bodies import Collective, KnownBody
from plan_import.text import clean_cell, fold, slug
from plan_import.unit_entries import UnitEntry, UnitGroup, UnknownUnit

if TYPE_CHECKING:
    from plan_import.units import UnitDirectory


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
    # A clause after a name ("… với các tiêu chuẩn, quy chuẩn …"): no unit, cut off.
    clause: bool = False


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
        return unique(codes)

    @property
    def expanded(self) -> list[str]:
        """Units that the cell's groups stand for."""
        return unique(code for p in self.parts if p.group is not None for code in p.group.members)

    @property
    def to_be_named(self) -> list[str]:
        """Phrases kept as written for the coordinator to fill."""
        return [p.text for p in self.parts if p.group is not None and p.group.to_be_named]

    @property
    def to_be_named_groups(self) -> list[str]:
        """The codes of those phrases' groups (a lead still to be named is reminded as one)."""
        return unique(
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
    def clauses(self) -> list[str]:
        """Clauses cut off after a name, as written."""
        return [p.text for p in self.parts if p.clause]

    @property
    def codes(self) -> list[str]:
        return unique([*self.named, *self.expanded])


def unique(codes: Iterable[str]) -> list[str]:
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
# Bodies named by their kind alone, whose members depend on the task with a qualifier: "Cơ quan
# liên quan", "đơn vị có liên quan", "Địa phương được lựa chọn".
_GENERIC_START = re.compile(
    r"^(?:co quan|don vi|dia phuong|bo|nganh|to chuc|doanh nghiep|ca nhan|so|ban)\b"
)
# A list of bodies of one kind after a colon: "Các Cục: Báo chí; Xuất bản, In và Phát hành",
# "các đơn vị: Văn phòng, Vụ Pháp chế". Each item is a body; the kind, but for "đơn vị",
# starts its name.
_KIND_LIST = re.compile(
    r"\b(?:các|những)\s+(tổng cục|chi cục|cục|vụ|đơn vị|sở|phòng|ban|viện|trung tâm)\s*:\s*",
    re.IGNORECASE,
)
# Words that start a clause after a unit's name, not a name: "… với các tiêu chuẩn …".
_CLAUSE_WORDS = {
    ("voi",), ("de",), ("nham",), ("dam", "bao"), ("bao", "dam"), ("phu", "hop"),
    ("tren", "co", "so"), ("thong", "qua"), ("gan", "voi"),
}  # fmt: skip
_CELL_TOKEN = re.compile(r"[,;\n]|[^\s,;]+")
_WORD_SEPARATORS = {"va", "&", "+"}


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    separator: bool


Entry = UnitEntry | UnitGroup | KnownBody | Collective


class CellReader:
    """Reads cells with a directory's names, and the usual bodies it knows."""

    def __init__(self, directory: UnitDirectory) -> None:
        self.directory = directory

    def read(self, text: str, *, accept_new_units: bool = False) -> CellUnits:
        """Every name in a cell, longest known name first; never raises.

        A name close to one of the agency's own units ("Phòng CCHC" for "Phòng CCHC-VTLT") is
        unknown (an error the coordinator corrects) unless `accept_new_units`; any other name
        nobody knows is read by its form (`NewName`, or words that name no unit).
        """
        text = clean_cell(text)
        if not text:
            return CellUnits()
        listed = _KIND_LIST.search(text)
        if listed is not None:
            head = text[: listed.start()].rstrip(" (:")
            before = self.read(head, accept_new_units=accept_new_units)
            items = self._kind_list(listed.group(1), text[listed.end() :], accept_new_units)
            return CellUnits((*before.parts, *items))
        tokens = tokens_of(text)
        parts: list[CellPart] = []
        i = 0
        while i < len(tokens):
            if tokens[i].separator:
                i += 1
                continue
            if parts and _clause_at(text, tokens, i):
                # The clause runs on to the next ";" (its own list may have commas).
                end = next(
                    (k - 1 for k in range(i, len(tokens)) if text[tokens[k].start] in ";\n"),
                    len(tokens) - 1,
                )
                parts.append(CellPart(text[tokens[i].start : tokens[end].end], clause=True))
                i = end + 1
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

    def _kind_list(self, kind: str, items: str, accept_new_units: bool) -> list[CellPart]:
        """One body per item of a list after "Các Cục:": parted by ";" where the list has them
        (an item's own name may hold commas: "Xuất bản, In và Phát hành"), else by ","."""
        separator = ";" if ";" in items else ","
        parts: list[CellPart] = []
        for item in items.split(separator):
            item = item.strip(" .;,()")
            if not item:
                continue
            if fold(kind) == "don vi":
                parts.extend(self.read(item, accept_new_units=accept_new_units).parts)
                continue
            own_kind = fold(item).startswith(fold(kind) + " ")
            name = item if own_kind else f"{kind.capitalize()} {item}"
            found = self.directory.lookup(name)
            if found is not None:
                parts.append(self._known_part(name, found[0], found[1], False))
            else:
                parts.append(self._unknown_part(name, False, accept_new_units))
        return parts

    def _candidates(
        self, text: str, tokens: list[_Token], i: int
    ) -> Iterable[tuple[int, Entry, bool]]:
        """Known names starting at token `i`, longest first."""
        last = min(len(tokens) - 1, i + self.directory.longest_name)
        for end in range(last, i - 1, -1):
            if tokens[end].separator:
                continue
            found = self.directory.lookup(text[tokens[i].start : tokens[end].end])
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
            if _clause_at(text, tokens, following):
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
                if text[tokens[following].start] in ";\n":
                    break  # ";" parts the cell's names, always
                k = following
                while k < len(tokens) and tokens[k].separator:
                    k += 1
                if k >= len(tokens):
                    break
                word = text[tokens[k].start : tokens[k].end]
                if self._starts_name(text, tokens, k):
                    break  # a name the directory or the usual bodies know starts there
                qualified = _QUALIFIERS.search(fold(text[tokens[i].start : tokens[end].end]))
                only_and = all(
                    fold(text[t.start : t.end]) in _WORD_SEPARATORS for t in tokens[following:k]
                )
                # "Hội Khoa học và Kỹ thuật": "và" parts two bodies only where a known name or
                # a body's kind follows ("… và Lãnh đạo Sở", "… và Công an tỉnh").
                if only_and and word[:1].isupper() and not _starts_body(text, tokens, k):
                    end = k
                    continue
                # "… là chủ quản CSDLQG, CSDL chuyên ngành": the qualifier's own list goes on.
                if word[:1].isupper() and not (qualified and fold(word) not in _BODY_WORDS):
                    break
                end = k
                continue
            if _clause_at(text, tokens, following):
                break
            word = text[tokens[following].start : tokens[following].end]
            # "Ban Cơ yếu Chính phủ": a known name glued on ends this one unless it is a body
            # of its own kind ("… Truyền thông Bộ Khoa học …").
            if (
                word[:1].isupper()
                and self._starts_name(text, tokens, following)
                and _starts_body(text, tokens, following)
            ):
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
            self.directory.code_for(entry.code),
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
        if _GENERIC_START.match(folded) and _QUALIFIERS.search(folded):
            # "Cơ quan liên quan": a group with no one to remind until the coordinator names it.
            return CellPart(
                written,
                new=NewName(
                    "group", self.directory.code_for(slug(written)), written, written, True
                ),
            )
        if not self.directory.generated and not accept_new_units:
            close = self.directory.close_names(written)
            if close:
                return CellPart(written, unknown=UnknownUnit(written, close))
        collective_start = self.directory.known is not None and any(
            folded.startswith(fold(name) + " ")
            for c in self.directory.known.collectives
            for name in c.names
        )
        if _PLURAL_START.match(folded) or collective_start:
            to_be_named = bool(_QUALIFIERS.search(folded)) or collective_start
            return CellPart(
                written,
                new=NewName(
                    "group", self.directory.code_for(slug(written)), written, written, to_be_named
                ),
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
                    self.directory.code_for(slug(written)),
                    written,
                    written,
                    bool(_QUALIFIERS.search(folded)),
                ),
            )
        return CellPart(
            written, new=NewName("unit", self.directory.code_for(slug(written)), written, written)
        )


def _words_at(text: str, tokens: list[_Token], i: int, count: int) -> tuple[str, ...]:
    return tuple(fold(text[t.start : t.end]) for t in tokens[i : i + count])


def _clause_at(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether a clause starts at token `i` ("với các tiêu chuẩn …"), in lower case."""
    if i >= len(tokens) or tokens[i].separator or not text[tokens[i].start].islower():
        return False
    return any(_words_at(text, tokens, i, len(words)) == words for words in _CLAUSE_WORDS)


def _starts_body(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether the words at token `i` begin a body's name by its kind ("Bộ", "Sở", "Ủy ban",
    "UBND", "Công an") or a short form in capitals ("VTV")."""
    word = text[tokens[i].start : tokens[i].end]
    if len(word) > 1 and word.isupper():
        return True
    return any(" ".join(_words_at(text, tokens, i, n)) in _BODY_WORDS for n in (1, 2, 3))


def tokens_of(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _CELL_TOKEN.finditer(text):
        word = match.group()
        separator = word in {",", ";", "\n"} or fold(word) in _WORD_SEPARATORS
        tokens.append(_Token(match.start(), match.end(), separator))
    return tokens

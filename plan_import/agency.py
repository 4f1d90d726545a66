"""The agency a plan belongs to: the one its document names, in the letterhead ("UBND TỈNH
BÌNH ĐỊNH / SỞ NỘI VỤ") and in the appendix heading ("Kèm theo Kế hoạch số … của Sở Nội vụ tỉnh
Bình Định"), and the unit directory it is read with: the agency's own when one is configured,
else a new directory the import records its units in for the coordinator to confirm."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from deadlines.folding import fold as fold_in_place
from deadlines.folding import tidy
from plan_import.bodies import KnownBodies, KnownBody
from plan_import.header import PlanHeader
from plan_import.model import ReportEntry
from plan_import.text import fold, quote, slug
from plan_import.units import (
    AgencyEntry,
    UnitDirectory,
    UnitDirectoryError,
    UnitEntry,
    UnknownUnit,
    load_unit_directory,
)
from shipped import DATA_DIR

# Where the directories of agencies other than the bundled one live, one file each, in the
# format of data/units.yaml.
BUNDLED_AGENCIES_DIR = DATA_DIR / "agencies"

# The words that name a place's level, as documents write them after a body's name.
_LEVELS = ("thanh pho", "thi xa", "tinh", "huyen", "quan", "xa", "phuong", "tp")
_LEVEL_NAMES = {
    "thanh pho": "thành phố",
    "thi xa": "thị xã",
    "tinh": "tỉnh",
    "huyen": "huyện",
    "quan": "quận",
    "xa": "xã",
    "phuong": "phường",
    "tp": "thành phố",
}


@dataclass(frozen=True)
class NamedAgency:
    """An agency as a document names it: "Sở Nội vụ tỉnh Bình Định" (snv-binh-dinh)."""

    name: str
    code: str
    # Where the document names it, and how it writes it.
    where: str
    written: str
    body: KnownBody | None = None


def named_agency(header: PlanHeader, known: KnownBodies) -> NamedAgency | None:
    """The agency the document names: the appendix heading's "… của <agency>" when it names the
    agency in full (with its province, or a national body), else the letterhead's issuer with the
    province of the body above it, else whatever of the two there is."""
    attached = (
        _read_name(header.attached_of, header.attached_where, known) if header.attached_of else None
    )
    letterhead = None
    if header.letterhead:
        where = header.letterhead[-1][0]
        text = " ".join(line for _, line in header.letterhead)
        letterhead = _read_name(text, where, known)
    if attached is not None and (
        attached.code != (attached.body.code if attached.body else "")
        or (attached.body is not None and attached.body.level == "central")
    ):
        return attached
    return letterhead or attached


def _read_name(text: str, where: str, known: KnownBodies) -> NamedAgency | None:
    written = tidy(text)
    if not written:
        return None
    folded = fold_in_place(written)
    found: list[tuple[int, int, KnownBody]] = []
    for body in known.bodies:
        for name in body.names:
            key = fold_in_place(tidy(name))
            for match in re.finditer(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", folded):
                found.append((match.start(), match.end(), body))
    # A name inside a longer one found at the same place ("Bộ Nội vụ" in "Văn phòng Bộ Nội vụ").
    found = [
        f
        for f in found
        if not any(o[0] <= f[0] and f[1] <= o[1] and (o[1] - o[0]) > (f[1] - f[0]) for o in found)
    ]
    found = sorted({(start, end): (start, end, body) for start, end, body in found}.values())
    if not found:
        name = written if not written.isupper() else written[:1] + written[1:].lower()
        return NamedAgency(name=name, code=slug(name)[:40].strip("-"), where=where, written=written)
    start, end, body = found[-1]
    after = written[end:].strip(" ,-")
    place = _place(after, level=_level_of(body))
    if place is None and len(found) > 1:
        parent_end = found[-2][1]
        between = written[parent_end:start].strip(" ,-")
        place = _place(between, level=_level_of(found[-2][2]))
    level, proper = place if place is not None else ("", "")
    if proper:
        own_level = _level_of(body)
        name = f"{body.name} {proper}" if own_level else f"{body.name} {level} {proper}"
        code = f"{body.code}-{slug(proper)}"
    else:
        name, code = body.name, body.code
    return NamedAgency(name=name, code=code, where=where, written=written, body=body)


def _level_of(body: KnownBody) -> str:
    """The place level a body's name ends with ("UBND tỉnh" -> "tinh"), or ""."""
    folded = fold(body.name)
    return next((lv for lv in _LEVELS if folded.endswith(" " + lv)), "")


def _place(text: str, level: str = "") -> tuple[str, str] | None:
    """("tỉnh", "Bình Định") from "tỉnh Bình Định", "TỈNH BÌNH ĐỊNH", or "BÌNH ĐỊNH" after a
    body whose name holds the level ("UBND TỈNH")."""
    words = text.split()
    if not words:
        return None
    folded = fold(text)
    found = next((lv for lv in _LEVELS if folded == lv or folded.startswith(lv + " ")), "")
    if found:
        words = words[len(found.split()) :]
        if words and words[0] in {".", ":"}:
            words = words[1:]
        level = found
    elif not level:
        return None
    if not words or len(words) > 5:
        return None
    proper = " ".join(w if not w.isupper() else w[:1] + w[1:].lower() for w in words)
    return _LEVEL_NAMES.get(level, level), proper.strip(" .,")


# ----------------------------------------------------------------------------- the directory


def load_agency_directories(folder: Path, known: KnownBodies | None = None) -> list[UnitDirectory]:
    """Every configured agency's directory in `folder` (none when it does not exist)."""
    if not folder.is_dir():
        return []
    directories = []
    for path in sorted(folder.glob("*.yaml")):
        # Made again, not changed in place: how far a cell's names are looked for is worked
        # out on construction, from the usual bodies' names too ("Bộ Văn hóa, Thể thao và Du
        # lịch" was cut at its comma in a configured agency's plan).
        directory = replace(load_unit_directory(path), known=known, prefix_new_units=True)
        directories.append(directory)
    return directories


def check_codes_apart(directories: Sequence[UnitDirectory]) -> None:
    """Refuses two agencies' directories that give one unit or group code to a unit each: a
    code is one unit in the whole deployment (the contacts file, the units' links, the
    notification log and the running tasks name units by code alone), so a second agency's
    "Văn phòng Sở" needs a code of its own, e.g. its agency's code before it."""
    owners: dict[str, UnitDirectory] = {}
    for directory in directories:
        codes = [*(u.code for u in directory.units), *(g.code for g in directory.groups)]
        for code in dict.fromkeys(codes):
            first = owners.setdefault(code, directory)
            if first is directory:
                continue
            raise UnitDirectoryError(
                f"{_where(directory)}: unit code {code!r} is already {first.agency.name}'s "
                f"({first.agency.code}, {_where(first)}); a unit code names one unit in the "
                f"whole deployment: give {directory.agency.name}'s its own, e.g. "
                f"'{directory.agency.code}-{code}' (data/agencies/README.md)"
            )


def _where(directory: UnitDirectory) -> str:
    return str(directory.source) if directory.source else f"{directory.agency.code}'s directory"


def directory_for(
    named: NamedAgency | None,
    configured: Sequence[UnitDirectory],
    known: KnownBodies,
    report: list[ReportEntry],
) -> UnitDirectory:
    """The directory of the agency the document names: its configured one, or a new one. A
    document that names no agency is read as a plan of the first configured agency."""
    if named is None:
        home = configured[0]
        report.append(
            ReportEntry(
                "warning",
                "preamble",
                f"the document names no agency (no letterhead, no “Kèm theo … của …”): read as "
                f"a plan of {home.agency.name}, the agency of the unit directory",
            )
        )
        return home
    for directory in configured:
        agency = directory.agency
        names = {fold(n) for n in (agency.name, *agency.aliases)}
        if agency.code == named.code or fold(named.name) in names:
            return directory
    directory = UnitDirectory(
        agency=AgencyEntry(
            code=named.code,
            name=named.name,
            aliases=tuple(
                dict.fromkeys(a for a in (named.written,) if fold(a) != fold(named.name))
            ),
        ),
        units=[],
        known=known,
        generated=True,
    )
    report.append(
        ReportEntry(
            "warning",
            named.where,
            f"{quote(named.name)} ({named.code}) is an agency with no unit directory of its own: "
            "its units are recorded as new, each listed below for the coordinator to confirm; "
            f"its coordinator and leadership are to be configured "
            f"(data/agencies/{named.code}.yaml, in the form of data/units.yaml)",
        )
    )
    return directory


@dataclass(frozen=True)
class AgencyDirectories:
    """Every configured agency's unit directory, the bundled agency's (`home`) first: who a code
    or a name means whatever plan it comes from, and which agency's coordinator and leadership
    a plan's escalations and alerts reach (`of_agency`). A name two agencies use ("Văn phòng
    Sở") means the home agency's unit; a unit code means one unit (`check_codes_apart`; the
    database keeps each code to one agency)."""

    home: UnitDirectory
    others: tuple[UnitDirectory, ...] = ()

    @property
    def all(self) -> tuple[UnitDirectory, ...]:
        return (self.home, *self.others)

    def of_agency(self, code: str) -> UnitDirectory:
        """The agency's own directory; the home one for an agency none is configured for."""
        return next((d for d in self.all if d.agency.code == code), self.home)

    @property
    def coordinator(self) -> str:
        return self.home.coordinator

    @property
    def leadership(self) -> str:
        return self.home.leadership

    def get(self, code: str) -> UnitEntry:
        return self._first(lambda directory: directory.get(code))

    def find(self, name_or_alias: str) -> UnitEntry:
        return self._first(lambda directory: directory.find(name_or_alias))

    def _first(self, look: Callable[[UnitDirectory], UnitEntry]) -> UnitEntry:
        """The home directory's answer, else the first other's that knows; the home one's
        refusal (with its suggestions) when none does."""
        try:
            return look(self.home)
        except UnknownUnit as unknown:
            for directory in self.others:
                with contextlib.suppress(UnknownUnit):
                    return look(directory)
            raise unknown from None


def agency_directories(units_file: Path, agencies_dir: Path) -> AgencyDirectories:
    """The bundled agency's directory (`units_file`) and every other in `agencies_dir`."""
    home = load_unit_directory(units_file)
    others = [d for d in load_agency_directories(agencies_dir) if d.agency.code != home.agency.code]
    check_codes_apart([home, *others])
    return AgencyDirectories(home, tuple(others))

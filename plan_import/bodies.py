"""The usual public bodies (data/bodies.yaml): ministries, the provinces' sở, ban, ngành, the
committees of each level, before and after the 2025 reorganisation, and the collective phrases
that name several at once. They guide where a cell's names begin and end, tell which agency a
document's header names, and give a new agency's units their names and codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from plan_import.text import clean_cell, fold, loose
from shipped import DATA_DIR
from yaml_input import describe_problems, load_yaml_text

BUNDLED_BODIES_FILE = DATA_DIR / "bodies.yaml"

Level = Literal["central", "province", "district", "commune"]


class BodiesFileError(ValueError):
    """The file of usual bodies is wrong; the message names the file, the entry and the field."""


def _text(value: str) -> str:
    cleaned = clean_cell(value)
    if not cleaned:
        raise ValueError("must be a non-empty text")
    return cleaned


def _empty_if_null(value: object) -> object:
    return () if value is None else value


Text = Annotated[str, AfterValidator(_text)]
Names = Annotated[tuple[Text, ...], BeforeValidator(_empty_if_null)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Text
    name: Text
    aliases: Names = ()
    # ISO days, kept as text: when the body began and ended (the 2025 reorganisation).
    since: str = ""
    until: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class KnownBody(_Entry):
    level: Level
    merged_into: str = ""


class Collective(_Entry):
    """A phrase naming several bodies at once; `to_be_named`: which ones depends on the task."""

    to_be_named: bool = False


class _BodiesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bodies: list[KnownBody]
    collectives: list[Collective] = []


@dataclass(frozen=True)
class KnownBodies:
    bodies: tuple[KnownBody, ...] = ()
    collectives: tuple[Collective, ...] = ()
    _by_name: dict[str, KnownBody | Collective] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _by_loose: dict[str, KnownBody | Collective] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        entries: list[KnownBody | Collective] = [*self.bodies, *self.collectives]
        for entry in entries:
            for name in entry.names:
                self._by_name.setdefault(fold(name), entry)
                self._by_loose.setdefault(loose(name), entry)

    def find(self, name: str) -> KnownBody | Collective | None:
        """The body or collective a name is written for: exactly (accents, case and spacing
        aside), or with its separators written otherwise ("Bộ Khoa học, Công nghệ")."""
        return self.exactly(name) or self.loosely(name)

    def exactly(self, name: str) -> KnownBody | Collective | None:
        return self._by_name.get(fold(name))

    def loosely(self, name: str) -> KnownBody | Collective | None:
        return self._by_loose.get(loose(name))

    def body(self, code: str) -> KnownBody | None:
        return next((b for b in self.bodies if b.code == code), None)


def load_known_bodies(path: Path = BUNDLED_BODIES_FILE) -> KnownBodies:
    try:
        document = load_yaml_text(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BodiesFileError(f"{path}: cannot read the usual bodies ({error})") from error
    except yaml.YAMLError as error:
        raise BodiesFileError(f"{path}: not valid YAML ({error})") from error
    try:
        written = _BodiesFile.model_validate(document)
    except ValidationError as error:
        raise BodiesFileError(describe_problems(error, str(path))) from None
    codes = [entry.code for entry in [*written.bodies, *written.collectives]]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise BodiesFileError(f"{path}: code(s) used twice: {', '.join(twice)}")
    return KnownBodies(tuple(written.bodies), tuple(written.collectives))

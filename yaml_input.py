"""The YAML files people write by hand (the unit directory, a simulation's scenario): read with
every scalar kept as text, so that a pydantic model decides what each value is, and refused
with messages that name the file, the entry and the field at fault.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from pydantic import ValidationError


class _TextLoader(yaml.SafeLoader):
    """YAML 1.1 reads `no`, `on` as booleans, 2023-03-10 as a date and 14:30 as 870: here every
    scalar but null stays the text it is written as."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_text(text: str) -> object:
    """The document, scalars as text; raises yaml.YAMLError when it is not YAML."""
    return yaml.load(text, Loader=_TextLoader)


def _segments(loc: Sequence[int | str]) -> list[str]:
    """("units", 3, "role") -> ["units[4]", "role"]: entries counted from 1, as people do."""
    segments: list[str] = []
    for part in loc:
        if isinstance(part, int) and segments:
            segments[-1] += f"[{part + 1}]"
        else:
            segments.append(str(part))
    return segments


def describe_problems(error: ValidationError, where: str, most: int = 5) -> str:
    """The first few problems, each as "where: entry: field what is wrong".

    The models' own validators raise ValueError with a phrase that follows the field's name
    ("'C D' must be lowercase …"); pydantic's complaints are quoted with the value at fault.
    """
    problems: list[str] = []
    unknown: dict[str, list[str]] = {}
    for problem in error.errors():
        loc = problem["loc"]
        segments = _segments(loc)
        # ("units", 3) is an entry; ("units", 3, "role") and ("units", 3, "aliases", 0) a field.
        names_a_field = bool(loc) and (isinstance(loc[-1], str) or len(segments) > 1)
        field = segments.pop() if names_a_field else ""
        place = ": ".join([where, *segments])
        kind = problem["type"]
        if kind == "extra_forbidden":
            unknown.setdefault(place, []).append(field)
            continue
        if kind == "value_error":
            said = str(problem["ctx"]["error"])
            text = f"{field} {said}" if field else said
        elif kind == "missing":
            text = f"`{field}` is missing"
        elif field:
            text = f"{field} {problem['input']!r}: {problem['msg']}"
        else:
            text = problem["msg"]
        problems.append(f"{place}: {text}")
    problems.extend(
        f"{place}: unknown field(s) {', '.join(fields)}" for place, fields in unknown.items()
    )
    shown = "; ".join(problems[:most])
    if len(problems) > most:
        shown += f"; and {len(problems) - most} more"
    return shown

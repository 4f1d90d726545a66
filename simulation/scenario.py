"""A scenario: what people do on given days of a simulated plan (YAML).

- on: 2023-03-10            # the day; it happens at 09:00 Vietnam time unless `at` says
  at: "14:30"
  event: ubnd-tinh-ban-hanh # an event key (see `scheduler.py preview`)
  decision: "Quyết định số 123/QĐ-UBND"
  due: 2023-05-31           # when the event itself sets the deadline
- on: 2023-02-20
  evidence: {task: I.1, milestone: "1", by: cchc-vtlt, document: "Kế hoạch số 45/KH-SNV"}
- on: 2023-04-03
  extend: {task: V.5, milestone: "1", until: 2023-05-15, reason: "...", by: cchc-vtlt}
- on: 2023-06-01
  cancel: {task: II.4, reason: "...", by: cchc-vtlt}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from deadlines.local_time import local_instant

ACTIONS = ("event", "evidence", "extend", "cancel", "carry_over")
DEFAULT_TIME = time(9, 0)


class ScenarioError(ValueError):
    pass


class _ScenarioLoader(yaml.SafeLoader):
    """YAML without YAML 1.1's surprises: `on` stays a word, dates stay text until checked."""


_ScenarioLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class ScenarioStep:
    at: datetime
    action: str
    fields: dict[str, Any] = field(default_factory=dict)
    place: str = ""


def _day(value: object, where: str, name: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ScenarioError(f"{where}: {name} {value!r} is not a date (YYYY-MM-DD)") from error


def parse_scenario(text: str, *, source: str = "scenario") -> list[ScenarioStep]:
    try:
        raw = yaml.load(text, Loader=_ScenarioLoader) or []
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(raw, list):
        raise ScenarioError(f"{source}: expected a list of steps, got {type(raw).__name__}")
    steps: list[ScenarioStep] = []
    for index, item in enumerate(raw, start=1):
        where = f"{source}, step {index}"
        if not isinstance(item, dict) or "on" not in item:
            raise ScenarioError(f"{where}: each step needs `on: YYYY-MM-DD`")
        day = _day(item["on"], where, "on")
        clock = DEFAULT_TIME
        if "at" in item:
            try:
                clock = time.fromisoformat(str(item["at"]))
            except ValueError as error:
                raise ScenarioError(f"{where}: at {item['at']!r} is not HH:MM") from error
        actions = [name for name in ACTIONS if name in item]
        if len(actions) != 1:
            raise ScenarioError(f"{where}: say exactly one of {', '.join(ACTIONS)}")
        action = actions[0]
        fields: dict[str, Any]
        if action == "event":
            fields = {"key": str(item["event"])}
            for name in ("decision",):
                if name in item:
                    fields[name] = str(item[name])
            if "due" in item:
                fields["due"] = _day(item["due"], where, "due")
        else:
            body = item[action]
            if not isinstance(body, dict) or "task" not in body:
                raise ScenarioError(f"{where}: {action} needs a mapping with `task`")
            fields = {key: value for key, value in body.items()}
            if "until" in fields:
                fields["until"] = _day(fields["until"], where, "until")
        steps.append(
            ScenarioStep(
                at=local_instant(day, clock),
                action=action,
                fields=fields,
                place=where,
            )
        )
    return sorted(steps, key=lambda step: step.at)


def load_scenario(path: Path) -> list[ScenarioStep]:
    return parse_scenario(path.read_text(encoding="utf-8"), source=path.name)

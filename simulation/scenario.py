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

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    field_validator,
    model_validator,
)

from deadlines.local_time import local_instant
from yaml_input import describe_problems, load_yaml_text

DEFAULT_TIME = time(9, 0)


class ScenarioError(ValueError):
    """The scenario is wrong; the message names the file, the step and the field."""


class ScenarioAction(StrEnum):
    EVENT = "event"
    EVIDENCE = "evidence"
    EXTEND = "extend"
    CANCEL = "cancel"
    CARRY_OVER = "carry_over"


def _day(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _clock(value: object) -> object:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not HH:MM") from None


Day = Annotated[date, BeforeValidator(_day)]
Clock = Annotated[time, BeforeValidator(_clock)]


class _Written(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventStep(_Written):
    key: str
    decision: str = ""
    due: Day | None = None


class EvidenceStep(_Written):
    task: str
    milestone: str = "1"
    by: str
    document: str = ""
    link: str = ""


class ExtendStep(_Written):
    task: str
    milestone: str = "1"
    until: Day
    reason: str = ""
    by: str = ""


class CloseStep(_Written):
    task: str
    reason: str = ""
    by: str = ""


class _WrittenStep(_Written):
    """One step as the file writes it: the day, the time, and exactly one action."""

    on: Day
    at: Clock = DEFAULT_TIME
    event: str | None = None
    decision: str | None = None
    due: Day | None = None
    evidence: EvidenceStep | None = None
    extend: ExtendStep | None = None
    cancel: CloseStep | None = None
    carry_over: CloseStep | None = None

    @model_validator(mode="before")
    @classmethod
    def _dated(cls, value: object) -> object:
        if not isinstance(value, dict) or "on" not in value:
            raise ValueError("each step needs `on: YYYY-MM-DD`")
        return value

    @field_validator("evidence", "extend", "cancel", "carry_over", mode="before")
    @classmethod
    def _about_a_task(cls, value: object) -> object:
        if not isinstance(value, dict) or "task" not in value:
            raise ValueError("needs a mapping with `task`")
        return value

    @model_validator(mode="after")
    def _one_action(self) -> _WrittenStep:
        if len(self.actions()) != 1:
            raise ValueError(f"say exactly one of {', '.join(ScenarioAction)}")
        return self

    def actions(self) -> list[ScenarioAction]:
        return [action for action in ScenarioAction if getattr(self, action) is not None]

    def what(self) -> EventStep | EvidenceStep | ExtendStep | CloseStep:
        if self.event is not None:
            said = self.model_dump(include={"decision", "due"}, exclude_none=True)
            return EventStep.model_validate({"key": self.event, **said})
        found = self.evidence or self.extend or self.cancel or self.carry_over
        assert found is not None  # _one_action
        return found


@dataclass(frozen=True)
class ScenarioStep:
    at: datetime
    action: ScenarioAction
    what: EventStep | EvidenceStep | ExtendStep | CloseStep
    place: str = ""

    @property
    def fields(self) -> dict[str, Any]:
        """What the step says, as the scenario writes it."""
        return self.what.model_dump(exclude_unset=True)


def parse_scenario(text: str, *, source: str = "scenario") -> list[ScenarioStep]:
    try:
        raw = load_yaml_text(text) or []
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(raw, list):
        raise ScenarioError(f"{source}: expected a list of steps, got {type(raw).__name__}")
    steps: list[ScenarioStep] = []
    for index, item in enumerate(raw, start=1):
        where = f"{source}, step {index}"
        try:
            written = _WrittenStep.model_validate(item)
        except ValidationError as error:
            raise ScenarioError(describe_problems(error, where)) from None
        steps.append(
            ScenarioStep(
                at=local_instant(written.on, written.at),
                action=written.actions()[0],
                what=written.what(),
                place=where,
            )
        )
    return sorted(steps, key=lambda step: step.at)


def load_scenario(path: Path) -> list[ScenarioStep]:
    return parse_scenario(path.read_text(encoding="utf-8"), source=path.name)

"""The deadline policy of a plan: when a period's deadline falls, when reminders, check-ins,
escalations and nudges go out, how long after an event a task is due, and the periodic reports'
cut-off and submission days.

The policy is data. `data/policy/default.yaml` states every default with its reason and source;
a plan's own file states only what differs (it is laid over the defaults), and its `tasks:`
section overrides values for single tasks by code ("I.7"). The caller reads the files and hands
their parsed content to `plan_policies`, which lays them over each other and checks them; this
module reads no file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from deadlines.steps import StepAudience
from deadlines.validation import validation_problems
from deadlines.workdays import OfficeHours


class PolicyError(ValueError):
    """A policy file is wrong; the message names the file, the task (if any) and the field."""


class DueRule(StrEnum):
    # The end of office hours on the last working day inside the period ("Tháng 4/2023" is due
    # Friday 28/04/2023 because 29/04-03/05/2023 were days off): a deadline never on a day off,
    # never later than the period the plan names.
    LAST_WORKING_DAY = "last_working_day"
    # Civil Code 2015, art. 148: a period ends at the end of its last day; when that day is a
    # day off, at the end of the next working day.
    CIVIL_CODE = "civil_code"


class CoordinatingReminders(StrEnum):
    FIRST = "first"
    ALL = "all"
    NONE = "none"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock(value: Any) -> Any:
    """'08:00' (YAML reads an unquoted 08:00 as a number of minutes in YAML 1.1: refuse it)."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a time written HH:MM") from None
    raise ValueError(f'{value!r} is not a time: write it quoted, e.g. "08:00"')


class ReminderPolicy(_Strict):
    working_days_before: tuple[int, ...]
    on_due_day: bool
    at: time
    coordinating: CoordinatingReminders

    _at = field_validator("at", mode="before")(_clock)

    @field_validator("working_days_before")
    @classmethod
    def _positive_and_distinct(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(n <= 0 for n in value):
            raise ValueError("working days before the due day must be positive")
        if len(set(value)) != len(value):
            raise ValueError("a reminder is listed twice")
        return tuple(sorted(value, reverse=True))


class EscalationStage(_Strict):
    after_working_days: int = Field(gt=0)
    to: tuple[StepAudience, ...] = Field(min_length=1)


class EscalationPolicy(_Strict):
    at: time
    stages: tuple[EscalationStage, ...] = Field(min_length=1)
    repeat_every_days: int = Field(ge=0)  # 0: no repeats after the last stage
    repeat_to: tuple[StepAudience, ...]

    _at = field_validator("at", mode="before")(_clock)

    @field_validator("stages")
    @classmethod
    def _increasing(cls, stages: tuple[EscalationStage, ...]) -> tuple[EscalationStage, ...]:
        days = [stage.after_working_days for stage in stages]
        if days != sorted(set(days)):
            raise ValueError("stages must come later and later (after_working_days increasing)")
        return stages


class CheckInPolicy(_Strict):
    months: tuple[int, ...]
    day: int = Field(ge=1, le=28)
    at: time
    to: tuple[StepAudience, ...] = Field(min_length=1)

    _at = field_validator("at", mode="before")(_clock)

    @field_validator("months")
    @classmethod
    def _months(cls, months: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= m <= 12 for m in months):
            raise ValueError("months are 1-12")
        return tuple(sorted(set(months)))


class NudgePolicy(_Strict):
    day: int = Field(ge=1, le=28)
    at: time
    to: tuple[StepAudience, ...] = Field(min_length=1)

    _at = field_validator("at", mode="before")(_clock)


class EventPolicy(_Strict):
    after_event_working_days: int = Field(gt=0)
    outside_plan_working_days: int = Field(gt=0)
    recurring_event_working_days: int = Field(gt=0)
    # Per event key: working days allowed after that event, instead of the kind's default.
    allowances: dict[str, int] = {}
    # Per parsed event key: the key the coordinator announces instead (two tasks whose texts
    # say "Theo Kế hoạch của UBND tỉnh" but wait for different plans of the province).
    rename: dict[str, str] = {}

    @field_validator("allowances")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        for key, days in value.items():
            if days <= 0:
                raise ValueError(f"{key}: the allowance must be positive")
        return value


class ReportPolicy(_Strict):
    cutoff_day: int = Field(ge=1, le=27)
    ministry_due_day: int = Field(ge=2, le=28)
    internal_working_days_before: int = Field(ge=0)
    # The plan's own CCHC reporting task, the only one these days apply to: set per task code
    # under `tasks:` ...
    cchc_task: bool = False
    # ... or named by its whole title, as the plan writes it (compared without accents, case or
    # extra spaces). A title that merely contains "báo cáo" is no such task.
    cchc_task_titles: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _after_cutoff(self) -> ReportPolicy:
        if self.ministry_due_day <= self.cutoff_day:
            raise ValueError("the Ministry's due day must come after the data cut-off day")
        if self.internal_working_days_before >= self.ministry_due_day - self.cutoff_day:
            raise ValueError(
                "the units' deadline would fall on or before the data cut-off: "
                "internal_working_days_before is too large"
            )
        return self


_SAMPLE_NAMES = {
    "month": 2,
    "quarter": 1,
    "roman": "I",
    "year": 2023,
    "start": "01/03/2023",
    "end": "30/06/2023",
    "period": "quý I/2023",
}


def _placeholders_known(template: str) -> str:
    try:
        template.format(**_SAMPLE_NAMES)
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"{template!r}: unknown placeholder {error}") from None
    return template


class PeriodWording(_Strict):
    month: str
    quarter: str
    half: tuple[str, str]
    year: str
    span: str

    @field_validator("month", "quarter", "year", "span")
    @classmethod
    def _known(cls, value: str) -> str:
        return _placeholders_known(value)

    @field_validator("half")
    @classmethod
    def _known_halves(cls, value: tuple[str, str]) -> tuple[str, str]:
        return (_placeholders_known(value[0]), _placeholders_known(value[1]))


class Wording(_Strict):
    periods: PeriodWording
    report_evidence: str

    @field_validator("report_evidence")
    @classmethod
    def _known(cls, value: str) -> str:
        return _placeholders_known(value)


class DeadlinePolicy(_Strict):
    """The effective policy of a plan or of one of its tasks."""

    due_rule: DueRule
    reminders: ReminderPolicy
    escalations: EscalationPolicy
    check_ins: CheckInPolicy
    nudges: NudgePolicy
    events: EventPolicy
    reports: ReportPolicy
    wording: Wording

    def step_times(self) -> list[tuple[str, time]]:
        return [
            ("reminders.at", self.reminders.at),
            ("escalations.at", self.escalations.at),
            ("check_ins.at", self.check_ins.at),
            ("nudges.at", self.nudges.at),
        ]


def _check_office_hours(policy: DeadlinePolicy, hours: OfficeHours, where: str) -> None:
    """Every step of the policy falls inside the offices' hours, checked when the policy is
    loaded, not at the first reminder (office hours belong to the calendar, so the caller
    that knows them says which)."""
    for name, at in policy.step_times():
        if not hours.opens <= at <= hours.closes:
            raise PolicyError(
                f"{where}: {name} {at:%H:%M} is not an office hour "
                f"({hours.opens:%H:%M}-{hours.closes:%H:%M})"
            )


_TASKS = "tasks"


@dataclass(frozen=True)
class PlanPolicies:
    """The effective policy of a plan and of each task its file overrides, checked."""

    plan: DeadlinePolicy
    tasks: Mapping[str, DeadlinePolicy]
    # Where the plan's policy was stated (its file, or the defaults'), for messages.
    source: str

    def for_task(self, task_code: str | None) -> DeadlinePolicy:
        """The task's own policy when the file overrides it, else the plan's."""
        if task_code is not None and task_code in self.tasks:
            return self.tasks[task_code]
        return self.plan

    def check_office_hours(self, hours: OfficeHours) -> None:
        """Every policy, the plan's and each task's, falls inside the offices' hours."""
        _check_office_hours(self.plan, hours, self.source)
        for code, policy in self.tasks.items():
            _check_office_hours(policy, hours, f"{self.source}: tasks.{code}")


def plan_policies(
    defaults: object, own: object | None, *, defaults_source: str, source: str | None
) -> PlanPolicies:
    """The plan's own policy (`own`, as parsed from its file; None for the defaults alone) laid
    over the `defaults`, with every task override checked, so a wrong one fails at once.
    `defaults_source` and `source` (the files) start every error message."""
    base = _sections(defaults, defaults_source)
    if _TASKS in base:
        raise PolicyError(f"{defaults_source}: the default policy has no per-task section")
    data = _merge(base, _sections(own, source)) if source is not None else base
    tasks = data.pop(_TASKS, None) or {}
    where = source or defaults_source
    if not isinstance(tasks, dict):
        raise PolicyError(f"{where}: `tasks:` must map task codes to policy overrides")
    plan = _validate(data, where)
    per_task: dict[str, DeadlinePolicy] = {}
    for code, override in tasks.items():
        if not isinstance(override, dict):
            raise PolicyError(f"{where}: tasks.{code}: expected a mapping of policy sections")
        per_task[str(code)] = _validate(_merge(data, override), f"{where}: tasks.{code}")
    return PlanPolicies(plan, per_task, where)


def _sections(raw: object, where: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: expected a mapping of policy sections")
    return raw


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _validate(data: dict[str, Any], where: str) -> DeadlinePolicy:
    try:
        return DeadlinePolicy.model_validate(data)
    except ValidationError as error:
        raise PolicyError(f"{where}: {validation_problems(error)}") from None

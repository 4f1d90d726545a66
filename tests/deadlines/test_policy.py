"""The policy as data: defaults from data/policy/default.yaml, a plan's file over them, task
overrides, and clear errors for wrong files."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from deadlines import PolicyError, plan_milestones
from deadlines.policy import CoordinatingReminders, DueRule
from settings import DATA_DIR, DEFAULT_POLICY_FILE, get_settings, load_calendar, load_policy


def write(tmp_path: Path, body: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_the_default_policy_is_the_documented_one() -> None:
    policy = load_policy()
    assert policy.due_rule is DueRule.LAST_WORKING_DAY
    assert policy.reminders.working_days_before == (10, 5, 2)
    assert policy.reminders.on_due_day
    assert policy.reminders.at == time(8, 0)
    assert policy.reminders.coordinating is CoordinatingReminders.FIRST
    assert [(s.after_working_days, s.to) for s in policy.escalations.stages] == [
        (1, ("coordinator", "lead")),
        (5, ("leadership",)),
    ]
    assert policy.escalations.repeat_every_days == 7
    assert policy.check_ins.months == (3, 6, 9, 12)
    assert policy.events.after_event_working_days == 20
    assert (policy.reports.cutoff_day, policy.reports.ministry_due_day) == (14, 20)
    assert policy.reports.internal_working_days_before == 2


def test_the_settings_point_at_the_bundled_default() -> None:
    assert get_settings().policy_file.resolve() == DEFAULT_POLICY_FILE
    assert load_policy(get_settings().policy_file) == load_policy()
    assert DEFAULT_POLICY_FILE.parent == (DATA_DIR / "policy").resolve()


def test_a_plan_file_states_only_what_differs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
due_rule: civil_code
reminders: {working_days_before: [7, 3]}
""",
    )
    policy = load_policy(path)
    assert policy.due_rule is DueRule.CIVIL_CODE
    assert policy.reminders.working_days_before == (7, 3)
    assert policy.reminders.at == time(8, 0)  # from the defaults
    assert policy.escalations == load_policy().escalations


def test_a_task_override_applies_to_that_task_only(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
tasks:
  "I.7":
    reports: {internal_working_days_before: 3}
  "VII.3":
    events: {allowances: {xay-dung-phan-mem: 40}}
""",
    )
    assert load_policy(path, task_code="I.7").reports.internal_working_days_before == 3
    assert load_policy(path, task_code="I.1").reports.internal_working_days_before == 2
    assert load_policy(path).reports.internal_working_days_before == 2
    assert load_policy(path, task_code="VII.3").events.allowances == {"xay-dung-phan-mem": 40}


def test_a_task_override_can_rename_an_event_the_text_shares_with_other_tasks(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
tasks:
  "II.1":
    events: {rename: {ke-hoach-cua-ubnd-tinh: ke-hoach-ra-soat-vbqppl-2023}}
""",
    )
    calendar = load_calendar([2023])
    renamed = plan_milestones(
        "Theo Kế hoạch của UBND tỉnh",
        year=2023,
        task_title="",
        calendar=calendar,
        policy=load_policy(path, task_code="II.1"),
    )
    kept = plan_milestones(
        "Theo Kế hoạch của UBND tỉnh",
        year=2023,
        task_title="",
        calendar=calendar,
        policy=load_policy(path, task_code="V.3"),
    )
    assert renamed[0].event_key == "ke-hoach-ra-soat-vbqppl-2023"
    assert kept[0].event_key == "ke-hoach-cua-ubnd-tinh"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("due_rule: next_monday", "due_rule: Input should be 'last_working_day' or 'civil_code'"),
        ("reminders: {at: '25:00'}", "reminders.at: Value error, '25:00' is not a time"),
        ("reminders: {at: 8:00}", "write it quoted"),
        ("reminders: {at: '05:00'}", "reminders.at 05:00 is not an office hour"),
        ("reminders: {working_days_before: [5, 0]}", "must be positive"),
        ("reminders: {working_days_before: [5, 5]}", "listed twice"),
        ("reminders: {coordinating: sometimes}", "reminders.coordinating"),
        ("reminders: {every: 3}", "reminders.every: Extra inputs are not permitted"),
        (
            "escalations: {stages: [{after_working_days: 5, to: [leadership]}, "
            "{after_working_days: 1, to: [coordinator]}]}",
            "later and later",
        ),
        (
            "escalations: {stages: [{after_working_days: 1, to: [mayor]}]}",
            "escalations.stages.0.to.0",
        ),
        ("check_ins: {months: [13]}", "months are 1-12"),
        ("reports: {internal_working_days_before: 6}", "on or before the data cut-off"),
        ("reports: {ministry_due_day: 10}", "must come after the data cut-off day"),
        ("wording: {report_evidence: 'Báo cáo {kỳ}'}", "unknown placeholder"),
        ("events: {allowances: {x: 0}}", "the allowance must be positive"),
        ("tasks: {'I.1': {due_rule: whenever}}", "tasks.I.1: due_rule"),
        ("tasks: [I.1]", "`tasks:` must map task codes"),
        ("- due_rule", "expected a mapping"),
        ("due_rule: [", "not valid YAML"),
    ],
)
def test_a_wrong_policy_file_is_refused_naming_the_file_and_field(
    tmp_path: Path, body: str, message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert message in str(refused.value)
    assert str(path.resolve()) in str(refused.value)


def test_a_missing_policy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy(tmp_path / "missing.yaml")


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "due_rule: civil_code\n")
    assert load_policy(path).due_rule is DueRule.CIVIL_CODE
    path.write_text("due_rule: last_working_day\n# edited\n", encoding="utf-8")
    assert load_policy(path).due_rule is DueRule.LAST_WORKING_DAY


def test_the_policy_is_frozen() -> None:
    policy = load_policy()
    with pytest.raises(ValueError, match="frozen"):
        policy.due_rule = DueRule.CIVIL_CODE  # type: ignore[misc]

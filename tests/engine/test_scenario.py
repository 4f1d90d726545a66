from datetime import UTC, date, datetime

import pytest

from simulation.scenario import ScenarioError, parse_scenario


def test_steps_are_read_in_time_order_at_nine_vietnam_time_unless_said() -> None:
    steps = parse_scenario(
        """
- on: 2023-05-02
  evidence: {task: II.3, milestone: "1", by: van-phong, document: "12/KH-SNV"}
- on: 2023-03-10
  at: "14:30"
  event: ubnd-tinh-ban-hanh
  decision: "Quyết định số 123/QĐ-UBND"
  due: 2023-05-31
"""
    )
    assert [s.action for s in steps] == ["event", "evidence"]
    assert steps[0].at == datetime(2023, 3, 10, 7, 30, tzinfo=UTC)
    assert steps[0].fields == {
        "key": "ubnd-tinh-ban-hanh",
        "decision": "Quyết định số 123/QĐ-UBND",
        "due": date(2023, 5, 31),
    }
    assert steps[1].at == datetime(2023, 5, 2, 2, 0, tzinfo=UTC)
    assert steps[1].fields["task"] == "II.3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {on: 2023-13-01, event: x}", "step 1: on '2023-13-01' is not a date"),
        ("- {event: x}", "step 1: each step needs `on: YYYY-MM-DD`"),
        ("- {on: 2023-01-02, event: x, cancel: {task: I.1}}", "say exactly one of"),
        ("- {on: 2023-01-02, evidence: I.1}", "evidence needs a mapping with `task`"),
        ("- {on: 2023-01-02, at: noon, event: x}", "at 'noon' is not HH:MM"),
        ("{on: 2023-01-02}", "expected a list of steps"),
        ("- [", "not valid YAML"),
    ],
)
def test_a_bad_scenario_names_the_step_and_the_fault(text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace("`", "`")):
        parse_scenario(text, source="s.yaml")

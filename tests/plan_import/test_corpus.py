"""Golden tests over every plan of the corpus (real plans of other agencies, copied from
../shared/corpus into tests/plan_import/corpus) and over the synthetic plans written for the
cases the corpus lacks (tests/plan_import/synthetic): every row, every unit, every deadline read
as worked out by hand in the plan's .golden.yaml, where each reading that is not plain says
why."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from deadlines import DeadlineRefused, parse_deadline, plan_milestones
from deadlines.local_time import in_vietnam
from plan_import import ImportedPlan, read_plan
from plan_import.appendix import RawTask, parse_appendix
from plan_import.columns import COORDINATING, DEADLINE, LEAD
from plan_import.sources import read_source
from settings import DATA_DIR, load_calendar, load_policy

CORPUS = Path(__file__).parent / "corpus"
SYNTHETIC = Path(__file__).parent / "synthetic"
FILES = {path.stem: path for folder in (CORPUS, SYNTHETIC) for path in folder.glob("*.txt")}
PLANS = sorted(FILES)


@cache
def golden(name: str) -> dict[str, Any]:
    path = FILES[name].with_suffix(".golden.yaml")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@cache
def imported(name: str) -> ImportedPlan:
    return read_plan(FILES[name])


@cache
def raw_tasks(name: str) -> tuple[RawTask, ...]:
    path = FILES[name]
    return tuple(parse_appendix(read_source(path, path.read_bytes()).rows, path.name).tasks)


def code(name: str, unit: str) -> str:
    return f"{golden(name)['plan']['agency']['code']}-{unit}"


def test_every_plan_of_the_shared_corpus_is_here() -> None:
    shared = Path("/work/shared/corpus")
    if not shared.is_dir():
        pytest.skip("the shared corpus is not on this machine")
    corpus = sorted(p.stem for p in CORPUS.glob("*.txt"))
    assert sorted(p.stem for p in shared.glob("*.txt")) == corpus
    for name in corpus:
        assert (CORPUS / f"{name}.txt").read_bytes() == (shared / f"{name}.txt").read_bytes()


@pytest.mark.parametrize("name", PLANS)
def test_the_plan_its_agency_years_and_key(name: str) -> None:
    want, plan = golden(name)["plan"], imported(name)
    assert (plan.agency_code, plan.agency_name) == (want["agency"]["code"], want["agency"]["name"])
    assert plan.number == want["number"]
    assert plan.issue_date == want["issue_date"]
    first, last = want["years"]
    assert (plan.year, plan.last_year if plan.last_year else plan.year) == (first, last)
    assert plan.written_year is None
    assert plan.key == want["key"]


@pytest.mark.parametrize("name", PLANS)
def test_every_row_is_read(name: str) -> None:
    want, plan = golden(name)["rows"], imported(name)
    numbered = [raw for raw in raw_tasks(name) if raw.parent is None]
    assert len(numbered) == want["numbered"]
    assert len(plan.tasks) == want["tasks"]
    assert [(e.where, e.message) for e in plan.errors] == [
        (e["where"], e["message"]) for e in want["errors"]
    ]
    for joined in want["joined"]:
        task = plan.task(joined["task"])
        assert task.title.endswith(joined["title_ends"])
        assert any(
            e.where == f"line {joined['line']}" and f"the rest of {joined['task']}" in e.message
            for e in plan.report
        )
    for code, subtask in want.get("subtasks", {}).items():
        assert plan.task(code).title == subtask["title"]
    for code in want.get("not_tasks", []):
        with pytest.raises(KeyError):
            plan.task(code)
    warnings = [(e.where, e.message) for e in plan.warnings]
    for entry in want["warnings_other_than_units"]:
        assert (entry["where"], entry["message"]) in warnings
    # Nothing else is said of the rows: no "out of sequence", no sub-task, no repeated row.
    assert not [w for w in warnings if "sequence" in w[1] or "starts at STT" in w[1]]


@pytest.mark.parametrize("name", PLANS)
def test_the_golden_table_has_every_cell_and_every_deadline(name: str) -> None:
    cells = {raw.cells[c] for raw in raw_tasks(name) for c in (LEAD, COORDINATING)} - {""}
    assert cells == set(golden(name)["cells"])
    deadlines = {raw.cells[DEADLINE] for raw in raw_tasks(name)} - {""}
    assert deadlines == set(golden(name)["deadlines"])


def _expected_units(name: str, raw: RawTask) -> tuple[list[str], list[str], list[str]]:
    """(lead, coordinating, unresolved) as the golden table reads the row's two cells."""
    table = golden(name)["cells"]
    lead = table.get(raw.cells[LEAD], {}) if raw.cells[LEAD] else {}
    coordinating = table.get(raw.cells[COORDINATING], {}) if raw.cells[COORDINATING] else {}
    lead_units = [code(name, u) for u in lead.get("units", [])]
    lead_phrases = list(lead.get("to_name", {}))
    if not lead_units:
        lead_units = list(dict.fromkeys(code(name, g) for g in lead.get("to_name", {}).values()))
        lead_phrases = []
    others = [code(name, u) for u in coordinating.get("units", [])]
    unresolved = [
        *lead_phrases,
        *coordinating.get("to_name", {}),
        *lead.get("no_unit", []),
        *coordinating.get("no_unit", []),
    ]
    return lead_units, [u for u in others if u not in lead_units], unresolved


@pytest.mark.parametrize("name", PLANS)
def test_every_unit_of_every_task(name: str) -> None:
    plan = imported(name)
    read = {task.code: task for task in plan.tasks}
    for raw in raw_tasks(name):
        if raw.code not in read:
            continue
        task = read[raw.code]
        assert (
            task.lead_units,
            task.coordinating_units,
            task.unresolved_units,
        ) == _expected_units(name, raw), raw.code


@pytest.mark.parametrize("name", PLANS)
def test_the_new_units_are_those_of_the_table_each_listed_once(name: str) -> None:
    plan, table = imported(name), golden(name)["cells"]
    expected = {code(name, u) for cell in table.values() for u in cell.get("units", [])}
    expected |= {code(name, g) for cell in table.values() for g in cell.get("to_name", {}).values()}
    assert {unit.code for unit in plan.new_units} == expected
    assert len({unit.code for unit in plan.new_units}) == len(plan.new_units)
    listed = [e.message for e in plan.warnings if e.message.startswith(("new unit", "new group"))]
    groups_to_name = {u.code for u in plan.new_units if u.kind == "group"} & {
        code(name, g) for cell in table.values() for g in cell.get("to_name", {}).values()
    }
    assert len(listed) == len(plan.new_units) - len(groups_to_name)


@pytest.fixture(scope="module")
def calendar() -> Any:
    return load_calendar(range(2024, 2032), DATA_DIR / "calendar")


def _deadline_cases() -> list[tuple[str, str]]:
    return [(name, text) for name in PLANS for text in golden(name)["deadlines"]]


@pytest.mark.parametrize(("name", "text"), _deadline_cases())
def test_each_deadline_is_read_as_worked_out_by_hand(calendar: Any, name: str, text: str) -> None:
    plan, want = imported(name), golden(name)["deadlines"][text]
    title = next(t.title for t in plan.tasks if t.deadline_text == text)
    if "refused" in want:
        with pytest.raises(DeadlineRefused, match=want["refused"]):
            _milestones(plan, text, title, calendar)
        return
    milestones = _milestones(plan, text, title, calendar)
    got = [
        [
            m.key,
            m.kind.value,
            in_vietnam(m.due).date() if m.due else None,
            [m.period_start, m.period_end],
        ]
        for m in milestones
    ]
    expected = want["milestones"]
    if "count" in want:
        assert len(got) == want["count"]
        assert got[: len(expected)] == expected
        assert got[len(got) - len(want.get("last", [])) :] == want.get("last", [])
    else:
        assert got == expected
    if "event" in want:
        assert [m.event_key for m in milestones] == [want["event"]]
    if "allowance" in want:
        days, working = want["allowance"]
        assert [(m.allowance_days, m.allowance_in_working_days) for m in milestones] == [
            (days, working)
        ]
    assert [m.note for m in milestones] == [want.get("note", "")] * len(milestones)
    # Every due instant is at the end of office hours.
    assert all(in_vietnam(m.due).strftime("%H:%M") == "17:00" for m in milestones if m.due)
    vague = [spec.vague for spec in parse_deadline(text, year=plan.year, last_year=plan.last_year)]
    assert any(vague) is want.get("vague", False)


def _milestones(plan: ImportedPlan, text: str, title: str, calendar: Any) -> list[Any]:
    return plan_milestones(
        text,
        year=plan.year,
        last_year=plan.last_year,
        task_title=title,
        calendar=calendar,
        policy=load_policy(),
    )

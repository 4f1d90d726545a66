"""How the real plans of a folder import as a new user imports them (no flag, the bundled unit
directory and agencies): `python benchmarks/corpus_import.py [FOLDER]` (default
/work/shared/corpus).

For each plan, and for every deadline, lead and coordinating cell of its task rows: refused (an
error names the cell: the plan cannot be stored), flagged (a warning names it) or clean; and,
where the plan's golden reading is beside it or in tests/plan_import/corpus, whether the units
read are the golden's. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plan_import import PlanImportError, read_plan  # noqa: E402
from plan_import.appendix import RawTask, parse_appendix  # noqa: E402
from plan_import.columns import COORDINATING, DEADLINE, LEAD  # noqa: E402
from plan_import.sources import read_source  # noqa: E402

GOLDEN = ROOT / "tests" / "plan_import" / "corpus"
COLUMNS = {DEADLINE: "deadline", LEAD: "lead", COORDINATING: "coordinating"}


def measure(path: Path) -> tuple[bool, dict[str, Counter[str]]]:
    plan = read_plan(path)
    rows = parse_appendix(read_source(path, path.read_bytes()).rows, path.name).tasks
    beside = path.with_name(f"{path.stem}.golden.yaml")
    golden_file = beside if beside.exists() else GOLDEN / f"{path.stem}.golden.yaml"
    golden: dict[str, Any] = (
        yaml.safe_load(golden_file.read_text(encoding="utf-8")) if golden_file.exists() else {}
    )
    read = {task.code: task for task in plan.tasks}
    figures: dict[str, Counter[str]] = {name: Counter() for name in COLUMNS.values()}
    for raw in rows:
        if raw.heads_subtasks:
            continue
        for column, name in COLUMNS.items():
            said = [e for e in plan.report if _names_cell(e.where, raw, column, plan)]
            if any(e.level == "error" for e in said):
                figures[name]["refused"] += 1
            elif any(e.level == "warning" for e in said):
                figures[name]["flagged"] += 1
            else:
                figures[name]["clean"] += 1
            if golden and column != DEADLINE and raw.code in read:
                right = _units_right(golden, raw, column, read[raw.code])
                figures[name]["right" if right else "wrong"] += 1
    return not plan.errors, figures


def _names_cell(where: str, raw: RawTask, column: str, plan: Any) -> bool:
    return where.startswith(f"{raw.place} ({raw.code}), column") and _column_of(where, column)


def _column_of(where: str, column: str) -> bool:
    words = {
        DEADLINE: ("thời gian", "thời hạn", "hoàn thành"),
        LEAD: ("chủ trì",),
        COORDINATING: ("phối hợp",),
    }
    return any(word in where.lower() for word in words[column])


def _units_right(golden: dict[str, Any], raw: RawTask, column: str, task: Any) -> bool:
    prefix = golden["plan"]["agency"]["code"]
    cell = golden["cells"].get(raw.cells[column], {}) if raw.cells[column] else {}
    want = [f"{prefix}-{u}" for u in cell.get("units", [])]
    if column == LEAD:
        if not want:
            want = list(dict.fromkeys(f"{prefix}-{g}" for g in cell.get("to_name", {}).values()))
        return bool(task.lead_units == want)
    return all(code in task.coordinating_units or code in task.lead_units for code in want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path("/work/shared/corpus"))
    arguments = parser.parse_args()
    total: dict[str, Counter[str]] = {name: Counter() for name in COLUMNS.values()}
    imported = 0
    files = sorted(arguments.folder.glob("*.txt"))
    for path in files:
        try:
            whole, figures = measure(path)
        except PlanImportError as error:
            print(f"{path.name}: not readable as a plan ({error})")
            continue
        imported += whole
        print(f"{path.name}: {'imports' if whole else 'refused'}")
        for name, counts in figures.items():
            total[name].update(counts)
            print(f"  {name:>12}: {_line(counts)}")
    print(f"{imported} of {len(files)} plans import without a flag")
    for name, counts in total.items():
        print(f"  {name:>12}: {_line(counts)}")


def _line(counts: Counter[str]) -> str:
    cells = counts["clean"] + counts["flagged"] + counts["refused"]
    line = (
        f"{cells} cells: {counts['clean']} clean, {counts['flagged']} flagged, "
        f"{counts['refused']} refused"
    )
    if counts["right"] or counts["wrong"]:
        judged = counts["right"] + counts["wrong"]
        line += f"; units as the golden reading: {counts['right']}/{judged}"
    return line


if __name__ == "__main__":
    main()

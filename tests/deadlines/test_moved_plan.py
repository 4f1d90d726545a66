"""A plan reused for another year (--year): the years its deadlines name move with it."""

from pathlib import Path

from deadlines import move_years, plan_milestones
from plan_import import read_plan
from settings import PROJECT_ROOT, load_calendar, load_policy

SEED = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"


def test_every_year_named_moves_by_the_same_amount() -> None:
    text = (
        "Đăng ký: Tháng 3/2023 Xây dựng Phương án: "
        "Sau khi UBND tỉnh ban hành Kế hoạch KSTTHC năm 2023"
    )
    assert move_years(text, written_year=2023, year=2026) == text.replace("2023", "2026")
    assert move_years("Tháng 12/2022, quý I/2023", written_year=2023, year=2025) == (
        "Tháng 12/2024, quý I/2025"
    )
    assert move_years("ngày 15/3/2023 (số 12023)", written_year=2023, year=2024) == (
        "ngày 15/3/2024 (số 12023)"
    )
    assert move_years("Tháng 3/2023", written_year=2023, year=2023) == "Tháng 3/2023"


def test_the_seed_plan_moved_to_2026_reads_every_deadline_in_2026() -> None:
    moved = read_plan(SEED, year=2026)
    assert (moved.year, moved.written_year, moved.key) == (2026, 2023, "snv-binh-dinh-cchc-2026")
    assert not any("names 2023" in entry.message for entry in moved.report)
    assert moved.task("II.3").deadline_text == "Tháng 3/2023"  # the document, as written
    calendar = load_calendar(range(2025, 2028))
    milestones = plan_milestones(
        moved.task("II.3").deadline_text,
        year=2026,
        task_title=moved.task("II.3").title,
        calendar=calendar,
        policy=load_policy(),
        written_year=moved.written_year,
    )
    assert [m.due.isoformat() if m.due else None for m in milestones] == [
        "2026-03-31T10:00:00+00:00"  # Tuesday 31/03/2026 17:00 in Vietnam
    ]


def test_a_plan_run_in_its_own_year_is_not_moved(tmp_path: Path) -> None:
    assert read_plan(SEED).written_year is None
    assert read_plan(SEED, year=2023).written_year is None

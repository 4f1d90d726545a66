"""Plan keys never collide: the key is made of the agency, the title's initials and the year, so
another plan may come with the same one; it is refused, naming both, and the first plan stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan_import import read_plan
from plan_import.units import BUNDLED_UNITS_FILE, load_unit_directory
from settings import DATA_DIR
from storage.db import session_scope, upgrade_schema
from storage.plans import PlanNotStorable, get_plan, store_plan

SEED = DATA_DIR / "plans" / "snv-binh-dinh-cchc-2023.txt"
TITLE = "Cải cách hành chính Sở Nội vụ năm 2023"


def test_another_plan_with_the_same_key_is_refused_naming_both(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    directory = load_unit_directory(BUNDLED_UNITS_FILE)
    other = tmp_path / "cong-chung.txt"
    # Same initials (c-c-h-c), another subject.
    other.write_text(
        SEED.read_text(encoding="utf-8").replace(TITLE, "Công chứng hộ chiếu Sở Nội vụ năm 2023"),
        encoding="utf-8",
    )
    first, second = read_plan(SEED), read_plan(other)
    assert first.key == second.key == "snv-binh-dinh-cchc-2023"
    with session_scope(url) as session:
        store_plan(session, imported=first, directory=directory)

    with session_scope(url) as session, pytest.raises(PlanNotStorable) as refused:
        store_plan(session, imported=second, directory=directory)
    message = str(refused.value)
    assert "'snv-binh-dinh-cchc-2023' is already another plan's" in message
    assert TITLE in message and SEED.name in message
    assert "Công chứng hộ chiếu" in message and other.name in message
    with session_scope(url) as session:
        stored = get_plan(session, "snv-binh-dinh-cchc-2023")
        assert stored is not None and stored.title == TITLE

    # The same plan edited (its title's wording, under its own number) is still an edit.
    numbered = tmp_path / "numbered.txt"
    numbered.write_text(
        SEED.read_text(encoding="utf-8").replace("Số: /KH-SNV", "Số: 2401/KH-SNV"),
        encoding="utf-8",
    )
    with session_scope(url) as session:
        store_plan(session, imported=read_plan(numbered), directory=directory)
    retitled = tmp_path / "retitled.txt"
    retitled.write_text(
        numbered.read_text(encoding="utf-8").replace(
            TITLE, "Cải cách hành chánh Sở Nội vụ năm 2023"
        ),
        encoding="utf-8",
    )
    with session_scope(url) as session:
        changes = store_plan(session, imported=read_plan(retitled), directory=directory)
    assert "title" in {change.field for change in changes.plan_fields}

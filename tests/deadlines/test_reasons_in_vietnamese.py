"""Every reason the deadline language gives for a text it cannot read reaches the coordinator in
Vietnamese (control/refusal_words.yaml, `deadline`): the upload page, a task's page, an event's
preview and the CLI's preview show it.

Each `raise Unreadable(...)` in deadlines/language/ is driven by a deadline text below, and the
raise sites are found in the source: a new or reworded reason without its Vietnamese fails here.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import FrameType

import pytest

from control.refusal_words import deadline_reason, import_note, refusal
from deadlines import DeadlineRefused, parse_deadline
from deadlines.language import tokens

LANGUAGE = Path(tokens.__file__).resolve().parent

# (deadline text, task title) that each stop at one raise of the reader, plan year 2023.
SAMPLES: tuple[tuple[str, str], ...] = (
    ("Tháng 13/2023", ""),
    ("Quý V/2023", ""),
    ("Quý 5", ""),
    ("Tháng 2/2203", ""),
    ("Đầu năm", ""),
    ("Giữa năm 2023", ""),
    ("Trước đầu năm", ""),
    ("Tháng 3 - 14/2023", ""),
    ("ngày 31/2/2023", ""),
    ("ngày 15-3-23", ""),
    ("ngày 15/abc", ""),
    ("Abc xyz", ""),
    ("Quy chế", ""),
    ("Sau ngày 15/3/2023", ""),
    ("Sau khi", ""),
    ("Sau khi tháng 3", ""),
    ("Theo", ""),
    ("Theo ý kiến của lãnh đạo", ""),
    ("Trong 15 ngày", ""),
    ("Trong 15 ngày kể từ ngày 15/3/2023", ""),
    ("Trong 0 ngày kể từ khi UBND tỉnh ban hành", ""),
    ("10 giờ ngày 15/3/2023", ""),
    (";", ""),
    (": Tháng 3", ""),
    ("Báo cáo: ", ""),
    ("6 tháng 2023", ""),
    ("Định kỳ", "Làm gì đó"),
    ("Từ tháng 6 đến tháng 3/2023", ""),
    ("Quý I/2023 - Quý IV/2022", ""),
    ("Tháng 3, tháng 5 hằng năm", ""),
    ("Từ , trở đi", ""),
    ("Thường xuyên, báo cáo Abc", ""),
    ("Thường xuyên, Tháng 3/2023", ""),
    ("Tháng 3, tháng 5 và", ""),
    ("Tháng 3 abc", ""),
    ("Tháng 3 và 15", ""),
    ("Trước", ""),
    ("Từ tháng 3 và đến tháng 5", ""),
    ("13/2023", ""),
    ("Ngày 15 3 2023", ""),
    ("ngày 15/3 năm 23", ""),
    ("Năm 2023 - 2", ""),
    ("Ngày 40 hằng tháng", ""),
    ("A: Sau khi có quyết định Foo: Quý 2", ""),
)

# Raises the reader cannot reach from a deadline text today (a guard behind another check),
# each by a line of its source and the reason it would give.
GUARDS: dict[tuple[str, str], str] = {
    ("fixed.py", 'raise Unreadable("a period is missing")'): "a period is missing",
    ("fixed.py", "raise Unreadable(str(error)) from error"): "there is no half year 3",
    ("value.py", 'raise Unreadable("the deadline is empty")'): "the deadline is empty",
}

# Words of the engine's English that must not be left in what is shown.
ENGLISH = ("the ", " names ", "period", "deadline", "expected", "found", "cannot", " after ")


def _raise_sites() -> dict[tuple[str, int], str]:
    """Every `raise Unreadable(...)` of deadlines/language/: (file, line) -> its source."""
    sites: dict[tuple[str, int], str] = {}
    for path in sorted(LANGUAGE.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and isinstance(node.exc.func, ast.Name)
                and node.exc.func.id == "Unreadable"
            ):
                segment = ast.get_source_segment(source, node) or ""
                sites[(path.name, node.lineno)] = " ".join(segment.split())
    return sites


def _refused(text: str, title: str) -> tuple[str, set[tuple[str, int]]]:
    """The reason `text` is refused with, and the raise sites it went through."""
    reached: set[tuple[str, int]] = set()
    original = tokens.Unreadable.__init__

    def noting(self: tokens.Unreadable, reason: str) -> None:
        caller: FrameType = sys._getframe(1)
        reached.add((Path(caller.f_code.co_filename).name, caller.f_lineno))
        original(self, reason)

    tokens.Unreadable.__init__ = noting  # type: ignore[method-assign]
    try:
        with pytest.raises(DeadlineRefused) as refused:
            parse_deadline(text, year=2023, task_title=title)
    finally:
        tokens.Unreadable.__init__ = original  # type: ignore[method-assign]
    return refused.value.reason, reached


def _in_vietnamese(reason: str) -> str:
    said = deadline_reason(reason)
    assert "lý do kỹ thuật" not in said, f"no Vietnamese for {reason!r}"
    left = [word for word in ENGLISH if word in said.replace(reason, "")]
    assert not left, f"{said!r} keeps English {left}"
    return said


@pytest.mark.parametrize(("text", "title"), SAMPLES)
def test_each_refusal_reads_in_vietnamese(text: str, title: str) -> None:
    reason, _ = _refused(text, title)
    _in_vietnamese(reason)


def test_every_raise_of_the_reader_is_driven_or_a_known_guard() -> None:
    sites = _raise_sites()
    reached: set[tuple[str, int]] = set()
    for text, title in SAMPLES:
        reached |= _refused(text, title)[1]
    guarded = {
        site
        for site, source in sites.items()
        if any(site[0] == file and source.startswith(start) for file, start in GUARDS)
    }
    missing = {site: sites[site] for site in sites.keys() - reached - guarded}
    assert not missing, f"no deadline text below reaches these raises: {missing}"
    for (file, start), reason in GUARDS.items():
        assert any(f == file and s.startswith(start) for (f, _), s in sites.items()), start
        _in_vietnamese(reason)


def test_nested_reasons_and_periods_are_translated_too() -> None:
    reason, _ = _refused("Thường xuyên, báo cáo Abc", "")
    said = _in_vietnamese(reason)
    assert "không nêu kỳ báo cáo: “báo cáo Abc” không phải là cách ghi thời hạn" in said
    span, _ = _refused("Quý I/2023 - Quý IV/2022", "")
    assert deadline_reason(span) == (
        "khoảng thời gian từ quý I/2023 đến quý IV/2022 bị ngược: kết thúc trước khi bắt đầu"
    )
    quarter, _ = _refused("Quý V/2023", "")
    assert deadline_reason(quarter).startswith("không có quý “V”")


def test_the_sentences_around_a_reason_are_translated_with_it() -> None:
    """The importer's error for the cell, and a refusal as an event's preview words it."""
    try:
        parse_deadline("Tháng 13/2023", year=2023)
    except DeadlineRefused as refused:
        assert refusal(str(refused)) == (
            "Không đọc được thời hạn “Tháng 13/2023”: không có tháng 13."
        )
        note = import_note(f"the deadline “Tháng 13/2023” of II.3 cannot be read: {refused.reason}")
        assert note == (
            "Không đọc được thời hạn “Tháng 13/2023” của nhiệm vụ II.3: không có tháng 13."
        )
    else:
        pytest.fail("Tháng 13/2023 was read")


def test_an_unknown_reason_is_shown_as_the_engines_own() -> None:
    assert "lý do kỹ thuật: something new" in deadline_reason("something new")

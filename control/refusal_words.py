"""The engine's reasons in Vietnamese, where the web and the CLI show them: a refusal
(`refusal`), a step of a task's history (`history_detail`), a note of the importer's report
(`import_note`, `import_where`), why a deadline text cannot be read (`deadline_reason`), and
any ISO date or instant left in a sentence written dd/mm/yyyy and HH:MM in Vietnam time
(`local_dates`).

The engine gives its reasons as English sentences (the CLI prints them as they are), so the
table in refusal_words.yaml follows those sentences; tests/engine/test_refusals_in_vietnamese.py
drives every refusal of the engine's checks and of control/permissions.py through it. A reason
it does not know is still shown, said to be the engine's own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml

from deadlines.local_time import in_vietnam
from deadlines.periods import ROMAN

WORDS_FILE = Path(__file__).resolve().parent / "refusal_words.yaml"

# An instant as datetime.isoformat() writes it, then a day alone ("2026-12-22").
_INSTANT = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?([+-]\d{2}:\d{2}|Z)?"
)
_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@dataclass(frozen=True)
class _Reason:
    pattern: re.Pattern[str]
    say: str


@dataclass(frozen=True)
class _Words:
    unknown: str
    reasons: tuple[_Reason, ...]
    history: tuple[_Reason, ...]
    imports: tuple[_Reason, ...]
    import_where: tuple[_Reason, ...]
    deadline: tuple[_Reason, ...]
    statuses: dict[str, str]


@lru_cache(maxsize=1)
def _words() -> _Words:
    loaded = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))

    def reasons(entries: list[dict[str, str]]) -> tuple[_Reason, ...]:
        return tuple(_Reason(re.compile(e["match"]), e["say"]) for e in entries)

    return _Words(
        unknown=loaded["unknown"],
        reasons=reasons(loaded["reasons"]),
        history=reasons(loaded["history"]),
        imports=reasons(loaded["import"]),
        import_where=reasons(loaded["import_where"]),
        deadline=reasons(loaded["deadline"]),
        statuses=dict(loaded["statuses"]),
    )


def _instant(match: re.Match[str]) -> str:
    day, clock, offset = match.groups()
    if offset is None:
        return f"{_day_text(day)} {clock}"
    at = datetime.fromisoformat(f"{day}T{clock}{'+00:00' if offset == 'Z' else offset}")
    return str(in_vietnam(at).format("DD/MM/YYYY HH:mm"))


def _day_text(iso: str) -> str:
    try:
        return f"{date.fromisoformat(iso):%d/%m/%Y}"
    except ValueError:
        return iso


def local_dates(text: str) -> str:
    """`text` with every ISO instant and day written as people in Vietnam read them."""
    text = _INSTANT.sub(_instant, text)
    return _DAY.sub(lambda m: _day_text(m.group(0)), text)


# The parts of a reason that name units (by code, one or several separated by commas).
_UNIT_PARTS = frozenset({"from", "by", "unit"})
# The parts of a reason that hold a period's key ("2023-06", "2023-Q1", "2023-H2", "2023").
_PERIOD_PARTS = frozenset({"first", "last"})
_PERIOD_KEY = re.compile(
    r"(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])|H(?P<half>[12])))?"
)


def _period_words(key: str) -> str:
    """A period's key as people write the period: "tháng 6/2023", "quý I/2023"."""
    found = _PERIOD_KEY.fullmatch(key)
    if found is None:
        return local_dates(key)
    year, month, quarter, half = found.group("year", "month", "quarter", "half")
    if month:
        return f"tháng {int(month)}/{year}"
    if quarter:
        return f"quý {ROMAN[int(quarter)]}/{year}"
    if half:
        return f"6 tháng {'đầu' if half == '1' else 'cuối'} năm {year}"
    return f"năm {year}"


def _quoted(value: str) -> str:
    """A value the engine quoted as Python does ('abc', "it's") between Vietnamese quotes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return f"“{value[1:-1]}”"
    return value


def _said(
    table: tuple[_Reason, ...], text: str, names: Mapping[str, str] | None = None
) -> str | None:
    words = _words()
    for reason in table:
        found = reason.pattern.fullmatch(text.strip())
        if found is None:
            continue
        values: dict[str, str] = {}
        for part, value in found.groupdict().items():
            value = value or ""
            if part == "status":
                value = words.statuses.get(value, value)
            elif part == "deadline":
                value = deadline_reason(value)
            elif part in _PERIOD_PARTS:
                value = _period_words(value)
            elif part in _UNIT_PARTS and names:
                value = ", ".join(names.get(c.strip(), c.strip()) for c in value.split(","))
            values[part] = _quoted(value)
        return local_dates(reason.say.format(**values))
    return None


def known(reason: str) -> str | None:
    """The engine's refusal in Vietnamese, when the table knows it."""
    return _said(_words().reasons, reason)


def refusal(reason: str) -> str:
    """The engine's refusal as the person who acted reads it."""
    return known(reason) or _words().unknown.format(reason=local_dates(reason))


def history_detail(detail: str, names: Mapping[str, str] | None = None) -> str:
    """A step of a task's history as its page shows it, units by their `names` (unknown ones
    with their dates local)."""
    if not detail:
        return ""
    return _said(_words().history, detail, names) or local_dates(detail)


def import_note(message: str) -> str | None:
    """A note of the importer's report in Vietnamese; None when the table does not know it."""
    return _said(_words().imports, message)


def deadline_reason(reason: str) -> str:
    """Why a deadline text cannot be read (DeadlineRefused.reason), as the coordinator reads
    it; a reason the table does not know is shown as the engine's own."""
    return _said(_words().deadline, reason) or _words().unknown.format(reason=reason)


def import_where(where: str) -> str:
    """Where in the file a note of the importer's report is (a line, a column, the title)."""
    return _said(_words().import_where, where) or where

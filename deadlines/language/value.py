"""One deadline value (a whole cell, or one labelled part of it): all year, ongoing, an event,
periodic, a period each year or each month, ongoing from a day, or fixed periods, tried in that
order; a parenthesised note after a value is kept as its note."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from deadlines.language.events import read_event
from deadlines.language.fixed import check_year, read_fixed_periods
from deadlines.language.periodic import read_periodic
from deadlines.language.tokens import Cursor, Unreadable, tokenize
from deadlines.language.vocabulary import Allowance, MilestoneKind
from deadlines.periods import Cadence, Period, span_period, year_period


@dataclass
class Value:
    kind: MilestoneKind
    text: str
    label: str = ""
    period: Period | None = None
    cadences: tuple[Cadence, ...] = ()
    report: bool = False
    event_key: str | None = None
    event_phrase: str = ""
    allowance: Allowance | None = None
    note: str = ""
    vague: bool = False
    monthly_day: int | None = None
    before_day: bool = False


_ALL_YEAR = re.compile(r"(?:trong |suot )?(?:ca|suot|toan) nam(?: ([0-9]{4}))?")
_ONGOING_WORDS = r"(?:thuong xuyen|lien tuc|hang ngay)"
_ONGOING = re.compile(rf"{_ONGOING_WORDS}(?:(?:,| va|, va) {_ONGOING_WORDS})*")
# "Thường xuyên, báo cáo định kỳ hằng quý": ongoing work and a series of reports.
_ONGOING_AND_CLAUSE = re.compile(rf"({_ONGOING.pattern})\s*(?:[,;:(.-]|\bva\b|\bkem theo\b)\s*(.+)")
# Words a value may begin with that name the work, not its time: "Hoàn thành trong năm 2025",
# "Thực hiện thường xuyên", "Nhiệm vụ thường xuyên".
# "Bắt đầu triển khai từ năm 2026": the start of ongoing work ("từ …" reads it).
_LEADING_VERBS = re.compile(
    r"(?:bat dau\s+)?(?:to chuc thuc hien|hoan thanh|thuc hien|trien khai|nhiem vu|cong viec|"
    r"ap dung|van hanh)\s+(?=tu\b|ke tu\b)|"
    r"(?:to chuc thuc hien|hoan thanh|thuc hien|trien khai|nhiem vu|cong viec)\s+"
)
# "Ngày 25 hằng tháng", "Trước ngày 10 hằng tháng".
_MONTHLY_DAY = re.compile(
    r"(truoc |cham nhat |han chot |vao |den )?ngay ([0-9]{1,2})(?: cua)? (?:hang|moi) thang"
)
# "2025 và những năm tiếp theo": each year from then.
_YEARS_ONWARD = re.compile(r"(.+?)\s*,?\s*(?:va |tro di )?(?:cac|nhung) nam tiep theo")
# "Tháng 12 hằng năm", "Quý IV hằng năm": that period each year.
_EACH_YEAR = re.compile(r"(.+?)\s*,?\s*(?:hang|moi) nam")
# "Từ tháng 3/2025", "Kể từ ngày 01/7/2025 (trở đi)": ongoing from then, with no end.
_FROM = re.compile(r"(?:ke tu|bat dau tu|tu)\s+(.+?)(?:\s*,?\s*tro di)?")
_TRAILING = " .;,"
_TIME_OF_DAY = re.compile(r"\b[0-9]{1,2}\s*(?::\s*[0-9]{2}|h[0-9]{0,2}\b|gio\b)")


def read_value(
    original: str, folded: str, *, year: int, last_year: int | None = None
) -> list[Value]:
    """One deadline value (a cell, or one labelled part of it)."""
    end = len(original.rstrip(_TRAILING))
    start = len(original) - len(original.lstrip(_TRAILING))
    text, text_fold = original[start:end], folded[start:end]
    if not text:
        raise Unreadable("the deadline is empty")
    if _TIME_OF_DAY.search(text_fold):
        raise Unreadable("a time of day is not read: a deadline is due at the end of office hours")
    reader = _Reader(year, last_year)
    try:
        return reader.read(text, text_fold)
    except Unreadable:
        noted = _trailing_note(text)
        if noted is None:
            raise
        head_end, note = noted
        head = text[:head_end].rstrip(" ,;-")
        # The note is allowed; if the value before it cannot be read either, what is wrong
        # lies there ('Tháng 6/2036 (trình UBND tỉnh)': the year), not in the note.
        values = reader.read(head, text_fold[: len(head)])
        return [replace(value, note=note) for value in values]


def _trailing_note(text: str) -> tuple[int, str] | None:
    """(where the value ends, the note) for 'Tháng 6/2025 (trình Chính phủ)'."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                note = text[i + 1 : -1].strip()
                if i == 0 or not note:
                    return None
                return i, note
    return None


class _Reader:
    def __init__(self, year: int, last_year: int | None) -> None:
        self.year = year
        self.last_year = last_year if last_year is not None else year

    def read(self, text: str, text_fold: str) -> list[Value]:
        if not text:
            raise Unreadable("the deadline is empty")
        simple = re.sub(r"\s*,\s*", ", ", text_fold)
        verb = _LEADING_VERBS.match(text_fold)
        if verb is not None and verb.end() < len(text):
            return self.read(text[verb.end() :], text_fold[verb.end() :])

        match = _ALL_YEAR.fullmatch(simple)
        if match:
            if match.group(1):
                the_year = int(match.group(1))
                check_year(the_year, self.year, self.last_year)
                period = year_period(the_year)
            else:
                # In a plan of several years, "Cả năm" is all of them.
                period = self._plan_span()
            return [Value(MilestoneKind.ALL_YEAR, text, period=period)]
        if _ONGOING.fullmatch(simple):
            return [Value(MilestoneKind.ONGOING, text)]
        clause = _ONGOING_AND_CLAUSE.fullmatch(text_fold)
        if clause is not None:
            return self._ongoing_and_reports(text, text_fold, clause)

        tokens = tokenize(text_fold)
        cursor = Cursor(tokens, text)
        event = read_event(cursor, text)
        if event is not None:
            return [
                Value(
                    event.kind,
                    text,
                    event_key=event.key,
                    event_phrase=event.phrase,
                    allowance=event.allowance,
                    vague=event.vague,
                )
            ]

        periodic = read_periodic(tokens, text)
        if periodic is not None:
            cadences, report = periodic
            return [Value(MilestoneKind.PERIODIC, text, cadences=cadences, report=report)]

        monthly = _MONTHLY_DAY.fullmatch(text_fold)
        if monthly is not None:
            day = int(monthly.group(2))
            if not 1 <= day <= 31:
                raise Unreadable(f"there is no day {day} in a month (“{text}”)")
            return [
                Value(
                    MilestoneKind.PERIODIC,
                    text,
                    cadences=(Cadence.MONTHLY,),
                    monthly_day=day,
                    before_day=(monthly.group(1) or "").strip() == "truoc",
                )
            ]
        onward = _YEARS_ONWARD.fullmatch(text_fold)
        if onward is not None:
            anchor = self._one_period(text, text_fold, onward.end(1), "… và các năm tiếp theo")
            return [Value(MilestoneKind.PERIODIC, text, period=anchor, cadences=(Cadence.YEARLY,))]
        each_year = _EACH_YEAR.fullmatch(text_fold)
        if each_year is not None:
            anchor = self._one_period(text, text_fold, each_year.end(1), "… hằng năm")
            return [Value(MilestoneKind.PERIODIC, text, period=anchor, cadences=(Cadence.YEARLY,))]
        opening = _FROM.fullmatch(text_fold)
        if opening is not None and not re.search(r"\bden\b", text_fold):
            start, end = opening.span(1)
            first = self._one_period(text[start:], text_fold[start:], end - start, "từ …")
            return [Value(MilestoneKind.ONGOING, text, period=first)]

        cursor = Cursor(tokens, text)
        if cursor.peek() == "sau" and (
            cursor.peek(1) in {"ngay", "thang", "nam"} or cursor.is_quarter_word(1)
        ):
            raise Unreadable(
                f"'sau' (after) a date sets no end (“{text}”): write the day it is due"
            )
        return [
            Value(MilestoneKind.FIXED, text, label=label, period=period)
            for label, period in read_fixed_periods(
                cursor, text, plan_year=self.year, last_year=self.last_year
            )
        ]

    def _plan_span(self) -> Period:
        first = year_period(self.year)
        if self.last_year == self.year:
            return first
        return span_period(first, year_period(self.last_year))

    def _one_period(self, text: str, text_fold: str, end: int, form: str) -> Period:
        """The one period the words before a repeat ('… hằng năm') or after 'từ' name."""
        head, head_fold = text[:end].strip(_TRAILING), text_fold[:end].strip(_TRAILING)
        if not head:
            raise Unreadable(f"“{text}” names no period before or after {form!r}")
        periods = read_fixed_periods(
            Cursor(tokenize(head_fold), head), head, plan_year=self.year, last_year=self.last_year
        )
        if len(periods) != 1:
            raise Unreadable(f"“{head}” names {len(periods)} periods where {form!r} needs one")
        return periods[0][1]

    def _ongoing_and_reports(self, text: str, text_fold: str, clause: re.Match[str]) -> list[Value]:
        start = clause.start(2)
        rest, rest_fold = (
            text[start:].strip(_TRAILING + ")"),
            text_fold[start:].strip(_TRAILING + ")"),
        )
        try:
            following = self.read(rest, rest_fold)
        except Unreadable as unreadable:
            raise Unreadable(
                f"“{rest}” after “{text[: clause.end(1)]}” names no reporting cadence "
                f"({unreadable.reason})"
            ) from None
        if not all(value.kind is MilestoneKind.PERIODIC for value in following):
            raise Unreadable(
                f"“{rest}” after “{text[: clause.end(1)]}” names no reporting cadence "
                "(e.g. 'báo cáo định kỳ hằng quý')"
            )
        ongoing = Value(MilestoneKind.ONGOING, text[: clause.end(1)], label=text[: clause.end(1)])
        for value in following:
            value.label = value.label or value.text
        return [ongoing, *following]

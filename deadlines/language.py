"""The deadline language of a plan's appendix ("Thời gian thực hiện"), read into milestones.

`parse_deadline` turns one cell into an ordered list of `MilestoneSpec`: what kind of deadline
each part is, and the period, cadences or event it names. It dates nothing (that needs the
calendar and the policy: see `planning`), and it never guesses: a text it cannot read is refused
with `DeadlineRefused`, which carries the text and the reason.

The reader works on a folded copy of the text (no accents, lower case, see `folding`) so that
"Tháng 02/2023", "thang 2/2023" and "THÁNG 2 – 2023" read the same, and cuts labels and event
phrases out of the original text by the same positions.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from deadlines.folding import fold, slug, tidy
from deadlines.periods import (
    ROMAN_VALUES,
    Cadence,
    Period,
    day_period,
    half_period,
    month_period,
    quarter_period,
    span_period,
    year_period,
)

# A deadline naming a year further from the plan's than this is almost surely a typing slip
# ("2203"); a plan may reach a little into the past (carried-over tasks) and a few years ahead.
YEARS_BEFORE_PLAN = 1
YEARS_AFTER_PLAN = 5
# "trong 15 ngày kể từ ..." beyond ten years is a typing slip, not a deadline.
MAX_ALLOWANCE_DAYS = 3650


class MilestoneKind(StrEnum):
    FIXED = "fixed"
    ALL_YEAR = "all_year"
    ONGOING = "ongoing"
    PERIODIC = "periodic"
    AFTER_EVENT = "after_event"
    OUTSIDE_PLAN = "outside_plan"
    RECURRING_EVENT = "recurring_event"


EVENT_KINDS = frozenset(
    {MilestoneKind.AFTER_EVENT, MilestoneKind.OUTSIDE_PLAN, MilestoneKind.RECURRING_EVENT}
)


class DeadlineRefused(ValueError):
    """A deadline text the engine will not guess at: `.text` as written, `.reason` why."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{reason} (deadline text: {text!r})")
        self.text = text
        self.reason = reason


@dataclass(frozen=True)
class Allowance:
    """Time the text itself gives after an event ("trong 15 ngày làm việc kể từ khi ...")."""

    days: int
    working_days: bool


@dataclass(frozen=True)
class MilestoneSpec:
    """One milestone as the text states it, before any date is worked out.

    `period` is set for fixed milestones (the period the work must be done in) and for all-year
    ones (the year); `cadences` for periodic ones; `event_key` for the three event kinds.
    """

    order: int
    label: str
    kind: MilestoneKind
    text: str
    event_key: str | None = None
    # The event as written ("UBND tỉnh ban hành Kế hoạch KSTTHC năm 2023"), for people.
    event_phrase: str = ""
    period: Period | None = None
    cadences: tuple[Cadence, ...] = ()
    # A periodic report (the CCHC reports' data cut-off and submission days apply).
    report: bool = False
    allowance: Allowance | None = None


def _is_number(word: str) -> bool:
    # ASCII digits only: "²".isdigit() is true, but it is no number a deadline is written with.
    return word.isascii() and word.isdigit()


class _Unreadable(Exception):
    """Raised inside the reader; becomes DeadlineRefused with the whole text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ----------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Token:
    text: str  # folded
    start: int
    end: int

    @property
    def is_number(self) -> bool:
        return _is_number(self.text)


_TOKEN = re.compile(r"[0-9]+|[a-z]+|[^\sa-z0-9]")


def _tokens(folded: str, offset: int = 0) -> list[_Token]:
    return [
        _Token(m.group(), m.start() + offset, m.end() + offset) for m in _TOKEN.finditer(folded)
    ]


class _Cursor:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.tokens[j].text if j < len(self.tokens) else ""

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def take(self) -> _Token:
        if self.at_end():
            raise _Unreadable("the text stops where more was expected")
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, *words: str) -> bool:
        """Consume the words if they come next, in order."""
        if all(self.peek(k) == w for k, w in enumerate(words)):
            self.i += len(words)
            return True
        return False

    def expect_number(self, what: str) -> int:
        token = self.take()
        if not token.is_number:
            raise _Unreadable(f"expected {what}, found {token.text!r}")
        return int(token.text)


# ----------------------------------------------------------------------------- fixed periods


@dataclass
class _Item:
    """One period named in a fixed deadline, before its year is settled."""

    unit: str  # day | month | quarter | half | year
    number: int = 0  # month, quarter or half
    day: int = 0
    month: int = 0
    year: int | None = None
    start: int = 0  # position in the text, for labels
    end: int = 0
    before: bool = False  # "trước ...": due the day before the period starts
    span_to: _Item | None = None
    # Where the unit word ("tháng", "quý") of a continued item stands: 'tháng 6, 9 và 12'.
    unit_word: tuple[int, int] | None = None


_PREFIXES = (
    ("cham", "nhat"),
    ("han", "chot"),
    ("den", "het"),
    ("den",),
    ("het",),
    ("han",),
    ("trong",),
    ("vao",),
    ("cuoi",),
)
_VAGUE = {
    "dau": "'đầu' (early in) names no day: write the day, month or quarter it is due",
    "giua": "'giữa' (the middle of) names no day: write the day, month or quarter it is due",
}
_KNOWN = (
    "a month ('Tháng 2/2023'), quarter ('Quý II'), half year ('6 tháng đầu năm'), year, day "
    "('ngày 15/3/2023'), 'Cả năm', 'Thường xuyên', 'Hằng tháng/quý', 'Định kỳ 6 tháng', "
    "'Sau khi …', 'Theo Kế hoạch … của …' or 'Khi có …'"
)
_SEPARATORS = {",", "va", ";", "&", "+"}
_ITEM_STARTS = {
    "thang",
    "quy",
    "ngay",
    "nam",
    "nua",
    "tu",
    "truoc",
    "sau",
    *(p[0] for p in _PREFIXES),
}


class _FixedReader:
    def __init__(self, cursor: _Cursor) -> None:
        self.c = cursor

    def read(self) -> list[_Item]:
        items = [self.item()]
        while not self.c.at_end():
            had_separator = False
            while self.c.peek() in _SEPARATORS:
                self.c.take()
                had_separator = True
            if self.c.at_end():
                raise _Unreadable("the list of periods ends with a separator")
            previous = items[-1]
            continued = self._continuation(previous) if had_separator else None
            if continued is not None:
                items.append(continued)
            elif had_separator or self.c.peek() in _ITEM_STARTS:
                items.append(self.item())
            else:
                raise _Unreadable(f"unexpected {self.c.peek()!r} after a period")
        return items

    def _continuation(self, previous: _Item) -> _Item | None:
        """'tháng 6 và 12/2023', 'quý I và II': a bare number continues the previous unit."""
        word = self.c.peek()
        if previous.unit not in {"month", "quarter"}:
            return None
        if not (_is_number(word) and len(word) <= 2) and not (
            previous.unit == "quarter" and word in ROMAN_VALUES
        ):
            return None
        if self.c.peek(1) in {"/", ".", "-"} and len(self.c.peek(2)) != 4:
            return None  # '15/7': a day, not a continued month
        token = self.c.take()
        unit_word = previous.unit_word or self._unit_word(previous)
        if previous.unit == "month":
            item = _Item("month", number=int(word))
            if not 1 <= item.number <= 12:
                raise _Unreadable(f"there is no month {item.number}")
        else:
            item = _Item("quarter", number=_quarter_number(word))
        self._year(item)
        item.start = token.start
        item.end = self.c.tokens[self.c.i - 1].end
        item.unit_word = unit_word
        return item

    def _unit_word(self, item: _Item) -> tuple[int, int] | None:
        unit = {"month": "thang", "quarter": "quy"}[item.unit]
        for token in self.c.tokens:
            if item.start <= token.start < item.end and token.text == unit:
                return token.start, token.end
        return None

    def item(self) -> _Item:
        first = self.c.tokens[self.c.i] if not self.c.at_end() else None
        if first is None:
            raise _Unreadable("a period is missing")
        if first.text in _VAGUE:
            raise _Unreadable(_VAGUE[first.text])
        before = self.c.accept("truoc")
        if not before:
            for prefix in _PREFIXES:
                if self.c.accept(*prefix):
                    break
        if self.c.peek() in _VAGUE:
            raise _Unreadable(_VAGUE[self.c.peek()])
        if self.c.accept("tu"):
            item = self.bare()
            if not (self.c.accept("den", "het") or self.c.accept("den")):
                raise _Unreadable("'từ ...' (from) needs 'đến ...' (to)")
            item.span_to = self.bare()
        else:
            item = self.bare()
            if self.c.peek() == "-" and self._range_follows():
                self.c.take()
                item.span_to = self._range_end(item)
        item.before = before
        item.start = first.start
        item.end = self.c.tokens[self.c.i - 1].end
        return item

    def _range_follows(self) -> bool:
        nxt = self.c.peek(1)
        return (
            nxt in {"thang", "quy", "ngay"}
            or nxt in ROMAN_VALUES
            or (_is_number(nxt) and len(nxt) <= 2)
        )

    def _range_end(self, first: _Item) -> _Item:
        word = self.c.peek()
        if word in {"thang", "quy", "ngay"}:
            return self.bare()
        if first.unit == "day":
            return self._day()
        token = self.c.take()
        if first.unit == "month" and _is_number(token.text):
            end = _Item("month", number=int(token.text))
            if not 1 <= end.number <= 12:
                raise _Unreadable(f"there is no month {end.number}")
        elif first.unit == "quarter":
            end = _Item("quarter", number=_quarter_number(token.text))
        else:
            raise _Unreadable(f"cannot read the range that ends with {token.text!r}")
        self._year(end)
        if end.year is not None and first.year is None:
            first.year = end.year
        return end

    def bare(self) -> _Item:
        word = self.c.peek()
        if word == "thang":
            self.c.take()
            item = _Item("month", number=self.c.expect_number("a month number after 'tháng'"))
            if not 1 <= item.number <= 12:
                raise _Unreadable(f"there is no month {item.number}")
            if self.c.peek() == "-" and len(self.c.peek(1)) != 4:
                return item  # a range: 'tháng 3-6/2023'
            self._year(item)
            return item
        if word == "quy":
            self.c.take()
            token = self.c.take()
            item = _Item("quarter", number=_quarter_number(token.text))
            if self.c.peek() == "-" and len(self.c.peek(1)) != 4:
                return item
            self._year(item)
            return item
        if word in {"6", "sau"} and self.c.peek(1) == "thang":
            self.c.take()
            self.c.take()
            return self._half()
        if word == "nua":
            self.c.take()
            return self._half()
        if word == "nam":
            self.c.take()
            item = _Item("year")
            if _is_number(self.c.peek()):
                item.year = self._four_digit_year()
            return item
        if word == "ngay":
            self.c.take()
            return self._day()
        if _is_number(word) and self.c.peek(1) in {"/", ".", "-"}:
            return self._day()
        if word == "":
            raise _Unreadable("a period is missing")
        raise _Unreadable(f"{word!r} does not start a deadline this reader knows: {_KNOWN}")

    def _half(self) -> _Item:
        if self.c.accept("dau", "nam"):
            item = _Item("half", number=1)
        elif self.c.accept("cuoi", "nam"):
            item = _Item("half", number=2)
        else:
            raise _Unreadable("'6 tháng' needs 'đầu năm' or 'cuối năm' (or 'định kỳ' before it)")
        if self.c.peek() == "/" and len(self.c.peek(1)) == 4:
            self.c.take()
        if _is_number(self.c.peek()):
            item.year = self._four_digit_year()
        return item

    def _day(self) -> _Item:
        day = self.c.expect_number("a day")
        if self.c.accept("thang"):
            month = self.c.expect_number("a month after 'tháng'")
        else:
            separator = self.c.take().text
            if separator not in {"/", ".", "-"}:
                raise _Unreadable(f"expected '/' between day and month, found {separator!r}")
            month = self.c.expect_number("a month")
        item = _Item("day", day=day, month=month)
        if self.c.peek() in {"/", ".", "-"} and len(self.c.peek(1)) == 4:
            self.c.take()
            item.year = self._four_digit_year()
        elif self.c.accept("nam"):
            item.year = self._four_digit_year()
        return item

    def _year(self, item: _Item) -> None:
        """An optional year after a month or quarter: '/2023', '-2023', '.2023', 'năm 2023'."""
        separated = self.c.peek() in {"/", "-", "."} and len(self.c.peek(1)) == 4
        if separated or (self.c.peek() == "nam" and _is_number(self.c.peek(1))):
            self.c.take()
            item.year = self._four_digit_year()
        elif _is_number(self.c.peek()) and len(self.c.peek()) == 4:
            item.year = self._four_digit_year()

    def _four_digit_year(self) -> int:
        token = self.c.take()
        if not (token.is_number and len(token.text) == 4):
            raise _Unreadable(f"expected a four-digit year, found {token.text!r}")
        return int(token.text)


def _quarter_number(word: str) -> int:
    if word in ROMAN_VALUES:
        return ROMAN_VALUES[word]
    if _is_number(word) and 1 <= int(word) <= 4:
        return int(word)
    raise _Unreadable(f"there is no quarter {word!r} (I, II, III, IV or 1-4)")


def _period_of(item: _Item, year: int) -> Period:
    try:
        if item.unit == "month":
            return month_period(year, item.number)
        if item.unit == "quarter":
            return quarter_period(year, item.number)
        if item.unit == "half":
            return half_period(year, item.number)
        if item.unit == "year":
            return year_period(year)
        return day_period(date(year, item.month, item.day))
    except (ValueError, OverflowError) as error:
        if item.unit == "day":
            raise _Unreadable(f"{item.day}/{item.month}/{year} is not a date") from error
        raise _Unreadable(str(error)) from error


def _settle_years(items: list[_Item], plan_year: int) -> None:
    """A period without a year takes the next year written after it in the same list
    ('tháng 6 và tháng 12/2023', 'từ tháng 3 đến tháng 6/2023'), or else the plan's year."""
    parts = [p for item in items for p in (item, item.span_to) if p is not None]
    following: int | None = None
    for part in reversed(parts):
        if part.year is None:
            part.year = following
        else:
            following = part.year
    for part in parts:
        if part.year is None:
            part.year = plan_year
        _check_year(part.year, plan_year)


def _fixed_periods(items: list[_Item], plan_year: int) -> list[Period]:
    _settle_years(items, plan_year)
    periods: list[Period] = []
    for item in items:
        assert item.year is not None
        period = _period_of(item, item.year)
        if item.span_to is not None:
            assert item.span_to.year is not None
            last = _period_of(item.span_to, item.span_to.year)
            try:
                period = span_period(period, last)
            except ValueError as error:
                raise _Unreadable(str(error)) from error
        if item.before:
            period = day_period(period.start - timedelta(days=1))
        periods.append(period)
    return periods


# ----------------------------------------------------------------------------- periodic


_CADENCE_MARKERS = {"hang", "moi"}


def _read_cadences(c: _Cursor) -> list[Cadence]:
    """A list like 'quý, 6 tháng, năm', 'hằng quý và hằng năm', '(tháng/quý)'."""
    cadences: list[Cadence] = []
    closing = c.accept("(")
    while True:
        while c.peek() in _CADENCE_MARKERS:
            c.take()
        if c.accept("thang"):
            cadences.append(Cadence.MONTHLY)
        elif c.accept("quy"):
            cadences.append(Cadence.QUARTERLY)
        elif c.accept("6", "thang") or c.accept("sau", "thang") or c.accept("nua", "nam"):
            cadences.append(Cadence.HALF_YEARLY)
            c.accept("mot", "lan") or c.accept("1", "lan")
        elif c.accept("nam"):
            cadences.append(Cadence.YEARLY)
        else:
            break
        if c.peek() in {",", "va", "/", ";"}:
            c.take()
            continue
        break
    if closing:
        c.accept(")")
    return cadences


def _cadences_in_title(folded_title: str) -> tuple[Cadence, ...]:
    """Periodic reports named in the task itself: 'báo cáo định kỳ (quý, 6 tháng, năm)',
    'báo cáo ... định kỳ hằng quý, 6 tháng, năm'."""
    if not re.search(r"\bbao\s*cao\b", folded_title):
        return ()
    for match in re.finditer(r"\bdinh\s*ky\b|\bhang\b", folded_title):
        rest = folded_title[match.end() :]
        if match.group().startswith("hang"):
            rest = "hang " + rest
        found = _read_cadences(_Cursor(_tokens(rest)))
        if found:
            return _ordered(found)
    return ()


def _ordered(cadences: list[Cadence]) -> tuple[Cadence, ...]:
    return tuple(sorted(set(cadences), key=lambda cadence: cadence.months))


# ----------------------------------------------------------------------------- events

_EVENT_TRIGGERS = (
    ("ngay", "sau", "khi"),
    ("sau", "khi"),
    ("ngay", "khi"),
    ("moi", "khi"),
    ("moi", "lan"),
    ("bat", "cu", "khi", "nao"),
    ("khi",),
)
_RECURRING_TRIGGERS = {("moi", "khi"), ("moi", "lan"), ("bat", "cu", "khi", "nao")}
# Words between the trigger and the event itself that do not name it: "sau khi [có|đã] ...".
_EVENT_FILLERS = {"co", "da", "duoc", "cac", "nhung"}
# An outside body's document that sets the date: "Theo Kế hoạch (mở lớp) của UBND tỉnh".
_OUTSIDE_DOCUMENTS = (
    ("ke", "hoach"),
    ("lich",),
    ("thong", "bao"),
    ("quyet", "dinh"),
    ("chi", "dao"),
    ("van", "ban"),
    ("huong", "dan"),
    ("chuong", "trinh"),
    ("tien", "do"),
    ("cong", "van"),
)
_ON_REQUEST = (("yeu", "cau"), ("de", "nghi"))


def _event_spec_parts(
    c: _Cursor, original: str
) -> tuple[MilestoneKind, str, str, Allowance | None] | None:
    """(kind, event key, event phrase, allowance) when the value names an event, else None."""
    allowance: Allowance | None = None
    start = c.i
    if c.peek() == "trong" or _is_number(c.peek()):
        c.accept("trong")
        if not c.accept("vong"):
            c.accept("thoi", "han")
        if not _is_number(c.peek()):
            c.i = start
            return None
        days = int(c.take().text)
        if not c.accept("ngay"):
            c.i = start
            return None
        working = c.accept("lam", "viec")
        counted_from = (("ke", "tu", "khi"), ("ke", "tu"), ("sau", "khi"), ("sau",))
        if not any(c.accept(*words) for words in counted_from):
            c.i = start
            return None
        if c.peek() == "ngay" and _is_number(c.peek(1)):
            raise _Unreadable("a time counted from a date: write the day it is due instead")
        c.accept("ngay")
        if not 0 < days <= MAX_ALLOWANCE_DAYS:
            raise _Unreadable(f"an allowance of {days} days is not a deadline")
        allowance = Allowance(days=days, working_days=working)
        trigger: tuple[str, ...] = ("sau", "khi")
    else:
        matched = next((t for t in _EVENT_TRIGGERS if c.accept(*t)), None)
        if matched is None:
            if c.accept("theo"):
                return _outside_plan(c, original)
            return None
        trigger = matched
    while c.peek() in _EVENT_FILLERS:
        c.take()
    if c.at_end():
        raise _Unreadable("the text says 'after' or 'when' but names no event")
    phrase_tokens = c.tokens[c.i :]
    if phrase_tokens[0].text in {"thang", "quy", "ngay"} or phrase_tokens[0].is_number:
        raise _Unreadable("an event must be a thing that happens, not a date")
    phrase = original[phrase_tokens[0].start : phrase_tokens[-1].end].strip()
    words = [t.text for t in phrase_tokens]
    recurring = trigger in _RECURRING_TRIGGERS or (
        trigger == ("khi",)
        and (
            c.tokens[c.i - 1].text in {"cac", "nhung"}
            or words[:2] in (["phat", "sinh"], ["yeu", "cau"], ["de", "nghi"], ["can", "thiet"])
            or words == ["can"]
            or "moi" in words
        )
    )
    c.i = len(c.tokens)
    kind = MilestoneKind.RECURRING_EVENT if recurring else MilestoneKind.AFTER_EVENT
    return kind, slug(phrase), phrase, allowance


def _outside_plan(c: _Cursor, original: str) -> tuple[MilestoneKind, str, str, Allowance | None]:
    while c.peek() in _EVENT_FILLERS:
        c.take()
    words = tuple(t.text for t in c.tokens[c.i :])
    if not words:
        raise _Unreadable("'theo' (according to) names nothing")
    phrase = original[c.tokens[c.i].start : c.tokens[-1].end].strip()
    c.i = len(c.tokens)
    if any(words[: len(doc)] == doc for doc in _ON_REQUEST):
        return MilestoneKind.RECURRING_EVENT, slug(phrase), phrase, None
    if any(words[: len(doc)] == doc for doc in _OUTSIDE_DOCUMENTS):
        return MilestoneKind.OUTSIDE_PLAN, slug(phrase), phrase, None
    raise _Unreadable(
        f"'theo {phrase}' names no plan, schedule or decision that sets the date "
        "(e.g. 'Theo Kế hoạch của UBND tỉnh')"
    )


# ----------------------------------------------------------------------------- one value


@dataclass
class _Value:
    kind: MilestoneKind
    text: str
    label: str = ""
    period: Period | None = None
    cadences: tuple[Cadence, ...] = ()
    report: bool = False
    event_key: str | None = None
    event_phrase: str = ""
    allowance: Allowance | None = None


_ALL_YEAR = re.compile(r"(?:trong |suot )?(?:ca|suot|toan) nam(?: ([0-9]{4}))?")
_ONGOING = re.compile(
    r"(?:thuong xuyen|lien tuc|hang ngay)(?:(?:,| va|, va) (?:thuong xuyen|lien tuc|hang ngay))*"
)
_TRAILING = " .;,"


_TIME_OF_DAY = re.compile(r"\b[0-9]{1,2}\s*(?::\s*[0-9]{2}|h[0-9]{0,2}\b|gio\b)")


def _read_value(original: str, folded: str, *, year: int) -> list[_Value]:
    """One deadline value (a cell, or one labelled part of it)."""
    end = len(original.rstrip(_TRAILING))
    start = len(original) - len(original.lstrip(_TRAILING))
    text, text_fold = original[start:end], folded[start:end]
    if not text:
        raise _Unreadable("the deadline is empty")
    if _TIME_OF_DAY.search(text_fold):
        raise _Unreadable("a time of day is not read: a deadline is due at the end of office hours")
    simple = re.sub(r"\s*,\s*", ", ", text_fold)

    match = _ALL_YEAR.fullmatch(simple)
    if match:
        the_year = int(match.group(1)) if match.group(1) else year
        _check_year(the_year, year)
        return [_Value(MilestoneKind.ALL_YEAR, text, period=year_period(the_year))]
    if _ONGOING.fullmatch(simple):
        return [_Value(MilestoneKind.ONGOING, text)]

    tokens = _tokens(text_fold)
    cursor = _Cursor(tokens)
    event = _event_spec_parts(cursor, text)
    if event is not None:
        kind, key, phrase, allowance = event
        return [_Value(kind, text, event_key=key, event_phrase=phrase, allowance=allowance)]

    periodic = _periodic_value(tokens, text)
    if periodic is not None:
        return [periodic]

    cursor = _Cursor(tokens)
    if cursor.peek() == "sau" and cursor.peek(1) in {"ngay", "thang", "quy", "nam"}:
        raise _Unreadable("'sau' (after) a date sets no end: write the day it is due")
    items = _FixedReader(cursor).read()
    periods = _fixed_periods(items, year)
    if len(periods) == 1:
        return [_Value(MilestoneKind.FIXED, text, period=periods[0])]
    return [
        _Value(MilestoneKind.FIXED, text, label=_item_label(text, item), period=period)
        for item, period in zip(items, periods, strict=True)
    ]


def _item_label(text: str, item: _Item) -> str:
    """The words of the text that name one of several periods; a continued number gets the
    unit word it continues ('tháng 6, 9 và 12/2023' -> 'tháng 9', 'tháng 12/2023')."""
    own = text[item.start : item.end]
    if item.unit_word is None:
        return own
    return f"{text[item.unit_word[0] : item.unit_word[1]]} {own}"


def _periodic_value(tokens: list[_Token], text: str) -> _Value | None:
    c = _Cursor(tokens)
    report = c.accept("bao", "cao")
    c.accept("che", "do")
    words = [t.text for t in tokens]
    once_per = words[-2:] in (["mot", "lan"], ["1", "lan"])
    marked = c.accept("dinh", "ky") or c.peek() in _CADENCE_MARKERS or once_per
    if not marked:
        return None
    cadences = _read_cadences(c)
    if not c.at_end():
        return None
    return _Value(MilestoneKind.PERIODIC, text, cadences=_ordered(cadences), report=report)


def _check_year(the_year: int, plan_year: int) -> None:
    if not plan_year - YEARS_BEFORE_PLAN <= the_year <= plan_year + YEARS_AFTER_PLAN:
        raise _Unreadable(f"the year {the_year} is too far from the plan's year {plan_year}")


# ----------------------------------------------------------------------------- labelled parts

# Words a part's label starts with ("Ban hành Kế hoạch:", "Thực hiện:", "Xây dựng Phương án:").
# Used only to find where an event phrase ends and the next label begins.
_LABEL_VERBS = (
    "ban hanh",
    "thuc hien",
    "dang ky",
    "xay dung",
    "trien khai",
    "bao cao",
    "tong ket",
    "so ket",
    "hoan thanh",
    "hoan thien",
    "trinh",
    "kiem tra",
    "to chuc",
    "ra soat",
    "danh gia",
    "cong bo",
    "phe duyet",
    "gui",
    "tong hop",
    "du thao",
    "lay y kien",
    "nghiem thu",
    "chuan bi",
    "bat dau",
    "ket thuc",
    "giai doan",
    "dot",
    "cap nhat",
    "tham muu",
    "de xuat",
    "van hanh",
    "dua vao",
    "tuyen truyen",
    "sua doi",
    "bo sung",
)


def _is_label_start(word: str) -> bool:
    """A capitalised ordinary word ('Thực'), not an acronym ('UBND', 'KSTTHC')."""
    return bool(word) and word[0].isupper() and not (len(word) > 1 and word.isupper())


def _split_value_and_label(segment: str, folded: str, *, year: int) -> tuple[str, str]:
    """'tháng 2/2023 Thực hiện' -> ('tháng 2/2023', 'Thực hiện')."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", segment)]
    starts = [i for i, (s, e) in enumerate(words) if i > 0 and _is_label_start(segment[s:e])]
    # A period or keyword value: the longest prefix that reads as one.
    for i in reversed(starts):
        cut = words[i][0]
        try:
            values = _read_value(segment[:cut], folded[:cut], year=year)
        except _Unreadable:
            continue
        if all(v.kind not in EVENT_KINDS for v in values):
            return segment[:cut].strip(), segment[cut:].strip()
    # An event phrase runs on until a label verb starts a new part.
    for i in reversed(starts):
        label_fold = folded[words[i][0] :]
        if any(re.match(rf"{verb}\b", label_fold) for verb in _LABEL_VERBS) and i > 1:
            cut = words[i][0]
            return segment[:cut].strip(), segment[cut:].strip()
    raise _Unreadable(
        f"cannot tell where the deadline ends and the next label begins in {segment.strip()!r}: "
        "separate the parts with ';' or a new line"
    )


def _labelled_parts(text: str, folded: str, *, year: int) -> list[tuple[str, str, str]]:
    """(label, value, folded value) for each part; one part with label "" when unlabelled."""
    pieces = _split_on(";", text, folded)
    parts: list[tuple[str, str, str]] = []
    for piece, piece_fold in pieces:
        colons = [i for i, char in enumerate(piece_fold) if char == ":"]
        colons = [i for i in colons if _is_label_colon(piece_fold, i)]
        if not colons:
            parts.append(("", piece.strip(), piece_fold.strip()))
            continue
        bounds = [-1, *colons, len(piece)]
        segments = [
            (piece[a + 1 : b], piece_fold[a + 1 : b]) for a, b in itertools.pairwise(bounds)
        ]
        label = segments[0][0].strip()
        if not label:
            raise _Unreadable("a ':' has no label before it")
        for k, (segment, segment_fold) in enumerate(segments[1:], start=1):
            last = k == len(segments) - 1
            if last:
                value, next_label = segment.strip(), ""
            else:
                value, next_label = _split_value_and_label(segment, segment_fold, year=year)
            if not value:
                raise _Unreadable(f"the part {label!r} has no deadline")
            parts.append((label, value, fold(value)))
            label = next_label
    return parts


def _is_label_colon(folded: str, i: int) -> bool:
    # "17:00" is a time, not a label.
    return not (0 < i < len(folded) - 1 and _is_number(folded[i - 1]) and _is_number(folded[i + 1]))


def _split_on(separator: str, text: str, folded: str) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    start = 0
    for i, char in enumerate(folded):
        if char == separator:
            pieces.append((text[start:i], folded[start:i]))
            start = i + 1
    pieces.append((text[start:], folded[start:]))
    return [(p, f) for p, f in pieces if p.strip()]


# ----------------------------------------------------------------------------- the entry point


def parse_deadline(text: str, *, year: int, task_title: str = "") -> list[MilestoneSpec]:
    """Read a deadline cell into milestones, in the order written.

    `year` is the plan's year: it dates periods written without one ("Tháng 5", "quý 2").
    `task_title` matters for one case: a task that is itself a periodic report ("Thực hiện
    chế độ báo cáo định kỳ (quý, 6 tháng, năm)") with "Cả năm" or "Thường xuyên" as its
    deadline is the series of those reports.

    Raises DeadlineRefused (never another exception) for a text it cannot read.
    """
    if not isinstance(text, str):
        raise DeadlineRefused(repr(text), "the deadline is not text")
    cleaned = tidy(text)
    if not cleaned:
        raise DeadlineRefused(text, "the deadline is empty")
    folded = fold(cleaned)
    try:
        values: list[_Value] = []
        for label, part, part_fold in _labelled_parts(cleaned, folded, year=year):
            for read in _read_value(part, part_fold, year=year):
                if label and read.label:
                    read.label = f"{label} ({read.label})"
                elif label:
                    read.label = label
                values.append(read)
        if not values:
            # Only separators (";", "-"): nothing that says when.
            raise _Unreadable("the deadline names no time")
        if len(values) > 1:
            for value in values:
                value.label = value.label or value.text
        _apply_title(values, task_title)
    except _Unreadable as unreadable:
        raise DeadlineRefused(text, unreadable.reason) from None
    return [
        MilestoneSpec(
            order=order,
            label=value.label,
            kind=value.kind,
            text=value.text,
            event_key=value.event_key,
            event_phrase=value.event_phrase,
            period=value.period,
            cadences=value.cadences,
            report=value.report,
            allowance=value.allowance,
        )
        for order, value in enumerate(values, start=1)
    ]


def _apply_title(values: list[_Value], task_title: str) -> None:
    title_fold = fold(tidy(task_title)) if task_title else ""
    title_cadences = _cadences_in_title(title_fold)
    names_report = bool(re.search(r"\bbao\s*cao\b", title_fold))
    for value in values:
        if value.kind is MilestoneKind.PERIODIC:
            if not value.cadences:
                if not title_cadences:
                    raise _Unreadable("'định kỳ' (periodic) names no period: monthly, quarterly…?")
                value.cadences = title_cadences
            value.report = value.report or names_report
        elif (
            len(values) == 1
            and value.kind in (MilestoneKind.ALL_YEAR, MilestoneKind.ONGOING)
            and title_cadences
        ):
            value.kind = MilestoneKind.PERIODIC
            value.cadences = title_cadences
            value.report = True
            value.period = None

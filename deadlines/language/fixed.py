"""Fixed deadlines: the periods a text names ("Tháng 2/2023", "Quý I và II", "từ tháng 3 đến
tháng 6/2023", "Trước ngày 15/3", "6 tháng đầu năm"), each with its year settled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from deadlines.language.tokens import Cursor, Token, Unreadable, is_number
from deadlines.periods import (
    ROMAN_VALUES,
    Period,
    PeriodUnit,
    day_period,
    half_period,
    month_period,
    quarter_period,
    span_period,
    year_period,
)

# A deadline naming a year further from the plan's than this is almost surely a typing slip
# ("2203"); a plan may reach a little into the past (carried-over tasks) and a few years ahead.
NAMED_YEARS_BEFORE_PLAN = 1
NAMED_YEARS_AFTER_PLAN = 5


def check_year(the_year: int, plan_year: int, last_year: int | None = None) -> None:
    """A year a deadline names lies within the plan's reach: from the year before its first
    year to a few years after its last (`last_year`, the first when the plan is of one year)."""
    last = plan_year if last_year is None else last_year
    if not plan_year - NAMED_YEARS_BEFORE_PLAN <= the_year <= last + NAMED_YEARS_AFTER_PLAN:
        years = f"year {plan_year}" if last == plan_year else f"years {plan_year}–{last}"
        raise Unreadable(f"the year {the_year} is too far from the plan's {years}")


def read_fixed_periods(
    cursor: Cursor, text: str, *, plan_year: int, last_year: int | None = None
) -> list[tuple[str, Period]]:
    """(label, period) for each period named, in order; the label is "" when there is one, else
    the words of `text` that name it."""
    items = _FixedReader(cursor).read()
    periods = _fixed_periods(items, plan_year, last_year)
    if len(periods) == 1:
        return [("", periods[0])]
    return [(_item_label(text, item), period) for item, period in zip(items, periods, strict=True)]


def _item_label(text: str, item: _Item) -> str:
    """The words of the text that name one of several periods; a continued number gets the
    unit word it continues ('tháng 6, 9 và 12/2023' -> 'tháng 9', 'tháng 12/2023')."""
    own = text[item.start : item.end]
    if item.unit_word is None:
        return own
    return f"{text[item.unit_word[0] : item.unit_word[1]]} {own}"


@dataclass
class _Item:
    """One period named in a fixed deadline, before its year is settled."""

    unit: PeriodUnit  # day, month, quarter, half or year: never a span
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
    ("giai", "doan"),
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
    "a month ('Tháng 2/2023', '12/2025'), quarter ('Quý II'), half year ('6 tháng đầu năm'), "
    "year ('2025', 'Năm 2024 – 2025'), day ('ngày 15/3/2023'), 'Cả năm', 'Thường xuyên', "
    "'Hằng tháng/quý', 'Định kỳ 6 tháng', 'Sau khi …', 'Theo Kế hoạch … của …' or 'Khi có …'"
)
_SEPARATORS = {",", "va", ";", "&", "+"}
_ITEM_STARTS = {
    "thang",
    "quy",
    "qui",
    "ngay",
    "nam",
    "nua",
    "tu",
    "truoc",
    "sau",
    *(p[0] for p in _PREFIXES),
}


class _FixedReader:
    def __init__(self, cursor: Cursor) -> None:
        self.c = cursor

    def read(self) -> list[_Item]:
        items = [self.item()]
        while not self.c.at_end():
            had_separator = False
            while self.c.peek() in _SEPARATORS:
                self.c.take()
                had_separator = True
            if self.c.at_end():
                raise Unreadable("the list of periods ends with a separator")
            previous = items[-1]
            continued = self._continuation(previous) if had_separator else None
            if continued is not None:
                items.append(continued)
            elif had_separator or self.c.peek() in _ITEM_STARTS:
                items.append(self.item())
            else:
                raise Unreadable(f"unexpected “{self.c.words_from()}” after a period")
        return items

    def _continuation(self, previous: _Item) -> _Item | None:
        """'tháng 6 và 12/2023', 'quý I và II': a bare number continues the previous unit."""
        word = self.c.peek()
        if previous.unit not in {PeriodUnit.MONTH, PeriodUnit.QUARTER}:
            return None
        if not (is_number(word) and len(word) <= 2) and not (
            previous.unit is PeriodUnit.QUARTER and word in ROMAN_VALUES
        ):
            return None
        if self.c.peek(1) in {"/", ".", "-"} and len(self.c.peek(2)) != 4:
            return None  # '15/7': a day, not a continued month
        token = self.c.take()
        unit_word = previous.unit_word or self._unit_word(previous)
        if previous.unit is PeriodUnit.MONTH:
            item = _Item(PeriodUnit.MONTH, number=int(word))
            if not 1 <= item.number <= 12:
                raise Unreadable(f"there is no month {item.number}")
        else:
            item = _Item(PeriodUnit.QUARTER, number=_quarter_number(word, self._as_written(token)))
        self._year(item)
        item.start = token.start
        item.end = self.c.tokens[self.c.i - 1].end
        item.unit_word = unit_word
        return item

    def _unit_word(self, item: _Item) -> tuple[int, int] | None:
        units = {PeriodUnit.MONTH: {"thang"}, PeriodUnit.QUARTER: {"quy", "qui"}}[item.unit]
        for token in self.c.tokens:
            if item.start <= token.start < item.end and token.text in units:
                return token.start, token.end
        return None

    def item(self) -> _Item:
        first = self.c.tokens[self.c.i] if not self.c.at_end() else None
        if first is None:
            raise Unreadable("a period is missing")
        if first.text in _VAGUE:
            raise Unreadable(_VAGUE[first.text])
        before = self.c.accept("truoc")
        if not before:
            for prefix in _PREFIXES:
                if self.c.accept(*prefix):
                    break
        if self.c.peek() in _VAGUE:
            raise Unreadable(_VAGUE[self.c.peek()])
        if self.c.accept("tu"):
            item = self.bare()
            if not (self.c.accept("den", "het") or self.c.accept("den")):
                raise Unreadable("'từ ...' (from) needs 'đến ...' (to)")
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
            nxt in {"thang", "ngay", "nam"}
            or self.c.is_quarter_word(1)
            or nxt in ROMAN_VALUES
            or (is_number(nxt) and len(nxt) <= 2)
            or (is_number(nxt) and len(nxt) == 4)
        )

    def _range_end(self, first: _Item) -> _Item:
        word = self.c.peek()
        if word in {"thang", "ngay", "nam"} or self.c.is_quarter_word():
            return self.bare()
        if first.unit is PeriodUnit.DAY:
            return self._day()
        if first.unit is PeriodUnit.YEAR and is_number(word) and len(word) == 4:
            return _Item(PeriodUnit.YEAR, year=self._four_digit_year())
        token = self.c.take()
        if first.unit is PeriodUnit.MONTH and is_number(token.text):
            end = _Item(PeriodUnit.MONTH, number=int(token.text))
            if not 1 <= end.number <= 12:
                raise Unreadable(f"there is no month {end.number}")
        elif first.unit is PeriodUnit.QUARTER:
            end = _Item(
                PeriodUnit.QUARTER, number=_quarter_number(token.text, self._as_written(token))
            )
        else:
            raise Unreadable(f"cannot read the range that ends with “{self._as_written(token)}”")
        self._year(end)
        if end.year is not None and first.year is None:
            first.year = end.year
        return end

    def bare(self) -> _Item:
        word = self.c.peek()
        if word == "thang":
            self.c.take()
            item = _Item(
                PeriodUnit.MONTH, number=self.c.expect_number("a month number after 'tháng'")
            )
            if not 1 <= item.number <= 12:
                raise Unreadable(f"there is no month {item.number}")
            if self.c.peek() == "-" and len(self.c.peek(1)) != 4:
                return item  # a range: 'tháng 3-6/2023'
            self._year(item)
            return item
        if self.c.is_quarter_word():
            self.c.take()
            token = self.c.take()
            item = _Item(
                PeriodUnit.QUARTER, number=_quarter_number(token.text, self._as_written(token))
            )
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
            item = _Item(PeriodUnit.YEAR)
            if is_number(self.c.peek()):
                item.year = self._four_digit_year()
            return item
        if word == "ngay":
            self.c.take()
            return self._day()
        if is_number(word) and len(word) == 4:
            # A bare year ("2025"), maybe the start of a range ("2025 - 2026").
            return _Item(PeriodUnit.YEAR, year=self._four_digit_year())
        if (
            is_number(word)
            and len(word) <= 2
            and self.c.peek(1) in {"/", ".", "-"}
            and len(self.c.peek(2)) == 4
            and is_number(self.c.peek(2))
        ):
            # "12/2025": a month and its year, as plans write them without "tháng".
            self.c.take()
            item = _Item(PeriodUnit.MONTH, number=int(word))
            if not 1 <= item.number <= 12:
                raise Unreadable(f"there is no month {item.number} (in “{word}/…”)")
            self._year(item)
            return item
        if is_number(word) and self.c.peek(1) in {"/", ".", "-"}:
            return self._day()
        if word == "":
            raise Unreadable("a period is missing")
        if word in {"quy", "qui"}:
            raise Unreadable(
                f"“{self.c.words_from()}” is not a quarter (a quarter is 'Quý I'–'Quý IV'): "
                f"it does not start a deadline this reader knows: {_KNOWN}"
            )
        raise Unreadable(
            f"“{self.c.words_from()}” does not start a deadline this reader knows: {_KNOWN}"
        )

    def _as_written(self, token: Token) -> str:
        return self.c.original[token.start : token.end] if self.c.original else token.text

    def _half(self) -> _Item:
        if self.c.accept("dau", "nam"):
            item = _Item(PeriodUnit.HALF, number=1)
        elif self.c.accept("cuoi", "nam"):
            item = _Item(PeriodUnit.HALF, number=2)
        else:
            raise Unreadable("'6 tháng' needs 'đầu năm' or 'cuối năm' (or 'định kỳ' before it)")
        if self.c.peek() == "/" and len(self.c.peek(1)) == 4:
            self.c.take()
        if is_number(self.c.peek()):
            item.year = self._four_digit_year()
        return item

    def _day(self) -> _Item:
        day = self.c.expect_number("a day")
        if self.c.accept("thang"):
            month = self.c.expect_number("a month after 'tháng'")
        else:
            separator = self.c.take().text
            if separator not in {"/", ".", "-"}:
                raise Unreadable(f"expected '/' between day and month, found {separator!r}")
            month = self.c.expect_number("a month")
        item = _Item(PeriodUnit.DAY, day=day, month=month)
        if self.c.peek() in {"/", ".", "-"} and len(self.c.peek(1)) == 4:
            self.c.take()
            item.year = self._four_digit_year()
        elif self.c.accept("nam"):
            item.year = self._four_digit_year()
        return item

    def _year(self, item: _Item) -> None:
        """An optional year after a month or quarter: '/2023', '-2023', '.2023', 'năm 2023'."""
        separated = self.c.peek() in {"/", "-", "."} and len(self.c.peek(1)) == 4
        if separated or (self.c.peek() == "nam" and is_number(self.c.peek(1))):
            self.c.take()
            item.year = self._four_digit_year()
        elif is_number(self.c.peek()) and len(self.c.peek()) == 4:
            item.year = self._four_digit_year()

    def _four_digit_year(self) -> int:
        token = self.c.take()
        if not (token.is_number and len(token.text) == 4):
            raise Unreadable(f"expected a four-digit year, found {token.text!r}")
        return int(token.text)


def _quarter_number(word: str, written: str) -> int:
    """The quarter the folded `word` names; a refusal quotes it as `written`."""
    if word in ROMAN_VALUES:
        return ROMAN_VALUES[word]
    if is_number(word) and 1 <= int(word) <= 4:
        return int(word)
    raise Unreadable(f"there is no quarter {written!r} (I, II, III, IV or 1-4)")


def _period_of(item: _Item, year: int) -> Period:
    try:
        if item.unit is PeriodUnit.MONTH:
            return month_period(year, item.number)
        if item.unit is PeriodUnit.QUARTER:
            return quarter_period(year, item.number)
        if item.unit is PeriodUnit.HALF:
            return half_period(year, item.number)
        if item.unit is PeriodUnit.YEAR:
            return year_period(year)
        return day_period(date(year, item.month, item.day))
    except (ValueError, OverflowError) as error:
        if item.unit is PeriodUnit.DAY:
            raise Unreadable(f"{item.day}/{item.month}/{year} is not a date") from error
        raise Unreadable(str(error)) from error


def _settle_years(items: list[_Item], plan_year: int, last_year: int | None) -> None:
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
        check_year(part.year, plan_year, last_year)


def _fixed_periods(items: list[_Item], plan_year: int, last_year: int | None) -> list[Period]:
    _settle_years(items, plan_year, last_year)
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
                raise Unreadable(str(error)) from error
        if item.before:
            period = day_period(period.start - timedelta(days=1))
        periods.append(period)
    return periods

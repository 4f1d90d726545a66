"""One deadline value (a whole cell, or one labelled part of it): all year, ongoing, an event,
periodic or fixed periods, tried in that order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from deadlines.language.events import read_event
from deadlines.language.fixed import check_year, read_fixed_periods
from deadlines.language.periodic import read_periodic
from deadlines.language.tokens import Cursor, Unreadable, tokenize
from deadlines.language.vocabulary import Allowance, MilestoneKind
from deadlines.periods import Cadence, Period, year_period


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


_ALL_YEAR = re.compile(r"(?:trong |suot )?(?:ca|suot|toan) nam(?: ([0-9]{4}))?")
_ONGOING = re.compile(
    r"(?:thuong xuyen|lien tuc|hang ngay)(?:(?:,| va|, va) (?:thuong xuyen|lien tuc|hang ngay))*"
)
_TRAILING = " .;,"


_TIME_OF_DAY = re.compile(r"\b[0-9]{1,2}\s*(?::\s*[0-9]{2}|h[0-9]{0,2}\b|gio\b)")


def read_value(original: str, folded: str, *, year: int) -> list[Value]:
    """One deadline value (a cell, or one labelled part of it)."""
    end = len(original.rstrip(_TRAILING))
    start = len(original) - len(original.lstrip(_TRAILING))
    text, text_fold = original[start:end], folded[start:end]
    if not text:
        raise Unreadable("the deadline is empty")
    if _TIME_OF_DAY.search(text_fold):
        raise Unreadable("a time of day is not read: a deadline is due at the end of office hours")
    simple = re.sub(r"\s*,\s*", ", ", text_fold)

    match = _ALL_YEAR.fullmatch(simple)
    if match:
        the_year = int(match.group(1)) if match.group(1) else year
        check_year(the_year, year)
        return [Value(MilestoneKind.ALL_YEAR, text, period=year_period(the_year))]
    if _ONGOING.fullmatch(simple):
        return [Value(MilestoneKind.ONGOING, text)]

    tokens = tokenize(text_fold)
    cursor = Cursor(tokens)
    event = read_event(cursor, text)
    if event is not None:
        kind, key, phrase, allowance = event
        return [Value(kind, text, event_key=key, event_phrase=phrase, allowance=allowance)]

    periodic = read_periodic(tokens)
    if periodic is not None:
        cadences, report = periodic
        return [Value(MilestoneKind.PERIODIC, text, cadences=cadences, report=report)]

    cursor = Cursor(tokens)
    if cursor.peek() == "sau" and cursor.peek(1) in {"ngay", "thang", "quy", "nam"}:
        raise Unreadable("'sau' (after) a date sets no end: write the day it is due")
    return [
        Value(MilestoneKind.FIXED, text, label=label, period=period)
        for label, period in read_fixed_periods(cursor, text, plan_year=year)
    ]

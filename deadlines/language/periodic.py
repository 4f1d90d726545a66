"""Periodic deadlines: the cadences a text or a task's title names ("Hằng quý", "Định kỳ 6
tháng", "báo cáo định kỳ (quý, 6 tháng, năm)"), shortest first."""

from __future__ import annotations

import re

from deadlines.language.tokens import Cursor, Token, tokenize
from deadlines.periods import Cadence

_CADENCE_MARKERS = {"hang", "moi"}


def read_periodic(tokens: list[Token]) -> tuple[tuple[Cadence, ...], bool] | None:
    """(cadences, whether it is a report) when the whole value names a periodic obligation; the
    cadences may be empty ('Định kỳ') for the task's title to name."""
    c = Cursor(tokens)
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
    return _ordered(cadences), report


def _read_cadences(c: Cursor) -> list[Cadence]:
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


def cadences_in_title(folded_title: str) -> tuple[Cadence, ...]:
    """Periodic reports named in the task itself: 'báo cáo định kỳ (quý, 6 tháng, năm)',
    'báo cáo ... định kỳ hằng quý, 6 tháng, năm'."""
    if not re.search(r"\bbao\s*cao\b", folded_title):
        return ()
    for match in re.finditer(r"\bdinh\s*ky\b|\bhang\b", folded_title):
        rest = folded_title[match.end() :]
        if match.group().startswith("hang"):
            rest = "hang " + rest
        found = _read_cadences(Cursor(tokenize(rest)))
        if found:
            return _ordered(found)
    return ()


def _ordered(cadences: list[Cadence]) -> tuple[Cadence, ...]:
    return tuple(sorted(set(cadences), key=lambda cadence: cadence.months))

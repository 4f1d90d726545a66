"""Periodic deadlines: the cadences a text or a task's title names ("Hằng quý", "Định kỳ 6
tháng", "báo cáo định kỳ (quý, 6 tháng, năm)"), shortest first."""

from __future__ import annotations

import re

from deadlines.language.tokens import QUARTER_FOLDS, Cursor, Token, tokenize
from deadlines.periods import Cadence

_CADENCE_MARKERS = {"hang", "moi"}
# Words a report clause may carry before its cadence: "báo cáo kết quả thực hiện hằng quý".
_REPORT_FILLERS = (
    ("ket", "qua"),
    ("tinh", "hinh"),
    ("thuc", "hien"),
    ("tien", "do"),
)
# What may follow a quarter word in a list of cadences ("hằng quý, 6 tháng", "(quý/năm)").
_AFTER_CADENCE = {"", ",", "va", "/", ";", ")", "."}
# The body a periodic report goes to: "báo cáo về Bộ Nội vụ", "gửi UBND tỉnh".
_TO_BODY = ("ve", "cho", "gui", "len", "toi")


def read_periodic(
    tokens: list[Token], original: str = ""
) -> tuple[tuple[Cadence, ...], bool] | None:
    """(cadences, whether it is a report) when the whole value names a periodic obligation; the
    cadences may be empty ('Định kỳ') for the task's title to name. The body a report goes to
    ("báo cáo về Bộ Nội vụ") stays in the value's words, which label its milestones."""
    c = Cursor(tokens, original)
    report = c.accept("bao", "cao")
    if report:
        _skip_fillers(c)
    c.accept("che", "do")
    if c.accept("bao", "cao"):
        report = True
        _skip_fillers(c)
    words = [t.text for t in tokens]
    once_per = words[-2:] in (["mot", "lan"], ["1", "lan"])
    # "báo cáo 6 tháng, năm": reports named by their periods are periodic by themselves.
    marked = c.accept("dinh", "ky") or c.peek() in _CADENCE_MARKERS or once_per or report
    if not marked:
        return None
    # "Định kỳ, báo cáo hằng quý": the clause after the comma names the cadence.
    if c.peek() == "," and c.peek(1) == "bao" and c.peek(2) == "cao":
        c.take()
    if c.accept("bao", "cao"):
        report = True
        _skip_fillers(c)
    cadences = _read_cadences(c)
    if _report_to(c, original, after_cadences=bool(cadences)):
        report = True
    c.accept(".")
    if not c.at_end() or (report and not cadences and words[-2:] != ["dinh", "ky"]):
        return None
    return _ordered(cadences), report


def _report_to(c: Cursor, original: str, *, after_cadences: bool) -> str:
    """ "(,) báo cáo (kết quả) về Bộ Nội vụ" after the cadences: the report and the body it goes
    to, as written ("báo cáo về Bộ Nội vụ"); "" when none follows."""
    if not after_cadences or not original:
        return ""
    start = c.i
    c.accept(",") or c.accept("-")
    begins = c.i
    said = c.accept("bao", "cao")
    if said:
        _skip_fillers(c)
    if c.peek() not in _TO_BODY or c.peek(1) in {"", "."}:
        c.i = start
        return ""
    c.i = len(c.tokens)
    return original[c.tokens[begins].start : c.tokens[-1].end].strip(" .")


def _skip_fillers(c: Cursor) -> None:
    while any(c.accept(*filler) for filler in _REPORT_FILLERS):
        pass


def _quarter_cadence(c: Cursor) -> bool:
    """'quý' in a cadence list; written without accents ('hang quy') it is the quarter only
    where a list allows it to end, never the start of 'quy chế', 'quy định'."""
    if c.peek() not in QUARTER_FOLDS:
        return False
    written = c.written().lower()
    if written in {"quý", "quí"}:
        return True
    return written in {"quy", "qui"} and c.peek(1) in _AFTER_CADENCE


def _read_cadences(c: Cursor) -> list[Cadence]:
    """A list like 'quý, 6 tháng, năm', 'hằng quý và hằng năm', '(tháng/quý)'."""
    cadences: list[Cadence] = []
    closing = c.accept("(")
    while True:
        while c.peek() in _CADENCE_MARKERS:
            c.take()
        if c.accept("thang"):
            cadences.append(Cadence.MONTHLY)
        elif _quarter_cadence(c):
            c.take()
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


def cadences_in_title(folded_title: str, title: str = "") -> tuple[Cadence, ...]:
    """Periodic reports named in the task itself: 'báo cáo định kỳ (quý, 6 tháng, năm)',
    'báo cáo ... định kỳ hằng quý, 6 tháng, năm'."""
    if not re.search(r"\bbao\s*cao\b", folded_title):
        return ()
    for match in re.finditer(r"\bdinh\s*ky\b|\bhang\b", folded_title):
        start = match.end()
        rest, rest_original = folded_title[start:], title[start:] if title else ""
        if match.group().startswith("hang"):
            start = match.start()
            rest, rest_original = folded_title[start:], title[start:] if title else ""
        found = _read_cadences(Cursor(tokenize(rest), rest_original))
        if found:
            return _ordered(found)
    return ()


def _ordered(cadences: list[Cadence]) -> tuple[Cadence, ...]:
    return tuple(sorted(set(cadences), key=lambda cadence: cadence.months))

"""Deadlines that wait for an event: "Sau khi UBND tỉnh ban hành Kế hoạch", "Khi có yêu cầu",
"trong 15 ngày làm việc kể từ khi ...", "Theo Kế hoạch của UBND tỉnh"."""

from __future__ import annotations

from dataclasses import dataclass

from deadlines.folding import slug
from deadlines.language.tokens import Cursor, Unreadable, is_number
from deadlines.language.vocabulary import Allowance, MilestoneKind

# "trong 15 ngày kể từ ..." beyond ten years is a typing slip, not a deadline.
MAX_ALLOWANCE_DAYS = 3650


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
    # "Theo lộ trình được giao tại Kế hoạch số 12/KH-UBND": a schedule another document sets.
    ("lo", "trinh"),
)
_ON_REQUEST = (("yeu", "cau"), ("de", "nghi"))
# Words after an outside document that still name no particular one: "Theo kế hoạch đề ra".
_UNNAMED_DOCUMENT_WORDS = {"de", "ra", "chung", "da", "duoc", "giao", "cua", "cap", "tren"}


@dataclass(frozen=True)
class EventReading:
    kind: MilestoneKind
    key: str
    phrase: str
    allowance: Allowance | None = None
    # "Theo kế hoạch" naming no plan: set outside the plan, but nobody can tell which plan.
    vague: bool = False


def read_event(c: Cursor, original: str) -> EventReading | None:
    """The event a value names, with the time the text allows after it; None when it names
    none."""
    allowance: Allowance | None = None
    start = c.i
    if c.peek() == "trong" or is_number(c.peek()) or (c.peek() == "sau" and is_number(c.peek(1))):
        c.accept("trong") or c.accept("sau")
        if not c.accept("vong"):
            c.accept("thoi", "han")
        if not is_number(c.peek()):
            c.i = start
            return None
        days = int(c.take().text)
        if not c.accept("ngay"):
            c.i = start
            return None
        working = c.accept("lam", "viec")
        counted_from = (("ke", "tu", "khi"), ("ke", "tu"), ("sau", "khi"), ("sau",))
        if not any(c.accept(*words) for words in counted_from):
            if c.at_end() or c.peek() in {".", ";", ","}:
                c.i = start
                raise Unreadable(
                    f"“{c.words_from(count=len(c.tokens))}” counts days from nothing: write "
                    "'kể từ khi …' (the event the days count from) or the day it is due"
                )
            c.i = start
            return None
        if c.peek() == "ngay" and is_number(c.peek(1)):
            raise Unreadable(
                f"a time counted from a date (“{c.words_from(count=4)}”): write the day it is "
                "due instead"
            )
        c.accept("ngay")
        if not 0 < days <= MAX_ALLOWANCE_DAYS:
            raise Unreadable(f"an allowance of {days} days is not a deadline")
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
        raise Unreadable("the text says 'after' or 'when' but names no event")
    phrase_tokens = c.tokens[c.i :]
    if (
        phrase_tokens[0].text in {"thang", "ngay"}
        or phrase_tokens[0].is_number
        or (c.is_quarter_word())
    ):
        raise Unreadable(
            f"an event must be a thing that happens, not a date (“{c.words_from(count=3)}”)"
        )
    phrase = original[phrase_tokens[0].start : phrase_tokens[-1].end].strip()
    words = [t.text for t in phrase_tokens]
    written = [original[t.start : t.end].lower() for t in phrase_tokens]
    recurring = trigger in _RECURRING_TRIGGERS or (
        trigger == ("khi",)
        and (
            c.tokens[c.i - 1].text in {"cac", "nhung"}
            or words[:2] in (["phat", "sinh"], ["yeu", "cau"], ["de", "nghi"], ["can", "thiet"])
            or words == ["can"]
            # "mỗi" (each) repeats the event; "mới" (new) folds to the same letters and does not.
            or any(word in {"mỗi", "moi"} for word in written)
        )
    )
    c.i = len(c.tokens)
    kind = MilestoneKind.RECURRING_EVENT if recurring else MilestoneKind.AFTER_EVENT
    return EventReading(kind, slug(phrase), phrase, allowance)


def _names_document(words: tuple[str, ...]) -> bool:
    """Whether the words name a document: its kind ("Kế hoạch", "Quyết định") with its number
    ("số 12/KH-UBND") or its issuer ("của UBND tỉnh")."""
    for at in range(len(words)):
        document = next((d for d in _OUTSIDE_DOCUMENTS if words[at : at + len(d)] == d), None)
        if document is None or document == ("lo", "trinh"):
            continue
        after = words[at + len(document) :]
        if after[:1] == ("so",) or (after and after[0] not in _UNNAMED_DOCUMENT_WORDS):
            return True
        if after[:1] == ("cua",) and len(after) > 1:
            return True
    return False


def _outside_plan(c: Cursor, original: str) -> EventReading:
    while c.peek() in _EVENT_FILLERS:
        c.take()
    words = tuple(t.text for t in c.tokens[c.i :] if t.text not in {".", ","})
    if not words:
        raise Unreadable("'theo' (according to) names nothing")
    phrase = original[c.tokens[c.i].start : c.tokens[-1].end].strip(" .,;")
    c.i = len(c.tokens)
    if any(words[: len(doc)] == doc for doc in _ON_REQUEST):
        return EventReading(MilestoneKind.RECURRING_EVENT, slug(phrase), phrase)
    document = next((doc for doc in _OUTSIDE_DOCUMENTS if words[: len(doc)] == doc), None)
    if document is not None:
        rest = words[len(document) :]
        vague = all(word in _UNNAMED_DOCUMENT_WORDS for word in rest)
        if document == ("lo", "trinh"):
            # A schedule names its document by the document's kind and number, or not at all.
            vague = not _names_document(rest)
        return EventReading(MilestoneKind.OUTSIDE_PLAN, slug(phrase), phrase, vague=vague)
    raise Unreadable(
        f"“theo {phrase}” names no plan, schedule or decision that sets the date "
        "(e.g. 'Theo Kế hoạch của UBND tỉnh')"
    )

"""The reader's words: a folded text cut into tokens (numbers, words, single signs) that keep
their place in the original, and the cursor every part of the reader walks them with."""

from __future__ import annotations

import re
from dataclasses import dataclass


def is_number(word: str) -> bool:
    # ASCII digits only: "²".isdigit() is true, but it is no number a deadline is written with.
    return word.isascii() and word.isdigit()


class Unreadable(Exception):
    """Raised inside the reader; becomes DeadlineRefused with the whole text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Token:
    text: str  # folded
    start: int
    end: int

    @property
    def is_number(self) -> bool:
        return is_number(self.text)


QUARTER_FOLDS = frozenset({"quy", "qui"})
_QUARTER_ACCENTED = frozenset({"quý", "quí"})
_QUARTER_PLAIN = frozenset({"quy", "qui"})
QUARTER_NUMERALS = frozenset({"i", "ii", "iii", "iv", "1", "2", "3", "4"})


def is_quarter_spelling(written: str, following: str) -> bool:
    """Whether a word folded to 'quy'/'qui' is the quarter: by its accents ('Quý', 'Quí'), or,
    written without any accent, by the quarter numeral after it ('quy 2', 'QUY IV')."""
    lowered = written.lower()
    if lowered in _QUARTER_ACCENTED:
        return True
    return lowered in _QUARTER_PLAIN and following in QUARTER_NUMERALS


_TOKEN = re.compile(r"[0-9]+|[a-z]+|[^\sa-z0-9]")


def tokenize(folded: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]


class Cursor:
    """Walks the tokens of a folded text; `original` is the text as written (same positions),
    for what folding loses: accents tell "Quý" (a quarter) from "Quy chế" or "Quỹ"."""

    def __init__(self, tokens: list[Token], original: str = "") -> None:
        self.tokens = tokens
        self.original = original
        self.i = 0

    def written(self, ahead: int = 0) -> str:
        """The next token as written (accents kept), or its folded form without the original."""
        j = self.i + ahead
        if j >= len(self.tokens):
            return ""
        token = self.tokens[j]
        return self.original[token.start : token.end] if self.original else token.text

    def is_quarter_word(self, ahead: int = 0) -> bool:
        """'Quý'/'Quí' (any case), or an unaccented 'quy'/'qui' followed by a quarter numeral:
        never 'Quy chế', 'Quy định', 'Quy hoạch', 'Quỹ', which fold to the same letters."""
        if self.peek(ahead) not in QUARTER_FOLDS:
            return False
        return is_quarter_spelling(self.written(ahead), self.peek(ahead + 1))

    def words_from(self, ahead: int = 0, count: int = 3) -> str:
        """A few words as written from the next token on, to name them in a refusal."""
        j = self.i + ahead
        if j >= len(self.tokens):
            return ""
        last = min(j + count, len(self.tokens)) - 1
        if not self.original:
            return " ".join(t.text for t in self.tokens[j : last + 1])
        return self.original[self.tokens[j].start : self.tokens[last].end]

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.tokens[j].text if j < len(self.tokens) else ""

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def take(self) -> Token:
        if self.at_end():
            raise Unreadable("the text stops where more was expected")
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
            raise Unreadable(f"expected {what}, found {token.text!r}")
        return int(token.text)

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


_TOKEN = re.compile(r"[0-9]+|[a-z]+|[^\sa-z0-9]")


def tokenize(folded: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]


class Cursor:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

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

"""Folding Vietnamese text for matching: no accents, lower case, one character for one.

Real plans write the same deadline with and without accents ("Tháng"/"Thang"), in any case,
with typographic dashes and irregular spaces. The parser matches on the folded text and cuts
labels and phrases out of the original by the same indices, so folding must keep every
character at its place: one character in, exactly one character out.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Dashes and minus signs that PDF and Word extraction leave in place of "-".
_DASHES = frozenset("‐‑‒–—―−﹘﹣－")
# Spaces other than " ": no-break, thin, ideographic and the like.
_SPACES = frozenset(
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\r\n\f\v"
)
_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"}

_WHITESPACE = re.compile(r"\s+")


# Remembered: a plan of a thousand rows folds a few hundred thousand characters, of a few
# hundred kinds, and the Unicode tables cost a microsecond a character.
@functools.cache
def fold_char(char: str) -> str:
    """The one lower-case ASCII (where possible) character `char` is matched as."""
    if char in _SPECIAL:
        return _SPECIAL[char]
    if char in _DASHES:
        return "-"
    if char in _SPACES:
        return " "
    if char == "：":  # full-width colon
        return ":"
    if char.isascii():
        return char.lower()
    compatible = unicodedata.normalize("NFKC", char)
    if len(compatible) == 1 and compatible.isascii():
        return compatible.lower()  # full-width digits and letters from some PDF extractions
    base = unicodedata.normalize("NFD", char)[0]
    if unicodedata.combining(base):
        return " "
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


def tidy(text: str) -> str:
    """The text as a person wrote it, in composed form, spaces collapsed, ends trimmed."""
    composed = unicodedata.normalize("NFC", text)
    spaced = "".join(" " if c in _SPACES else c for c in composed)
    return _WHITESPACE.sub(" ", spaced).strip()


def fold(text: str) -> str:
    """Fold a tidied text character by character: `len(fold(t)) == len(t)`."""
    return "".join(fold_char(c) for c in text)


_ABBREVIATIONS = (
    # The province's committee is written both ways; one event must get one key.
    (re.compile(r"\buy ban nhan dan\b"), "ubnd"),
    (re.compile(r"\bhoi dong nhan dan\b"), "hdnd"),
    (re.compile(r"\bvan ban quy pham phap luat\b"), "van ban qppl"),
)
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A stable, readable key for a phrase: folded, common long forms abbreviated, words joined
    by "-" ("Sau khi Ủy ban nhân dân tỉnh ban hành" and "sau khi UBND Tỉnh ban hành" agree)."""
    folded = fold(tidy(text))
    for pattern, short in _ABBREVIATIONS:
        folded = pattern.sub(short, folded)
    return _NOT_A_WORD.sub("-", folded).strip("-")

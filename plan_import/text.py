"""Text helpers of the importer: Vietnamese-aware comparison, cell cleaning, roman numerals."""

from __future__ import annotations

import functools
import re
import unicodedata

_MARKUP = re.compile(r"</?(?:b|i|u|em|strong|span|p)\b[^>]*>|<br\s*/?>", re.IGNORECASE)
_MARKDOWN_EMPHASIS = re.compile(r"\*\*|__")
_SPACES = re.compile(r"\s+")
_SPACE_AROUND_HYPHEN = re.compile(r"\s*-\s*")
_SPACE_AFTER_DOT = re.compile(r"\.\s+")
_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def clean_cell(text: str) -> str:
    """A cell as a person reads it: NFC, no markup, one space between words."""
    text = unicodedata.normalize("NFC", text)
    text = _MARKUP.sub(" ", text)
    text = _MARKDOWN_EMPHASIS.sub("", text)
    return _SPACES.sub(" ", text).strip()


# Remembered: the importer compares every unit cell of every row with the directory's names,
# a few dozen names folded tens of thousands of times in a plan of a thousand rows.
@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """The comparison form of a name: no accents, no case, đ as d, spacing and hyphens evened out.

    Documents write the same unit as "Văn Phòng Sở", "Văn phòng Sở" or "CCHC - VTLT"; the
    comparison form makes those one name.
    """
    decomposed = unicodedata.normalize("NFD", clean_cell(text))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    lowered = stripped.replace("đ", "d").replace("Đ", "D").casefold()
    lowered = _SPACE_AROUND_HYPHEN.sub("-", lowered)
    lowered = _SPACE_AFTER_DOT.sub(".", lowered)
    return lowered.strip(" .;:")


_LOOSE_SEPARATORS = re.compile(r"(?:\s*[,;&+/–—-]\s*|\s+va\s+)")


def loose(text: str) -> str:
    """A name with its separators counted alike: "Bộ Khoa học, Công nghệ", "Bộ Khoa học và Công
    nghệ" and "Bộ Khoa học - Công nghệ" are one name. A second chance after `fold`, never the
    first: "Phòng TCBC và TCPCP" and "Phòng TCBC, TCPCP" are the same office."""
    return re.sub(r"\s+", " ", _LOOSE_SEPARATORS.sub(" ", f" {fold(text)} ")).strip()


def slug(text: str) -> str:
    """A short ASCII identifier: "Trung tâm lưu trữ" -> "trung-tam-luu-tru"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def join_cut(first: str, rest: str) -> str:
    """Join the two halves of a cell cut by a page break the way a person reads them.

    A break after a hyphen or slash inside a word ("CCHC-" + "VTLT") joins without a space;
    everything else ("định" + "kỳ", "năm" + "2023") was a break between words.
    """
    if not first:
        return rest
    if not rest:
        return first
    if first[-1] in "-/" and len(first) > 1 and not first[-2].isspace():
        return first + rest
    return f"{first} {rest}"


def roman_value(numeral: str) -> int | None:
    """The value of a roman numeral, or None when the text is not one."""
    numeral = numeral.strip().upper()
    if not numeral or not _ROMAN.match(numeral):
        return None
    total = 0
    for index, letter in enumerate(numeral):
        value = _ROMAN_VALUES[letter]
        following = _ROMAN_VALUES[numeral[index + 1]] if index + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total


def quote(text: str, limit: int = 80) -> str:
    """A value for a message: in quotes, shortened when long."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"“{shown}”"

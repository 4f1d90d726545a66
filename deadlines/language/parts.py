"""A deadline cell in labelled parts ("Ban hành Kế hoạch: Tháng 2/2023; Thực hiện: Cả năm"):
where each label ends and its value begins."""

from __future__ import annotations

import itertools
import re

from deadlines.folding import fold
from deadlines.language.tokens import Unreadable, is_number
from deadlines.language.value import read_value
from deadlines.language.vocabulary import EVENT_KINDS

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


def _split_value_and_label(
    segment: str, folded: str, *, year: int, last_year: int | None
) -> tuple[str, str]:
    """'tháng 2/2023 Thực hiện' -> ('tháng 2/2023', 'Thực hiện')."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", segment)]
    starts = [i for i, (s, e) in enumerate(words) if i > 0 and _is_label_start(segment[s:e])]
    # A period or keyword value: the longest prefix that reads as one.
    for i in reversed(starts):
        cut = words[i][0]
        try:
            values = read_value(segment[:cut], folded[:cut], year=year, last_year=last_year)
        except Unreadable:
            continue
        if all(v.kind not in EVENT_KINDS for v in values):
            return segment[:cut].strip(), segment[cut:].strip()
    # An event phrase runs on until a label verb starts a new part.
    for i in reversed(starts):
        label_fold = folded[words[i][0] :]
        if any(re.match(rf"{verb}\b", label_fold) for verb in _LABEL_VERBS) and i > 1:
            cut = words[i][0]
            return segment[:cut].strip(), segment[cut:].strip()
    raise Unreadable(
        f"cannot tell where the deadline ends and the next label begins in {segment.strip()!r}: "
        "separate the parts with ';' or a new line"
    )


def labelled_parts(
    text: str, folded: str, *, year: int, last_year: int | None = None
) -> list[tuple[str, str, str]]:
    """(label, value, folded value) for each part; one part with label "" when unlabelled."""
    pieces = _split_on(";", text, folded)
    parts: list[tuple[str, str, str]] = []
    for piece, piece_fold in pieces:
        inside = _inside_parentheses(piece_fold)
        colons = [i for i, char in enumerate(piece_fold) if char == ":" and not inside[i]]
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
            raise Unreadable("a ':' has no label before it")
        for k, (segment, segment_fold) in enumerate(segments[1:], start=1):
            last = k == len(segments) - 1
            if last:
                value, next_label = segment.strip(), ""
            else:
                value, next_label = _split_value_and_label(
                    segment, segment_fold, year=year, last_year=last_year
                )
            if not value:
                raise Unreadable(f"the part {label!r} has no deadline")
            parts.append((label, value, fold(value)))
            label = next_label
    return parts


def _is_label_colon(folded: str, i: int) -> bool:
    # "17:00" is a time, not a label.
    return not (0 < i < len(folded) - 1 and is_number(folded[i - 1]) and is_number(folded[i + 1]))


def _inside_parentheses(folded: str) -> list[bool]:
    """For each character, whether it stands inside '(…)': a note's ';' or ':' is its own."""
    inside: list[bool] = []
    depth = 0
    for char in folded:
        if char == ")" and depth:
            depth -= 1
        inside.append(depth > 0)
        if char == "(":
            depth += 1
    return inside


def _split_on(separator: str, text: str, folded: str) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    start = 0
    inside = _inside_parentheses(folded)
    for i, char in enumerate(folded):
        if char == separator and not inside[i]:
            pieces.append((text[start:i], folded[start:i]))
            start = i + 1
    pieces.append((text[start:], folded[start:]))
    return [(p, f) for p, f in pieces if p.strip()]

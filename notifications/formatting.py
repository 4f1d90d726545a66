"""Dates and times as people in the department write them. Pure: no clock, no I/O."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from deadlines.folding import slug
from deadlines.local_time import in_vietnam

# Monday first, as date.weekday() counts.
WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def format_day(day: date) -> str:
    """`Thứ Sáu, 28/04/2023`."""
    return f"{WEEKDAY_NAMES[day.weekday()]}, {day:%d/%m/%Y}"


def format_due(instant: datetime) -> str:
    """`Thứ Sáu, 28/04/2023, 17:00`: the weekday, the day, and the time in Vietnam."""
    local = in_vietnam(instant)
    return f"{format_day(local.date())}, {local:%H:%M}"


def one_line(text: str) -> str:
    """Text that must stay on one line (a subject, a list entry): every run of whitespace and
    control characters becomes one space, so a title cannot forge a header or a new line."""
    # A printable string has no control character (every category C is unprintable): most
    # text skips the walk through its characters, a burst's largest cost in rendering.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def plain_text(text: str) -> str:
    """Text from documents or users, kept with its line breaks but without control characters
    (escape sequences, bidirectional overrides) that could disguise what a message says."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [
        line
        if line.isprintable()
        else "".join(ch for ch in line if ch == "\t" or unicodedata.category(ch)[0] != "C")
        for line in lines
    ]
    return "\n".join(line.rstrip() for line in kept).strip()


def file_stem(text: str, *, limit: int = 40) -> str:
    """`[Nhắc hạn] III.1: Đẩy mạnh` -> `nhac-han-iii-1-day-manh`, for a file name."""
    return slug(text)[:limit].rstrip("-") or "message"

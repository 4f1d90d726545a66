"""What a person reads on a page or in a message, and what in it is not Vietnamese: an English
sentence, a raw code (a slug such as `ubnd-tinh-ban-hanh`, a state such as `done_late`, an
address such as `outbox://`), a command line (`scheduler.py event … --date`) or an ISO date.
The web tests walk every page through it; the notification tests, every message."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# English words that are no Vietnamese word written without its marks: a sentence of the
# engine, of a library or of a programmer shows at least one of them.
ENGLISH = frozenset(
    [
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "of",
        "and",
        "not",
        "with",
        "from",
        "this",
        "that",
        "these",
        "those",
        "which",
        "what",
        "when",
        "where",
        "who",
        "its",
        "it's",
        "there",
        "their",
        "they",
        "your",
        "you",
        "please",
        "cannot",
        "can't",
        "could",
        "would",
        "should",
        "will",
        "must",
        "give",
        "found",
        "error",
        "errors",
        "detail",
        "delivered",
        "failed",
        "sent",
        "step",
        "steps",
        "year",
        "years",
        "plan",
        "plans",
        "task",
        "tasks",
        "milestone",
        "milestones",
        "date",
        "dates",
        "due",
        "confirm",
        "confirmed",
        "password",
        "passwords",
        "differ",
        "unit",
        "units",
        "link",
        "links",
        "event",
        "events",
        "late",
        "started",
        "too",
        "far",
        "request",
        "requested",
        "refused",
        "granted",
        "reason",
        "none",
        "unknown",
        "invalid",
        "missing",
        "required",
        "field",
        "value",
        "values",
        "internal",
        "server",
        "found",
        "not_found",
        "file",
        "large",
        "before",
        "after",
        "into",
        "than",
        "already",
    ]
)

# A code: lowercase words joined by hyphens or underscores, or an address by its scheme. A
# document number ("12/KH-SNV") is written in capitals and is no code, nor is a file's name as
# the person who uploaded it named it ("ke-hoach.pdf").
CODE = re.compile(r"(?<![\w/.@])[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+(?![\w/-]|\.\w)")
ADDRESS = re.compile(r"\b(?!https?://)[a-z][a-z0-9+.-]*://")
ISO_DAY = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
ISO_TIME = re.compile(r"\d{2}:\d{2}:\d{2}|T\d{2}:\d{2}|[+-]\d{2}:\d{2}\b")
JSON = re.compile(r'\{\s*"\w+"\s*:')
# A command of the CLI, or an option of one.
COMMAND = re.compile(r"\bscheduler\.py\b|(?<![\w-])--[a-z][a-z-]*")
# A web address a person clicks: read as a whole, its path and query are no words.
WEB_ADDRESS = re.compile(r"https?://\S+")
WORD = re.compile(r"[A-Za-z]+")

# What a page may show in Latin letters that is a name, not English: file kinds, products.
NAMES = frozenset({"pdf", "word", "excel", "png", "jpeg", "docx", "xlsx", "ics", "zalo"})
# The attributes a person reads.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# Elements whose text is not read: scripts, styles, and what a page marks as technical (an
# answer of a mail server, kept for whoever keeps the system, folded away).
UNREAD = {"script", "style", "noscript"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in UNREAD or "data-technical" in found:
            self._skip.append(tag)
            return
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.append(tag)
            return
        self.parts.extend(found[a] or "" for a in READ_ATTRIBUTES if found.get(a))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.parts.append(found["value"] or "")
        if tag in ("p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "br", "option", "dd"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def shown_text(page: str) -> str:
    """The text a person reads on the page (tags, scripts and technical details left out)."""
    parser = _Text()
    parser.feed(page)
    return html.unescape(" ".join(parser.parts))


@dataclass(frozen=True)
class Foreign:
    what: str  # "english", "code", "command", "address", "iso date", "iso time", "json"
    found: str
    line: str

    def __str__(self) -> str:
        return f"{self.what} {self.found!r} in: {self.line.strip()[:160]}"


def foreign(page: str) -> list[Foreign]:
    """Everything on the page that is not said in Vietnamese."""
    return foreign_in_text(shown_text(page))


def foreign_in_text(text: str) -> list[Foreign]:
    """Everything in plain text (a message's text or chat form) not said in Vietnamese; the web
    addresses it gives to click are left out."""
    found: list[Foreign] = []
    for line in text.splitlines():
        line = WEB_ADDRESS.sub(" ", line)
        if not line.strip():
            continue
        for what, pattern in (
            ("command", COMMAND),
            ("iso date", ISO_DAY),
            ("iso time", ISO_TIME),
            ("address", ADDRESS),
            ("code", CODE),
            ("json", JSON),
        ):
            found.extend(Foreign(what, m.group(0), line) for m in pattern.finditer(line))
        english = [w for w in WORD.findall(line) if w.lower() in ENGLISH and w.lower() not in NAMES]
        if english:
            found.append(Foreign("english", " ".join(english), line))
    return found

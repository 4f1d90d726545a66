"""What a reply's text says, read without I/O: the new text above the quoted message and the
signature, a document's number and date ("Số 15/KH-SNV ngày 16/3/2023"), links, and a request
for more time ("xin gia hạn đến 30/4 vì …")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

# Vietnamese mail clients, for the reply parser: Gmail's "Vào …, … đã viết:", Outlook's header
# block ("Từ:", "Đã gửi:", "Đến:", "Chủ đề:"), the usual closings and "Gửi từ" footers. The
# parser's table of languages is its way to be taught one.
MAIL_LANGUAGES.setdefault(
    "vi",
    {
        "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r"Vào\s(?:.+?\s?.+?)\s?đã viết:)$",
        "from_header": r"((?:(?:^|\n|\n"
        + QUOTED_MATCH_INCLUDE
        + r")[* ]*(?:Từ|Đã gửi|Gửi|Đến|Chủ đề|Tiêu đề|Ngày|Cc):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
        "disclaimers": [r"(?:Lưu ý|Chú ý|Cảnh báo):"],
        "signatures": [r"Trân trọng", r"Thân ái", r"Kính thư", r"Trân trọng cảm ơn"],
        "sent_from": r"Gửi từ|Được gửi từ",
    },
)
_PARSER = EmailReplyParser(languages=["vi", "en"])

_NUMBER = re.compile(
    r"\b[Ss]ố(?:\s*(?:hiệu|văn bản|VB))?\s*[:.]?\s*(?P<number>\d+[\w\-.]*(?:/[\wĐđ\-.]+)+)"
)
_DATE = r"(?P<day>\d{1,2})\s*[/.-]\s*(?P<month>\d{1,2})(?:\s*[/.-]\s*(?P<year>\d{4}))?"
_DOCUMENT_DATE = re.compile(r"\bngày\s*" + _DATE, re.IGNORECASE)
_EXTENSION = re.compile(
    r"gia\s+hạn\s*(?:thời\s+hạn\s*)?(?:đến|tới|sang|đến hết)\s*(?:ngày\s*)?" + _DATE,
    re.IGNORECASE,
)
_REASON = re.compile(r"\b(?:vì|do|lý do|bởi vì)\b[:\s]*(?P<reason>.+)", re.IGNORECASE | re.DOTALL)
# Where a signature starts: a closing on a line of its own, or the "-- " separator.
_SIGNATURE = re.compile(
    r"^\s*(?:--\s*|_{3,}|-{3,}|(?:Trân trọng|Thân ái|Kính thư|Best regards|Regards)\b.{0,30})$",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class ExtensionAsked:
    until: date
    reason: str


@dataclass(frozen=True)
class ReplyContent:
    # The reply's own words: no quoted message, no signature.
    text: str
    document_number: str = ""
    document_date: date | None = None
    links: tuple[str, ...] = ()
    extension: ExtensionAsked | None = None


def new_text(text: str) -> str:
    """The text above what the reply quotes, and without its signature."""
    cleaned = text.replace("\r\n", "\n")
    latest = _PARSER.parse_reply(cleaned)
    kept = latest if latest is not None else cleaned
    # The parser keeps lines quoted with ">" when no header announced them.
    lines: list[str] = []
    for line in kept.splitlines():
        if _SIGNATURE.match(line):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip()


def _day(found: re.Match[str], *, today: date) -> date | None:
    day, month = int(found["day"]), int(found["month"])
    year = int(found["year"]) if found["year"] else today.year
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    if not found["year"] and when < today:
        # "30/4" said in December means next April.
        try:
            when = date(year + 1, month, day)
        except ValueError:
            return None
    return when


def read_content(text: str, *, today: date) -> ReplyContent:
    """What `text` (a reply's body, quotes and all) says. `today` (Vietnam's) gives a date
    without a year its year."""
    own = new_text(text)
    number = _NUMBER.search(own)
    document_date: date | None = None
    if number is not None:
        after = _DOCUMENT_DATE.search(own, number.end())
        if after is not None and after.start() - number.end() < 40:
            found = _day(after, today=today)
            document_date = found if found is not None and found <= today else None
    extension: ExtensionAsked | None = None
    asked = _EXTENSION.search(own)
    if asked is not None:
        until = _day(asked, today=today)
        if until is not None:
            reason = _REASON.search(own, asked.end())
            said = reason["reason"] if reason is not None else own
            extension = ExtensionAsked(until, " ".join(said.split())[:500])
    return ReplyContent(
        text=own,
        document_number=number["number"].rstrip(".,;") if number is not None else "",
        document_date=document_date,
        links=tuple(dict.fromkeys(link.rstrip(".,;") for link in _LINK.findall(own))),
        extension=extension,
    )

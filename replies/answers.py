"""The answers to replies, in Vietnamese, from replies/words.yaml (no I/O beyond reading it)."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from models.payloads import MessageKind
from notifications.messages import RenderedMessage
from notifications.rendering import SHORT_LIMIT

WORDS_FILE = Path(__file__).resolve().parent / "words.yaml"


@cache
def words() -> dict[str, Any]:
    loaded = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def reason(which: str, **values: object) -> str:
    return str(words()["reasons"][which]).format(**values)


def evidence_part(which: str, **values: object) -> str:
    return str(words()["evidence_parts"][which]).format(**values)


def answer(outcome: str, **values: object) -> RenderedMessage:
    """The answer for `outcome` (recorded, extension_requested, refused, unmatched)."""
    entry = words()[outcome]
    filled = {"how": words()["how"], **values}
    text = "\n".join(
        line for line in str(entry["text"]).format(**filled).splitlines() if line.strip()
    )
    subject = " ".join(str(entry["subject"]).format(**filled).split())
    return _message(subject, text)


def ask_which(choices: list[str]) -> RenderedMessage:
    listed = "\n".join(f"{number}. {choice}" for number, choice in enumerate(choices, start=1))
    text = str(words()["ask_which"]["text"]).format(count=len(choices), choices=listed).strip()
    return _message("", text)


def _message(subject: str, text: str) -> RenderedMessage:
    body = "<br>\n".join(html.escape(line) for line in text.splitlines())
    short = text if len(text) <= SHORT_LIMIT else text[: SHORT_LIMIT - 1] + "…"
    return RenderedMessage(
        kind=MessageKind.REPLY_ANSWER,
        subject=subject,
        html=f"<p>{body}</p>",
        text=text,
        short=short,
    )

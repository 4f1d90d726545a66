"""Messages from Jinja2 templates, one pair per kind: `KIND.txt` (subject, plain text, short
chat text, as blocks) and `KIND.html` (the email's HTML part).

The HTML environment escapes everything it is given, so a task title or an evidence note
cannot inject markup; the text environment strips control characters from every value, and
the subject is forced onto one line, so nothing from a document can forge a header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from models.payloads import MessageKind
from notifications.formatting import one_line, plain_text
from notifications.kinds import DECISION_KINDS, MILESTONE_KINDS, TASK_KINDS, TASKS_KINDS
from notifications.messages import MessageContext, RenderedMessage

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

# The Zalo Bot API refuses longer texts.
SHORT_LIMIT = 2000
_ELLIPSIS = "…"


class RenderError(ValueError):
    """A message cannot be rendered from what it was given."""


def _nl2br(value: object) -> Markup:
    lines = plain_text(str(value)).split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)


def _finalize_text(value: object) -> object:
    return plain_text(value) if isinstance(value, str) else value


def _environment(template_dir: Path, *, html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=None if html else _finalize_text,
        # The templates ship with the code: compiled once per process, not checked against
        # their files at every message (a stat per template and render in a burst).
        auto_reload=False,
    )
    env.filters["nl2br"] = _nl2br
    env.filters["one_line"] = one_line
    return env


class MessageRenderer:
    """Renders a `MessageContext` into every form a channel may need."""

    def __init__(self, template_dir: Path = TEMPLATE_DIR) -> None:
        self._text_env = _environment(template_dir, html=False)
        self._html_env = _environment(template_dir, html=True)

    def render(self, context: MessageContext) -> RenderedMessage:
        _check_context(context)
        text_template = self._text_env.get_template(f"{context.kind.value}.txt")
        html_template = self._html_env.get_template(f"{context.kind.value}.html")
        subject = one_line(_render_block(text_template, "subject", {"msg": context, "hidden": 0}))
        if not subject:
            raise RenderError(f"template {context.kind.value}.txt renders an empty subject")
        values: dict[str, Any] = {"msg": context, "subject": subject, "hidden": 0}
        return RenderedMessage(
            kind=context.kind,
            subject=subject,
            html=_compact_html(html_template.render(values)),
            text=_render_block(text_template, "text", values).strip() + "\n",
            short=self._short(text_template, context, subject),
        )

    def _short(self, template: Template, context: MessageContext, subject: str) -> str:
        """The chat text, dropping list entries from the end (and saying how many) until it
        fits; a single overlong entry is cut as a last resort."""

        def render_with(shown: int) -> str:
            values = {
                "msg": replace(context, milestones=context.milestones[:shown]),
                "subject": subject,
                "hidden": len(context.milestones) - shown,
            }
            return _render_block(template, "short", values).strip()

        shown = len(context.milestones)
        short = render_with(shown)
        while len(short) > SHORT_LIMIT and shown > 0:
            shown -= 1
            short = render_with(shown)
        if len(short) > SHORT_LIMIT:
            short = short[: SHORT_LIMIT - len(_ELLIPSIS)].rstrip() + _ELLIPSIS
        return short


def _compact_html(html: str) -> str:
    """Drop the layout line breaks inside lists and after `<br>`: mail clients ignore them, but
    apprise's HTML to plain-text conversion (the email's text part) would turn each into a blank
    line or a stray space. Breaks between paragraphs stay: they become the blank lines between
    paragraphs of the text part."""
    html = _BEFORE_LIST_ITEM.sub("", html)
    return _AFTER_BREAK.sub("<br>", html).strip() + "\n"


_BEFORE_LIST_ITEM = re.compile(r"\s*\n\s*(?=<(?:li|/ul|/ol)\b)")
_AFTER_BREAK = re.compile(r"<br>\s*\n\s*")


def _render_block(template: Template, block: str, values: dict[str, Any]) -> str:
    render: Callable[[Any], Any] | None = template.blocks.get(block)
    if render is None:
        raise RenderError(f"template {template.name} has no block {block!r}")
    return "".join(render(template.new_context(values)))


def _check_context(context: MessageContext) -> None:
    kind = context.kind
    if kind in MILESTONE_KINDS and context.milestone is None:
        raise RenderError(f"a {kind.value} message needs the milestone it is about")
    if kind is MessageKind.DELIVERY_FAILURE and context.failure is None:
        raise RenderError("a delivery_failure message needs the failed delivery it reports")
    if kind is MessageKind.EXTENSION_REQUEST and context.extension is None:
        raise RenderError("an extension_request message needs what was asked")
    if kind in DECISION_KINDS and context.decision is None:
        raise RenderError(f"a {kind.value} message needs the decision it tells")
    if kind in TASK_KINDS and context.milestone is None:
        raise RenderError(f"a {kind.value} message needs the task it is about")
    if kind is MessageKind.YEAR_SUMMARY and context.tally is None:
        raise RenderError("a year_summary message needs the year's tally")
    if kind in (*TASKS_KINDS, MessageKind.ESCALATION_LEADERSHIP, MessageKind.DIGEST) and not (
        context.milestones
    ):
        raise RenderError(f"a {kind.value} message needs at least one milestone to list")

"""The deadline language of a plan's appendix ("Thời gian thực hiện"), read into milestones.

`parse_deadline` turns one cell into an ordered list of `MilestoneSpec`: what kind of deadline
each part is, and the period, cadences or event it names. It dates nothing (that needs the
calendar and the policy: see `deadlines.planning`), and it never guesses: a text it cannot read
is refused with `DeadlineRefused`, which carries the text and the reason.

The reader works on a folded copy of the text (no accents, lower case, see `deadlines.folding`)
so that "Tháng 02/2023", "thang 2/2023" and "THÁNG 2 – 2023" read the same, and cuts labels and
event phrases out of the original text by the same positions.

The rooms: `vocabulary` (what a text is read into), `tokens` (the lexer and its cursor),
`parts` (labelled parts of a cell), `value` (one value, tried as each kind in turn), `fixed`,
`periodic` and `events` (the readers of each kind), and `parse` (the entry point).
"""

from deadlines.language.parse import parse_deadline
from deadlines.language.vocabulary import (
    EVENT_KINDS,
    Allowance,
    DeadlineRefused,
    MilestoneKind,
    MilestoneSpec,
)

__all__ = [
    "EVENT_KINDS",
    "Allowance",
    "DeadlineRefused",
    "MilestoneKind",
    "MilestoneSpec",
    "parse_deadline",
]

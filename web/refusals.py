"""How the web app says no: a `Refusal` names the key of its words (`refusals:` in
words.yaml), an HTTP status, the engine's own reason when it was the engine, and whether the
action was recorded all the same (`recorded`: False when not, None when it cannot be told
yet, as when the engine answered too late)."""

from __future__ import annotations

from dataclasses import dataclass


class Refusal(Exception):
    def __init__(
        self, word: str, *, status: int = 400, detail: str = "", recorded: bool | None = False
    ) -> None:
        super().__init__(f"{word}: {detail}" if detail else word)
        self.word = word
        self.status = status
        self.detail = detail
        self.recorded = recorded
        # Set once the audit log has it, so that it is written there once.
        self.audited = False


@dataclass(frozen=True)
class Where:
    """What an action is about, as the audit log files it."""

    plan_key: str = ""
    task_code: str = ""
    milestone_key: str = ""

"""The product's words for its states, steps, kinds and actions (web/words.yaml): what the
pages, the exports and the CLI call each of them. Read here alone, with nothing of the web
app's loaded, so that the command line can use the same words."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

WORDS_FILE = Path(__file__).resolve().parent / "words.yaml"


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    loaded = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def say(group: str, phrase: str, **values: object) -> str:
    """A phrase of words.yaml's `group`, its {names} filled in."""
    return str(words()[group][phrase]).format(**values)

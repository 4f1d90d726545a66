from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import get_settings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The URL of an empty SQLite database, which the verbs read from their settings."""
    url = f"sqlite:///{tmp_path / 'var' / 'nhachan.db'}"
    monkeypatch.setenv("NHACHAN_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()

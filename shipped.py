"""Where the files the product ships are: the source tree's folders, or the installed wheel's
packages. Its own module, free of imports, so the importer and the settings can both ask it
without importing each other."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


def _shipped(folder: str, package: str) -> Path:
    """A folder the product ships: `package` once the wheel is installed (pyproject.toml maps
    each folder to a package of its own, since a bare `data` would be everyone's in
    site-packages), the folder beside this file in the source tree."""
    installed = PROJECT_ROOT / package
    return installed if installed.is_dir() else PROJECT_ROOT / folder


DATA_DIR = _shipped("data", "nhachan_data")
MIGRATIONS_DIR = _shipped("migrations", "nhachan_migrations")

"""Write the migration for a change to models/tables.py: `python scripts/new_migration.py "why"`.

Autogenerates against a scratch SQLite database brought to the newest migration first, so the
new revision holds exactly what the models add; revisions are numbered 0001, 0002, … so that the
folder reads in order. Read it before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402

from storage.db import MIGRATIONS_DIR, alembic_config, upgrade_schema  # noqa: E402


def next_revision() -> str:
    numbers = [
        int(path.name[:4]) for path in (MIGRATIONS_DIR / "versions").glob("[0-9]" * 4 + "_*.py")
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        raise SystemExit('usage: python scripts/new_migration.py "what the change is for"')
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'scratch.db'}"
    upgrade_schema(url)
    command.revision(
        alembic_config(url), message=sys.argv[1], autogenerate=True, rev_id=next_revision()
    )


if __name__ == "__main__":
    main()

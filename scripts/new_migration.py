"""Write the migration for a change to models/tables.py: `python scripts/new_migration.py "why"`.

Autogenerates against a scratch SQLite database brought to the newest migration first, so the
new revision holds exactly what the models add. Read it before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402

from storage.db import alembic_config, upgrade_schema  # noqa: E402


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        raise SystemExit('usage: python scripts/new_migration.py "what the change is for"')
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'scratch.db'}"
    upgrade_schema(url)
    command.revision(alembic_config(url), message=sys.argv[1], autogenerate=True)


if __name__ == "__main__":
    main()

"""`python -m storage.migrate`: bring the database the settings name to the newest schema, then
stop. A deployment runs it once before any worker or web process starts (docker-compose.yml's
`migrate`), so that two of them starting together never race to create the same tables."""

from __future__ import annotations

from settings import get_settings
from storage.db import upgrade_schema


def main() -> None:
    upgrade_schema(get_settings().resolved_database_url())


if __name__ == "__main__":
    main()

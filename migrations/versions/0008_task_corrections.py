"""Task.corrections: the coordinator's corrected readings of a task's cells, kept with it

The original text and the correction, with who made it and when; a task imported before has
none. Numbered 0008 after 0006 so that a 0007 of another branch can take its place between.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('corrections', sa.JSON(), nullable=False, server_default='[]')
        )


def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('corrections')
